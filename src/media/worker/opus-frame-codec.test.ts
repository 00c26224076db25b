import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ulawDecodeInto, ulawEncodeInto } from '../codecs/g711-ulaw.js';
import { chooseOpusBackend } from '../codecs/opus-backend.js';
import { OpusDecoder, OpusEncoder } from '../codecs/opus.js';
import { toneShare } from '../dsp/goertzel.js';
import { concatPcm, sineFrames } from '../dsp/tone.js';
import type { LegCodec } from '../protocol.js';
import { canTranscode, createFrameCodec } from './codec-registry.js';
import { createOpusFrameCodec } from './opus-frame-codec.js';
import { TranscodeDirection } from './transcode-direction.js';

const { backend } = chooseOpusBackend('auto');
const OPUS: LegCodec = { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, telephoneEvent: 110 };
const PCMU: LegCodec = { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1, telephoneEvent: 101 };

test('the Opus FrameCodec: 48 kHz, RTP clock 48000, 960 samples per 20 ms; a 1 kHz tone round-trips', () => {
  const c = createOpusFrameCodec({}, { backend });
  assert.is(c.sampleRate, 48000);
  assert.is(c.rtpClock, 48000);
  assert.is(c.frameSamples, 960);
  const pkt = new Uint8Array(c.maxPayloadBytes);
  const out = new Int16Array(c.decodedSamples(pkt.length));
  const decoded: Int16Array[] = [];
  for (const f of sineFrames(1000, 48000, 25)) {
    const n = c.encode(f, pkt);
    assert.ok(n > 0 && n <= c.maxPayloadBytes);
    const k = c.decode(pkt.subarray(0, n), out);
    assert.is(k, 960);
    decoded.push(out.slice(0, k));
  }
  const pcm = concatPcm(decoded);
  assert.ok(toneShare(pcm, 48000, 1000, 4800) > 0.9, `1 kHz share ${toneShare(pcm, 48000, 1000, 4800)}`);
  c.close();
});

test("the encoder follows the remote's fmtp (RFC 7587 §6.1): maxaveragebitrate, useinbandfec, maxplaybackrate, cbr; ptime does not change the 20 ms frame", () => {
  const c = createOpusFrameCodec({ fmtp: 'maxaveragebitrate=16000;useinbandfec=1;maxplaybackrate=16000;cbr=1;minptime=10' }, { backend });
  assert.is(c.encoderConfig.bitrate, 16000);
  assert.ok(c.encoderConfig.inbandFec);
  assert.is(c.encoderConfig.maxBandwidth, 'wb');
  assert.ok(c.encoderConfig.cbr);
  assert.is(c.encoderConfig.frameMs, 20);
  const plain = createOpusFrameCodec({ fmtp: 'useinbandfec=0; junk=\u0001' }, { backend });
  assert.is(plain.encoderConfig.bitrate, 32000);
  assert.not.ok(plain.encoderConfig.inbandFec);
  // The registry hands the leg's fmtp to the coder.
  const viaRegistry = createFrameCodec({ ...OPUS, fmtp: 'maxaveragebitrate=12000' }) as ReturnType<typeof createOpusFrameCodec>;
  assert.is(viaRegistry.encoderConfig.bitrate, 12000);
  for (const x of [c, plain, viaRegistry]) x.close();
});

test('a corrupt or oversized Opus packet is counted and concealed, never thrown; conceal() continues the stream', () => {
  const c = createOpusFrameCodec({}, { backend });
  const pkt = new Uint8Array(c.maxPayloadBytes);
  const out = new Int16Array(c.decodedSamples(pkt.length));
  for (const f of sineFrames(1000, 48000, 5)) c.decode(pkt.subarray(0, c.encode(f, pkt)), out);
  // TOC code 3 with a frame count of 0 is impossible (RFC 6716 §3.2.5).
  assert.is(c.decode(Uint8Array.of(0xfb, 0x00), out), 960);
  assert.is(c.decode(new Uint8Array(5000), out), 960);
  assert.is(c.corruptPackets, 2);
  const lost = new Int16Array(960);
  assert.is(c.conceal!(lost), 960);
  c.close();
});

/** One direction driven by hand: a clock moved 20 ms per tick. */
function drive(dir: TranscodeDirection, clock: { t: number }, payloads: Uint8Array[], pt: number, tsStep: number): Buffer[] {
  const sent: Buffer[] = [];
  const tick = (): void => {
    clock.t += 20;
    const n = dir.tick();
    if (n > 0) sent.push(Buffer.from(dir.packet.subarray(0, n)));
  };
  payloads.forEach((p, i) => {
    const pkt = Buffer.alloc(12 + p.length);
    pkt[0] = 0x80;
    pkt[1] = pt;
    pkt.set(p, 12);
    dir.pushAudio(pkt, 12, p.length, 1000 + i, 5000 + i * tsStep, 0x1234, i === 0);
    tick();
  });
  for (let i = 0; i < 12; i++) tick();
  return sent;
}

