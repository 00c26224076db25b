import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ulawDecodeInto } from '../codecs/g711-ulaw.js';
import { G722Decoder } from '../codecs/g722-decoder.js';
import { goertzelPower, meanPower } from '../dsp/goertzel.js';
import { dbfsToAmplitude, writeSine } from '../dsp/tone.js';
import { MediaError } from '../media-error.js';
import type { LegCodec, MediaEvent, PlayedMediaEvent } from '../protocol.js';
import { buildTelephoneEvent } from '../rtp/telephone-event.js';
import { FakePhone } from '../test-peers.js';
import { pcm16Bytes, WavWriter } from '../wav/wav-writer.js';
import type { PacerTimers } from './frame-pacer.js';
import { RelayEngine } from './relay-engine.js';

// The engine in-process with real UDP sockets on the loopback, a hand-moved clock and a
// hand-fired pacer (as in transcode-session.test.ts), playing real WAV files.

const HOST = '127.0.0.1';
const PCMU: LegCodec = { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1, telephoneEvent: 101 };
const G722: LegCodec = { payloadType: 9, name: 'G722', clockRate: 8000, channels: 1, telephoneEvent: 101 };
const GSM: LegCodec = { payloadType: 3, name: 'GSM', clockRate: 8000, channels: 1 };
let nextBase = 40000 + 2 * Math.floor(Math.random() * 2500);
const dir = mkdtempSync(join(tmpdir(), 'leg-player-'));

/** A WAV of `ms` of a sine at `frequency`, 16-bit at `rate`. */
function toneWav(name: string, frequency: number, ms: number, rate = 8000): string {
  const path = join(dir, name);
  const pcm = new Int16Array((rate * ms) / 1000);
  writeSine(pcm, { sampleRate: rate, frequency, amplitude: dbfsToAmplitude(-10) });
  const w = WavWriter.create(path, { sampleRate: rate, overwrite: true });
  w.write(pcm16Bytes(pcm));
  w.close();
  return path;
}

