import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { goertzelPower, meanPower, powerDb } from '../dsp/goertzel.js';
import { writeSine } from '../dsp/tone.js';
import { chooseOpusBackend, loadNativeOpus, loadOpusScript, type OpusBackend } from './opus-backend.js';
import { opusEncoderConfigFor } from './opus-encoder-config.js';
import { OpusCodecError } from './opus-error.js';
import { parseOpusFmtp } from './opus-fmtp.js';
import { opusPacketInfo } from './opus-toc.js';
import { OPUS_RTP_CLOCK_RATE, OpusDecoder, OpusEncoder } from './opus.js';

const RATE = 48000;
const FRAME = 960;

// Both backends when both are installed; the native one may be missing (its build failed or
// was skipped at install): then its cases are skipped and say so in one clear line.
const backends: OpusBackend[] = [loadOpusScript()];
const native = loadNativeOpus();
if (typeof native === 'string') console.log(`SKIPPED: Opus native backend (@discordjs/opus) cases: ${native}`);
else backends.unshift(native);

/** `frames` frames of a sine, phase-continuous. */
function toneFrames(frequency: number, amplitude: number, frames: number): Int16Array[] {
  const out: Int16Array[] = [];
  let phase = 0;
  for (let k = 0; k < frames; k++) {
    const f = new Int16Array(FRAME);
    phase = writeSine(f, { sampleRate: RATE, frequency, amplitude, phase });
    out.push(f);
  }
  return out;
}

function concat(frames: Int16Array[]): Int16Array {
  const out = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

/** The lag (0..maxLag) at which `output` best matches `input` (normalised cross-correlation). */
function bestLag(input: Int16Array, output: Int16Array, from: number, length: number, maxLag: number): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let lag = 0; lag <= maxLag; lag++) {
    let xy = 0;
    let yy = 0;
    for (let i = from; i < from + length; i++) {
      const y = output[i + lag]!;
      xy += input[i]! * y;
      yy += y * y;
    }
    const score = yy > 0 ? xy / Math.sqrt(yy) : -Infinity;
    if (score > bestScore) {
      bestScore = score;
      best = lag;
    }
  }
  return best;
}

/** The codec's delay in samples: the lag at which decoded speech-like audio best matches the input. */
function measureDelay(backend: OpusBackend): number {
  const enc = new OpusEncoder(backend);
  const dec = new OpusDecoder(backend);
  const input = speechLike(40);
  const output = input.map((f) => dec.decode(enc.encode(f)));
  enc.close();
  dec.close();
  return bestLag(concat(input), concat(output), 10 * FRAME, 20 * FRAME, FRAME);
}

/** A speech-like test signal: a sweeping harmonic tone with noise, in frames. */
function speechLike(frames: number): Int16Array[] {
  let seed = 7;
  const out: Int16Array[] = [];
  for (let k = 0; k < frames; k++) {
    const f = new Int16Array(FRAME);
    for (let i = 0; i < FRAME; i++) {
      const t = (k * FRAME + i) / RATE;
      const f0 = 120 + 60 * Math.sin(2 * Math.PI * 3 * t);
      let v = 0;
      for (let h = 1; h <= 8; h++) v += (3000 / h) * Math.sin(2 * Math.PI * f0 * h * t);
      v *= 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t);
      v += ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 800;
      f[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
    }
    out.push(f);
  }
  return out;
}

test('the RTP clock of Opus is 48000 whatever is sent (RFC 7587 §7)', () => {
  assert.is(OPUS_RTP_CLOCK_RATE, 48000);
});

test('chooseOpusBackend reports which backend is in use, and why the native one is not', () => {
  const auto = chooseOpusBackend();
  if (typeof native === 'string') {
    assert.is(auto.backend.name, 'opusscript');
    assert.is(auto.nativeUnavailable, native);
  } else {
    assert.is(auto.backend.name, 'native');
    assert.is(auto.nativeUnavailable, undefined);
  }
  const forced = chooseOpusBackend('opusscript');
  assert.is(forced.backend.name, 'opusscript');
  assert.type(forced.nativeUnavailable, 'string');
});