test('PCMU → Opus: a 1 kHz tone leaves as Opus at RTP clock 48000 (960 per packet) carrying 1 kHz', () => {
  const clock = { t: 1000 };
  const dir = new TranscodeDirection(PCMU, OPUS, { now: () => clock.t });
  const payloads = sineFrames(1000, 8000, 50).map((f) => {
    const b = new Uint8Array(160);
    ulawEncodeInto(f, b);
    return b;
  });
  const out = drive(dir, clock, payloads, 0, 160);
  const audio = out.filter((p) => (p[1]! & 0x7f) === 111);
  assert.ok(audio.length >= 50, `${audio.length} Opus packets`);
  for (let i = 1; i < audio.length; i++) assert.is(audio[i]!.readUInt32BE(4), (audio[i - 1]!.readUInt32BE(4) + 960) >>> 0);
  const dec = new OpusDecoder(backend);
  const pcm = concatPcm(audio.slice(0, 50).map((p) => dec.decode(p.subarray(12))));
  assert.ok(toneShare(pcm, 48000, 1000, 9600) > 0.8, `1 kHz share ${toneShare(pcm, 48000, 1000, 9600)}`);
  assert.ok(toneShare(pcm, 48000, 600, 9600) < 0.02);
  dec.close();
  dir.dispose();
});

test('Opus → PCMU: a 600 Hz tone sent as Opus arrives as µ-law carrying 600 Hz; a lost Opus packet is concealed', () => {
  const clock = { t: 1000 };
  const dir = new TranscodeDirection(OPUS, PCMU, { now: () => clock.t });
  const enc = new OpusEncoder(backend);
  const payloads = sineFrames(600, 48000, 50).map((f) => Uint8Array.from(enc.encode(f)));
  const sent: Buffer[] = [];
  payloads.forEach((p, i) => {
    if (i === 20) {
      clock.t += 20;
      const n = dir.tick();
      if (n > 0) sent.push(Buffer.from(dir.packet.subarray(0, n)));
      return; // lost
    }
    const pkt = Buffer.alloc(12 + p.length);
    pkt.set(p, 12);
    dir.pushAudio(pkt, 12, p.length, 1000 + i, 5000 + i * 960, 0x4321, i === 0);
    clock.t += 20;
    const n = dir.tick();
    if (n > 0) sent.push(Buffer.from(dir.packet.subarray(0, n)));
  });
  const audio = sent.filter((p) => (p[1]! & 0x7f) === 0);
  assert.ok(audio.every((p) => p.length === 12 + 160));
  const pcm = concatPcm(audio.map((p) => {
    const f = new Int16Array(160);
    ulawDecodeInto(p.subarray(12), f);
    return f;
  }));
  assert.ok(toneShare(pcm, 8000, 600, 1600) > 0.8, `600 Hz share ${toneShare(pcm, 8000, 600, 1600)}`);
  assert.ok(dir.counters.framesConcealed >= 1, 'the lost packet was concealed');
  enc.close();
  dir.dispose();
});

test('telephone-event/48000 from an Opus leg leaves a PCMU leg as telephone-event/8000 with its duration rescaled (RFC 4733 §2.3)', () => {
  const clock = { t: 1000 };
  const dir = new TranscodeDirection(OPUS, PCMU, { now: () => clock.t });
  const ev = Buffer.alloc(12 + 4);
  ev[12] = 5; // digit 5
  ev[13] = 10; // volume
  ev.writeUInt16BE(4800, 14); // 100 ms at 48 kHz
  const n = dir.event(ev, 12, 4, 90000, 0x4321, true);
  assert.is(n, 16);
  assert.is(dir.packet[1]! & 0x7f, 101);
  assert.is(dir.packet[12], 5);
  assert.is(dir.packet.readUInt16BE(14), 800, '100 ms at 8 kHz');
  // The other way: 8000 → 48000, capped at 16 bits.
  const back = new TranscodeDirection(PCMU, OPUS, { now: () => clock.t });
  ev.writeUInt16BE(20000, 14);
  assert.is(back.event(ev, 12, 4, 90000, 0x1, true), 16);
  assert.is(back.packet[1]! & 0x7f, 110);
  assert.is(back.packet.readUInt16BE(14), 0xffff);
  dir.dispose();
  back.dispose();
});

test('telephone-event/8000 beside Opus (telephoneEventClockRate 8000) crosses to a PCMU leg with its duration unchanged', () => {
  const clock = { t: 1000 };
  const dir = new TranscodeDirection({ ...OPUS, telephoneEventClockRate: 8000 }, PCMU, { now: () => clock.t });
  const ev = Buffer.alloc(16);
  ev[12] = 9;
  ev.writeUInt16BE(800, 14);
  assert.is(dir.event(ev, 12, 4, 1234, 0x9, true), 16);
  assert.is(dir.packet.readUInt16BE(14), 800);
  dir.dispose();
  assert.not.ok(canTranscode({ ...OPUS, telephoneEventClockRate: 12345 }), 'an odd telephone-event clock is refused');
});

test.run();