async function rig(codecs: { a: LegCodec; b: LegCodec }, transcode: boolean) {
  const events: MediaEvent[] = [];
  const clock = { t: 1000 };
  const pending: Array<() => void> = [];
  const timers: PacerTimers = {
    now: () => clock.t,
    setTimeout: (fn) => (pending.push(fn), fn),
    clearTimeout: (h) => {
      const i = pending.indexOf(h as () => void);
      if (i >= 0) pending.splice(i, 1);
    },
  };
  const base = nextBase;
  nextBase += 8;
  const engine = new RelayEngine({ address: HOST, portMin: base, portMax: base + 7, rtpTimeoutMs: 60_000, now: () => clock.t, emit: (e) => events.push(e), pacerTimers: timers });
  const ports = await engine.allocate('s1');
  const a = await FakePhone.open();
  const b = await FakePhone.open();
  engine.setRemote('s1', 'a', { address: HOST, port: a.local.port, allowedSources: [HOST] });
  engine.setRemote('s1', 'b', { address: HOST, port: b.local.port, allowedSources: [HOST] });
  engine.setCodecs('s1', codecs.a, codecs.b, transcode);
  return {
    engine,
    events,
    a,
    b,
    ports: { a: ports.a.rtpPort, b: ports.b.rtpPort },
    tick(n = 1) {
      for (let i = 0; i < n; i++) {
        clock.t += 20;
        for (const f of pending.splice(0)) f();
      }
    },
    played(): PlayedMediaEvent[] {
      return events.filter((e): e is PlayedMediaEvent => e.type === 'played');
    },
    async close() {
      engine.close();
      await a.close();
      await b.close();
    },
  };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

function header(d: Buffer) {
  return { pt: d[1] & 0x7f, marker: (d[1] & 0x80) !== 0, seq: d.readUInt16BE(2), ts: d.readUInt32BE(4), ssrc: d.readUInt32BE(8) };
}

function decodeUlaw(packets: Buffer[]): Int16Array {
  const out = new Int16Array(packets.reduce((n, p) => n + p.length - 12, 0));
  let o = 0;
  for (const p of packets) {
    ulawDecodeInto(p.subarray(12), out.subarray(o));
    o += p.length - 12;
  }
  return out;
}

/** The tone's share of the signal's power (1 = a pure tone at `f`). */
function toneShare(pcm: Int16Array, rate: number, f: number): number {
  return goertzelPower(pcm, rate, f) / (meanPower(pcm) || 1);
}

test('a play reaches the leg in its codec, paced, then the relay takes over again', async () => {
  const r = await rig({ a: PCMU, b: PCMU }, false);
  try {
    const wav = toneWav('t700.wav', 700, 400);
    r.engine.play({ session: 's1', leg: 'a', playId: 'x1', codec: PCMU, files: [wav] });
    // While it plays, what B's phone sends is not relayed to A.
    await r.b.sendRtp({ address: HOST, port: r.ports.b }, { seq: 1, ts: 160, ssrc: 77, pt: 0 });
    await until(() => r.engine.stats('s1').b.packetsReceived === 1, 'B packet arrived');
    r.tick(25);
    await r.a.waitFor(20);
    const got = r.a.received.map((x) => x.data);
    assert.is(got.length, 20, '400 ms = 20 frames');
    const hs = got.map(header);
    assert.ok(hs.every((h) => h.pt === 0 && h.ssrc === hs[0].ssrc && h.ssrc !== 77), 'one stream of ours, in PCMU');
    assert.ok(hs[0].marker && hs.slice(1).every((h) => !h.marker), 'marker on the first packet only');
    for (let i = 1; i < hs.length; i++) {
      assert.is(hs[i].seq, (hs[i - 1].seq + 1) & 0xffff);
      assert.is(hs[i].ts, (hs[i - 1].ts + 160) >>> 0);
    }
    assert.ok(toneShare(decodeUlaw(got), 8000, 700) > 0.8, '700 Hz heard');
    assert.ok(toneShare(decodeUlaw(got), 8000, 1000) < 0.05, 'and not another tone');
    const played = r.played();
    assert.is(played.length, 1);
    assert.is(played[0].reason, 'done');
    assert.is(played[0].filesPlayed, 1);
    assert.is(played[0].playId, 'x1');
    // Done: B's audio reaches A again, unchanged.
    await r.b.sendRtp({ address: HOST, port: r.ports.b }, { seq: 2, ts: 320, ssrc: 77, pt: 0 });
    await r.a.waitFor(21);
    assert.is(header(r.a.received[20].data).ssrc, 77);
  } finally {
    await r.close();
  }
});

test('a second play goes on with the same SSRC and sequence, marker set, timestamp moved by the gap', async () => {
  const r = await rig({ a: PCMU, b: PCMU }, false);
  try {
    const wav = toneWav('short.wav', 500, 100);
    r.engine.play({ session: 's1', leg: 'b', playId: 'p1', codec: PCMU, files: [wav] });
    r.tick(6);
    await r.b.waitFor(5);
    r.tick(10); // 200 ms of nothing
    r.engine.play({ session: 's1', leg: 'b', playId: 'p2', codec: PCMU, files: [wav] });
    r.tick(6);
    await r.b.waitFor(10);
    const hs = r.b.received.map((x) => header(x.data));

    assert.is(hs[5].ssrc, hs[4].ssrc);
    assert.is(hs[5].seq, (hs[4].seq + 1) & 0xffff, 'no sequence gap');
    assert.ok(hs[5].marker, 'a new talk spurt');
    assert.ok(((hs[5].ts - hs[4].ts) >>> 0) > 160, 'the timestamp follows the wall clock');
    assert.equal(r.played().map((p) => p.reason), ['done', 'done']);
  } finally {
    await r.close();
  }
});

test('an RFC 4733 digit from the leg barges in; stopPlay stops; a new play replaces the old', async () => {
  const r = await rig({ a: PCMU, b: PCMU }, false);
  try {
    const wav = toneWav('loop.wav', 600, 100);
    r.engine.play({ session: 's1', leg: 'a', playId: 'loop', codec: PCMU, files: [wav], loop: true, bargeIn: true });
    r.tick(10);
    await r.a.sendRtp({ address: HOST, port: r.ports.a }, { seq: 10, ts: 8000, ssrc: 5, pt: 101, marker: true, payload: buildTelephoneEvent(5, false, 10, 160) });
    await until(() => r.played().length === 1, 'barged in');
    assert.is(r.played()[0].reason, 'barged-in');
    assert.is(r.played()[0].digit, '5');
    // No barge-in: a digit does nothing, stopPlay stops it.
    r.engine.play({ session: 's1', leg: 'a', playId: 'nb', codec: PCMU, files: [wav], loop: true, bargeIn: false });
    await r.a.sendRtp({ address: HOST, port: r.ports.a }, { seq: 11, ts: 9000, ssrc: 5, pt: 101, marker: true, payload: buildTelephoneEvent(7, false, 10, 160) });
    await until(() => r.engine.stats('s1').a.packetsReceived === 2, 'digit arrived');
    r.tick(3);
    assert.is(r.played().length, 1);
    r.engine.play({ session: 's1', leg: 'a', playId: 'next', codec: PCMU, files: [wav], loop: true });
    assert.is(r.played()[1].playId, 'nb');
    assert.is(r.played()[1].reason, 'stopped');
    r.engine.stopPlay('s1', 'a', 'other-id');
    assert.is(r.played().length, 2, 'another play id is left alone');
    r.engine.stopPlay('s1', 'a');
    assert.is(r.played()[2].reason, 'stopped');
    // release stops a play too
    r.engine.play({ session: 's1', leg: 'b', playId: 'rel', codec: PCMU, files: [wav], loop: true });
    r.engine.release('s1');
    assert.is(r.played()[3].reason, 'stopped');
  } finally {
    await r.close();
  }
});

test('a transcoding session plays into a G.722 leg at 16 kHz', async () => {
  const r = await rig({ a: G722, b: PCMU }, true);
  try {
    const wav = toneWav('t1k.wav', 1000, 300, 16000);
    r.engine.play({ session: 's1', leg: 'a', playId: 'g', codec: G722, files: [wav] });
    r.tick(20);
    await r.a.waitFor(15);
    const dec = new G722Decoder();
    const pcm = new Int16Array(320 * 15);
    let o = 0;
    for (const { data } of r.a.received.slice(0, 15)) {
      assert.is(header(data).pt, 9);
      o += dec.decode(data.subarray(12), pcm.subarray(o));
    }
    assert.ok(toneShare(pcm.subarray(640), 16000, 1000) > 0.7, '1 kHz heard');
    assert.is(r.played()[0].reason, 'done');
  } finally {
    await r.close();
  }
});

test('bad play commands are refused, missing files end in error, nothing crashes', async () => {
  const r = await rig({ a: PCMU, b: PCMU }, false);
  try {
    const refused = (cmd: unknown, what: string) => {
      try {
        r.engine.play(cmd);
        assert.unreachable(what);
      } catch (e) {
        assert.instance(e, MediaError, what);
        assert.is((e as MediaError).code, 'bad-request', what);
      }
    };
    const wav = toneWav('ok.wav', 500, 40);
    refused({ session: 's1', leg: 'a', playId: 'x', codec: PCMU, files: [] }, 'no files');
    refused({ session: 's1', leg: 'a', playId: 'x', codec: PCMU, files: ['relative/x.wav'] }, 'relative path');
    refused({ session: 's1', leg: 'c', playId: 'x', codec: PCMU, files: [wav] }, 'bad leg');
    refused({ session: 's1', leg: 'a', playId: 'x', codec: GSM, files: [wav] }, 'a codec it cannot encode');
    refused({ session: 's1', leg: 'a', playId: 'x', codec: null, files: [wav] }, 'no codec');
    refused(null, 'nothing');
    assert.throws(() => r.engine.play({ session: 'nope', leg: 'a', playId: 'x', codec: PCMU, files: [wav] }), (e: unknown) => e instanceof MediaError && e.code === 'unknown-session');
    r.engine.play({ session: 's1', leg: 'a', playId: 'gone', codec: PCMU, files: [join(dir, 'missing.wav')] });
    r.tick(2);
    assert.is(r.played()[0].reason, 'error');
    assert.is(r.played()[0].failedFiles, 1);
  } finally {
    await r.close();
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