for (const backend of backends) {
  const name = backend.name;

  test(`${name}: a 1 kHz sine survives encode and decode (delay measured, frequency and power kept)`, () => {
    const input = toneFrames(1000, 8000, 60);
    const enc = new OpusEncoder(backend);
    const dec = new OpusDecoder(backend);
    assert.is(enc.backend, name);
    const out: Int16Array[] = [];
    for (const f of input) {
      const packet = enc.encode(f);
      assert.ok(packet.length > 0 && packet.length < 400, `packet of ${packet.length} bytes`);
      const pcm = dec.decode(packet);
      assert.is(pcm.length, FRAME);
      out.push(pcm);
    }
    const x = concat(input);
    const y = concat(out);
    // Opus's algorithmic delay at 48 kHz is 6.5 ms (312 samples: 2.5 ms look-ahead + 4 ms of
    // the decoder's delay compensation); measured (not assumed) on a non-periodic signal, since
    // a pure tone matches itself every period.
    const delay = measureDelay(backend);
    assert.ok(delay > 0 && delay < FRAME, `delay ${delay} samples`);
    const from = 20 * FRAME;
    const length = 20 * FRAME;
    // Fine alignment on the tone itself, within half a period of the measured delay (where its
    // correlation has a single peak): the codec's phase at 1 kHz need not equal its group delay.
    const fine = delay - 24 + bestLag(x, y.subarray(delay - 24), from, length, 48);
    assert.ok(Math.abs(fine - delay) <= 24);
    const aligned = y.subarray(fine);
    const inPower = meanPower(x, from, length);
    const outPower = meanPower(aligned, from, length);
    const gainDb = powerDb(outPower, inPower);
    let errPower = 0;
    for (let i = from; i < from + length; i++) errPower += (aligned[i]! - x[i]!) ** 2;
    errPower /= length;
    const snrDb = powerDb(inPower, errPower);
    const tone = goertzelPower(aligned, RATE, 1000, from, length);
    const stray = Math.max(...[500, 1500, 2000, 3000, 4000].map((f) => goertzelPower(aligned, RATE, f, from, length)));
    console.log(`  ${name}: delay ${delay} samples (${(delay / 48).toFixed(2)} ms; ${fine} at 1 kHz), gain ${gainDb.toFixed(2)} dB, SNR ${snrDb.toFixed(1)} dB, 1 kHz over strongest stray ${powerDb(tone, stray).toFixed(1)} dB`);
    assert.ok(Math.abs(gainDb) < 1.5, `power kept within 1.5 dB (${gainDb.toFixed(2)} dB)`);
    assert.ok(snrDb > 15, `SNR ${snrDb.toFixed(1)} dB > 15 dB`);
    assert.ok(powerDb(tone, outPower) > -0.5, '1 kHz carries the output power');
    assert.ok(powerDb(tone, stray) > 40, `1 kHz ${powerDb(tone, stray).toFixed(1)} dB above other frequencies`);
    enc.close();
    dec.close();
  });

  test(`${name}: concealment gives frames of the right length that continue the tone, silence before any packet`, () => {
    const dec = new OpusDecoder(backend);
    const before = dec.conceal();
    assert.is(before.length, FRAME);
    assert.is(meanPower(before), 0);
    const enc = new OpusEncoder(backend);
    for (const f of toneFrames(1000, 8000, 20)) dec.decode(enc.encode(f));
    const lost = dec.decodeOrConceal(null);
    assert.is(lost.concealed, true);
    assert.is(lost.pcm.length, FRAME);
    assert.ok(powerDb(goertzelPower(lost.pcm, RATE, 1000), meanPower(lost.pcm)) > -3, 'the concealed frame is mostly 1 kHz');
    assert.ok(powerDb(meanPower(lost.pcm), 8000 ** 2 / 2) > -6, 'and not much quieter than the tone');
    assert.is(dec.conceal(480).length, 480);
    assert.is(dec.conceal(1920).length, 1920);
    assert.is(dec.conceal(1000).length, 1080, 'rounded up to a multiple of 2.5 ms');
    // After losses the stream goes on normally.
    let last: Int16Array = new Int16Array(0);
    for (const f of toneFrames(1000, 8000, 10)) last = dec.decode(enc.encode(f));
    assert.ok(powerDb(goertzelPower(last, RATE, 1000), meanPower(last)) > -1);
  });

  test(`${name}: hostile packets (random, truncated, empty, oversized, impossible TOC) give OpusCodecError or PLC, and the stream goes on`, () => {
    const enc = new OpusEncoder(backend);
    const dec = new OpusDecoder(backend);
    const good = toneFrames(1000, 8000, 40).map((f) => enc.encode(f));
    for (const p of good.slice(0, 10)) dec.decode(p);
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const hostile: Uint8Array[] = [new Uint8Array(0), new Uint8Array(OPUS_MAX + 1), Uint8Array.of(0x03), Uint8Array.of(0x03, 0x00), Uint8Array.of(0x1b, 0x03)];
    for (let i = 0; i < 300; i++) {
      const p = new Uint8Array(1 + Math.floor(rnd() * 300));
      for (let j = 0; j < p.length; j++) p[j] = Math.floor(rnd() * 256);
      hostile.push(p);
    }
    for (const p of good.slice(10, 20)) hostile.push(p.subarray(0, Math.max(1, p.length >> 1)), p.subarray(0, 2));
    let refused = 0;
    let decoded = 0;
    for (const p of hostile) {
      try {
        const pcm = dec.decode(p);
        assert.ok(pcm.length % 120 === 0 && pcm.length <= backend.maxDecodeSamples);
        decoded++;
      } catch (err) {
        assert.instance(err, OpusCodecError);
        assert.is((err as OpusCodecError).code, 'corrupt-packet');
        refused++;
      }
      const r = dec.decodeOrConceal(p);
      assert.ok(r.pcm.length > 0);
      if (r.error) assert.is(r.concealed, true);
    }
    assert.ok(refused >= 5, `${refused} refused`);
    console.log(`  ${name}: ${hostile.length} hostile packets: ${refused} refused, ${decoded} decoded as (garbage) audio`);
    let last: Int16Array = new Int16Array(0);
    for (const p of good.slice(20)) last = dec.decode(p);
    assert.ok(powerDb(goertzelPower(last, RATE, 1000), meanPower(last)) > -1, 'the real stream decodes again');
  });

  test(`${name}: the encoder refuses a frame of the wrong length with a typed error`, () => {
    const enc = new OpusEncoder(backend);
    for (const n of [0, 959, 961, 1920]) {
      try {
        enc.encode(new Int16Array(n));
        assert.unreachable(`${n} samples accepted`);
      } catch (err) {
        assert.instance(err, OpusCodecError);
        assert.is((err as OpusCodecError).code, 'bad-frame');
      }
    }
    enc.close();
  });

  test(`${name}: the peer's fmtp is honoured: maxaveragebitrate, maxplaybackrate, useinbandfec, ptime`, () => {
    const signal = speechLike(100);
    const run = (fmtp: string, sdp: { ptime?: number } = {}) => {
      const cfg = opusEncoderConfigFor(parseOpusFmtp(fmtp), sdp);
      const enc = new OpusEncoder(backend, cfg);
      const packets: Uint8Array[] = [];
      const all = concat(signal);
      for (let at = 0; at + enc.frameSamples <= all.length; at += enc.frameSamples) packets.push(enc.encode(all.subarray(at, at + enc.frameSamples)));
      enc.close();
      return { cfg, packets, infos: packets.map((p) => opusPacketInfo(p)!) };
    };
    const bitrateOf = (packets: Uint8Array[], frameMs: number) => (packets.reduce((n, p) => n + p.length, 0) * 8) / ((packets.length * frameMs) / 1000);

    const free = run('');
    const capped = run('maxaveragebitrate=12000');
    const freeRate = bitrateOf(free.packets, 20);
    const cappedRate = bitrateOf(capped.packets, 20);
    assert.ok(cappedRate <= 12000 * 1.15, `capped at ${cappedRate.toFixed(0)} bit/s`);
    assert.ok(freeRate > cappedRate * 1.5, `uncapped ${freeRate.toFixed(0)} bit/s`);

    const narrow = run('maxplaybackrate=8000');
    assert.ok(narrow.infos.every((i) => i.bandwidth === 'nb'), 'narrowband only for an 8 kHz renderer');
    assert.ok(free.infos.some((i) => i.bandwidth !== 'nb'), 'wider without the limit');

    // In-band FEC (LBRR) is carried by SILK frames; its flag is the bit after the frames' VAD
    // flags at the start of the range-coded data (RFC 6716 §4.2.3-4.2.4).
    const lbrrPackets = (r: ReturnType<typeof run>) =>
      r.packets.filter((p, k) => r.infos[k]!.mode !== 'celt' && r.infos[k]!.frames === 1 && p.length > 1 && ((p[1]! >> 6) & 1) === 1).length;
    const fec = run('useinbandfec=1');
    assert.is(fec.cfg.inbandFec, true);
    assert.ok(lbrrPackets(fec) > 10, `${lbrrPackets(fec)} packets carry FEC`);
    assert.is(lbrrPackets(free), 0, 'no FEC unless the peer can use it');

    const stereoPeer = run('stereo=1;sprop-stereo=1');
    assert.ok(stereoPeer.infos.every((i) => !i.stereo), 'mono even to a stereo-capable peer');

    const ptime40 = run('', { ptime: 40 });
    assert.is(ptime40.cfg.frameMs, 40);
    assert.ok(ptime40.infos.every((i) => i.frames * i.frameSamples === 1920), '40 ms packets for ptime 40');
    const dec = new OpusDecoder(backend);
    assert.is(dec.decode(ptime40.packets[5]!).length, 1920);
    assert.is(dec.conceal().length, 1920, 'concealment follows the packet length');
  });

  test(`${name}: two encoder/decoder pairs interleaved keep their own streams`, () => {
    const a = toneFrames(1000, 8000, 30);
    const b = toneFrames(2500, 8000, 30);
    const encA = new OpusEncoder(backend);
    const encB = new OpusEncoder(backend);
    const decA = new OpusDecoder(backend);
    const decB = new OpusDecoder(backend);
    let outA: Int16Array = new Int16Array(0);
    let outB: Int16Array = new Int16Array(0);
    for (let k = 0; k < 30; k++) {
      const pa = encA.encode(a[k]!);
      const pb = encB.encode(b[k]!);
      outB = decB.decode(pb);
      outA = decA.decode(pa);
    }
    assert.ok(powerDb(goertzelPower(outA, RATE, 1000), goertzelPower(outA, RATE, 2500)) > 30);
    assert.ok(powerDb(goertzelPower(outB, RATE, 2500), goertzelPower(outB, RATE, 1000)) > 30);
    for (const c of [encA, encB, decA, decB]) c.close();
  });
}

const OPUS_MAX = 3 * 1276;

test.run();
