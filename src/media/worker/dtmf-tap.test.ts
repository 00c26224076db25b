import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ulawDecodeInto, ulawEncodeInto } from '../codecs/g711-ulaw.js';
import { dbm0ToAmplitude } from '../dsp/dbm0.js';
import { DtmfDetector } from '../dsp/dtmf-detector.js';
import { writeDtmf } from '../dsp/dtmf-tones.js';
import type { LegCodec, LegDtmf, MediaEvent } from '../protocol.js';
import { buildTelephoneEvent, parseTelephoneEvent } from '../rtp/telephone-event.js';
import { rtpPacket } from '../test-peers.js';
import { DtmfTap } from './dtmf-tap.js';
import type { RelayLeg } from './relay-leg.js';

// The tap without sockets: fake legs record what is sent, a hand-moved clock, a flag for the pacer.

const PCMU_TE: LegCodec = { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1, telephoneEvent: 101 };
const PCMU: LegCodec = { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1 };

function fakeLeg(name: 'a' | 'b') {
  const sent: Buffer[] = [];
  const leg = {
    name,
    sendPort: 40000,
    sendAddress: '127.0.0.1',
    packetsSent: 0,
    bytesSent: 0,
    rtp: { send: (buf: Buffer, off: number, len: number) => sent.push(Buffer.from(buf.subarray(off, off + len))) },
    sendRtp: (buf: Buffer, off: number, len: number) => sent.push(Buffer.from(buf.subarray(off, off + len))),
  };
  return { leg: leg as unknown as RelayLeg, sent };
}

function rig(codecs: { a: LegCodec; b: LegCodec }, config: { a: LegDtmf; b: LegDtmf }, interwork = true) {
  const clock = { t: 1000 };
  const events: MediaEvent[] = [];
  const a = fakeLeg('a');
  const b = fakeLeg('b');
  const pacing = { on: false, changes: 0 };
  const tap = new DtmfTap('s1', { a: a.leg, b: b.leg }, codecs, config, () => clock.t, (e) => events.push(e), (on) => {
    pacing.on = on;
    pacing.changes++;
  }, interwork, () => 0.5);
  const digits = () => events.filter((e): e is Extract<MediaEvent, { type: 'dtmf' }> => e.type === 'dtmf');
  /** Move the clock 20 ms and tick like the pacer (only while the tap asked for it). */
  const tick = (n = 1) => {
    for (let i = 0; i < n; i++) {
      clock.t += 20;
      if (pacing.on) tap.tick();
    }
  };
  return { clock, events, digits, tap, a, b, pacing, tick };
}

function te(seq: number, ts: number, event: number, end: boolean, duration: number, o: { pt?: number; ssrc?: number; marker?: boolean } = {}): Buffer {
  return rtpPacket({ seq, ts, ssrc: o.ssrc ?? 0xa, pt: o.pt ?? 101, marker: o.marker ?? false, payload: buildTelephoneEvent(event, end, 10, duration) });
}

function audio(seq: number, ts: number, payload?: Buffer, ssrc = 0xa): Buffer {
  return rtpPacket({ seq, ts, ssrc, pt: 0, payload: payload ?? Buffer.alloc(160, 0xff) });
}

test('RFC 4733 both ways: packets pass through unchanged and the digit is reported once, at the end bit', () => {
  const r = rig({ a: PCMU_TE, b: PCMU_TE }, { a: { mode: 'rfc4733' }, b: { mode: 'rfc4733' } });
  let seq = 10;
  for (let i = 1; i <= 5; i++) {
    const p = te(seq++, 8000, 5, false, i * 160, { marker: i === 1 });
    const copy = Buffer.from(p);
    assert.ok(r.tap.relay('a', p));
    assert.equal(p, copy);
    r.tick();
  }
  for (let i = 0; i < 3; i++) assert.ok(r.tap.relay('a', te(seq++, 8000, 5, true, 960)));
  assert.equal(r.digits().map((d) => [d.leg, d.digit, d.durationMs, d.source]), [['a', '5', 120, 'rfc4733']]);
  assert.is(r.tap.stats('b').eventsGenerated, 0);
});

test('RFC 4733 with every end packet lost: the digit ends on the timeout, on the pacer', () => {
  const r = rig({ a: PCMU_TE, b: PCMU_TE }, { a: { mode: 'rfc4733' }, b: { mode: 'rfc4733' } });
  for (let i = 1; i <= 4; i++) {
    r.tap.relay('a', te(i, 16000, 11, false, i * 160, { marker: i === 1 }));
    r.tick();
  }
  assert.ok(r.pacing.on, 'ticks while a key is down');
  assert.is(r.digits().length, 0);
  r.tick(30); // 600 ms without a packet
  assert.equal(r.digits().map((d) => [d.digit, d.durationMs, d.source]), [['#', 80, 'rfc4733']]);
  assert.not.ok(r.pacing.on, 'idle again: off the pacer');
});

test('telephone-event numbered differently on the other leg: its payload type is rewritten', () => {
  const r = rig({ a: PCMU_TE, b: { ...PCMU_TE, telephoneEvent: 96 } }, { a: { mode: 'rfc4733' }, b: { mode: 'rfc4733' } });
  const p = te(1, 0, 1, false, 160, { marker: true });
  assert.ok(r.tap.relay('a', p));
  assert.is(p[1], 0x80 | 96);
});

test('RFC 4733 towards an INFO leg: stripped, the sequence closes the gap, the digit is reported for the main thread', () => {
  const r = rig({ a: PCMU_TE, b: PCMU }, { a: { mode: 'rfc4733' }, b: { mode: 'info' } });
  const out: number[] = [];
  const pass = (p: Buffer) => {
    if (r.tap.relay('a', p)) out.push(p.readUInt16BE(2));
  };
  pass(audio(100, 0));
  pass(te(101, 160, 7, false, 160, { marker: true }));
  pass(te(102, 160, 7, false, 320));
  pass(te(103, 160, 7, true, 480));
  pass(te(104, 160, 7, true, 480));
  pass(audio(105, 800));
  pass(audio(106, 960));
  assert.equal(out, [100, 101, 102], 'the phone sees no gap');
  assert.equal(r.digits().map((d) => [d.digit, d.durationMs, d.source]), [['7', 60, 'rfc4733']]);
  assert.is(r.tap.stats('a').eventsStripped, 4);
  assert.is(r.tap.stats('b').eventsGenerated, 0, 'INFO is the main thread\'s job');
});

test('RFC 2198 red carrying telephone-event: a lost end packet is recovered from the redundancy', () => {
  const RED = 100;
  const r = rig({ a: { ...PCMU_TE, red: RED }, b: PCMU_TE }, { a: { mode: 'rfc4733' }, b: { mode: 'rfc4733' } });
  // Packet 1: the primary only, digit 9 starts at ts 3200.
  const p1 = rtpPacket({ seq: 1, ts: 3200, ssrc: 0xa, pt: RED, payload: Buffer.concat([Buffer.from([101]), buildTelephoneEvent(9, false, 10, 160)]) });
  assert.not.ok(r.tap.relay('a', p1), 'red does not pass to a leg without it');
  r.tick();
  // The end packets of 9 are lost; packet 2 starts digit 1 at ts 4000 and carries 9's end as redundancy (offset 800, RFC 2198 §3).
  const off = 800;
  const hdr = Buffer.from([0x80 | 101, off >> 6, ((off & 0x3f) << 2) | (4 >> 8), 4, 101]);
  const p2 = rtpPacket({ seq: 2, ts: 4000, ssrc: 0xa, pt: RED, payload: Buffer.concat([hdr, buildTelephoneEvent(9, true, 10, 400), buildTelephoneEvent(1, false, 10, 160)]) });
  r.tap.relay('a', p2);
  assert.equal(r.digits().map((d) => [d.digit, d.durationMs]), [['9', 50]]);
  r.tick(40); // digit 1's end never comes: timeout
  assert.equal(r.digits().map((d) => d.digit), ['9', '1']);
  // The other leg has telephone-event but no red: it gets both digits regenerated as plain RFC 4733.
  const gen = r.b.sent.filter((p) => (p[1] & 0x7f) === 101).map((p) => parseTelephoneEvent(p, 12)!);
  assert.equal([...new Set(gen.map((e) => e.event))], [9, 1]);
  assert.is(gen.filter((e) => e.end).length, 6);
});

function pcmuTone(digit: string | undefined, ms: number, dbm0 = -12): Buffer[] {
  const n = ms * 8;
  const pcm = new Int16Array(n);
  if (digit) writeDtmf(pcm, digit, { sampleRate: 8000, rowAmplitude: dbm0ToAmplitude(dbm0), columnAmplitude: dbm0ToAmplitude(dbm0) });
  const out: Buffer[] = [];
  for (let i = 0; i < n; i += 160) {
    const b = Buffer.alloc(160);
    ulawEncodeInto(pcm.subarray(i, i + 160), b);
    out.push(b);
  }
  return out;
}

test('in-band PCMU digits on a leg without telephone-event: detected from a decoded copy, packets relayed unchanged, RFC 4733 generated for the other leg', () => {
  const r = rig({ a: PCMU, b: PCMU_TE }, { a: { mode: 'inband', detectInband: true }, b: { mode: 'rfc4733' } });
  const payloads = [...pcmuTone(undefined, 100), ...pcmuTone('3', 100), ...pcmuTone(undefined, 100), ...pcmuTone('*', 80), ...pcmuTone(undefined, 200)];
  let seq = 500;
  let ts = 0;
  const relayedToB: Buffer[] = [];
  for (const pl of payloads) {
    const p = audio(seq++, ts, pl);
    ts += 160;
    const before = Buffer.from(p.subarray(12));
    assert.ok(r.tap.relay('a', p));
    assert.equal(Buffer.from(p.subarray(12)), before, 'audio is relayed as it came');
    relayedToB.push(p);
    r.tick();
  }
  r.tick(40);
  assert.equal(r.digits().map((d) => [d.digit, d.source]), [['3', 'inband'], ['*', 'inband']]);
  for (const d of r.digits()) assert.ok(d.durationMs >= 60 && d.durationMs <= 120, String(d.durationMs));
  // RFC 4733 for leg B, in B's stream (the relayed SSRC), events 3 and 10 (*), each ending with 3 end packets.
  const gen = r.b.sent.map((p) => ({ ssrc: p.readUInt32BE(8), pt: p[1] & 0x7f, ev: parseTelephoneEvent(p, 12)! }));
  assert.ok(gen.every((g) => g.ssrc === 0xa && g.pt === 101));
  assert.equal([...new Set(gen.map((g) => g.ev.event))], [3, 10]);
  assert.is(gen.filter((g) => g.ev.end).length, 6);
  assert.is(r.tap.stats('b').eventsGenerated, gen.length);
});

test('no in-band detection unless asked (it costs CPU)', () => {
  const r = rig({ a: PCMU, b: PCMU_TE }, { a: { mode: 'inband' }, b: { mode: 'rfc4733' } });
  let seq = 0;
  for (const pl of [...pcmuTone('1', 120), ...pcmuTone(undefined, 100)]) r.tap.relay('a', audio(seq++, seq * 160, pl));
  assert.is(r.digits().length, 0);
});

test('a digit for an in-band leg is written into the relayed G.711 as tones, and a detector hears it', () => {
  const r = rig({ a: PCMU_TE, b: PCMU }, { a: { mode: 'rfc4733' }, b: { mode: 'inband' } });
  assert.ok(r.tap.sendDigit('b', '8', 100));
  const heard: string[] = [];
  const det = new DtmfDetector({ onEnd: (e) => heard.push(e.digit) });
  const pcm = new Int16Array(160);
  for (let i = 0; i < 20; i++) {
    r.tick();
    const p = audio(i, i * 160);
    r.tap.relay('a', p);
    ulawDecodeInto(p.subarray(12), pcm);
    det.process(pcm);
  }
  det.flush();
  assert.equal(heard, ['8']);
  assert.is(r.tap.stats('b').tonesGenerated, 1);
});

test('RFC 4733 from a leg towards an in-band leg: stripped and played as tones', () => {
  const r = rig({ a: PCMU_TE, b: PCMU }, { a: { mode: 'rfc4733' }, b: { mode: 'inband' } });
  r.tap.relay('a', te(1, 160, 4, false, 160, { marker: true }));
  r.tap.relay('a', te(2, 160, 4, true, 800));
  assert.equal(r.digits().map((d) => d.digit), ['4']);
  const heard: string[] = [];
  const det = new DtmfDetector({ onEnd: (e) => heard.push(e.digit) });
  const pcm = new Int16Array(160);
  for (let i = 0; i < 20; i++) {
    r.tick();
    const p = audio(3 + i, 320 + i * 160);
    r.tap.relay('a', p);
    ulawDecodeInto(p.subarray(12), pcm);
    det.process(pcm);
  }
  det.flush();
  assert.equal(heard, ['4']);
});

test('generated RFC 4733 packets fit into the relayed stream: sequence numbers continue, later packets shifted', () => {
  const r = rig({ a: PCMU, b: PCMU_TE }, { a: { mode: 'info' }, b: { mode: 'rfc4733' } });
  const seen: number[] = [];
  const relay = (p: Buffer) => {
    assert.ok(r.tap.relay('a', p));
    seen.push(p.readUInt16BE(2));
  };
  relay(audio(1000, 0));
  assert.ok(r.tap.sendDigit('b', '2', 60));
  r.tick(10);
  relay(audio(1001, 160));
  const gen = r.b.sent.map((p) => p.readUInt16BE(2));
  assert.ok(gen.length >= 5);
  assert.equal(gen, gen.map((_, i) => 1001 + i));
  assert.equal(seen, [1000, 1001 + gen.length]);
});

test('a DTMF flood costs a counter: at most 25 digits a second per leg are reported, nothing stalls', () => {
  const r = rig({ a: PCMU_TE, b: PCMU_TE }, { a: { mode: 'rfc4733' }, b: { mode: 'rfc4733' } });
  // 500 one-packet events (start and end bit at once) within one second.
  for (let i = 0; i < 500; i++) {
    r.tap.relay('a', te(i, i * 16, i % 16, true, 8));
    r.clock.t += 2;
  }
  assert.is(r.digits().length, 25);
  assert.is(r.tap.stats('a').floodDropped, 475);
  r.clock.t += 1000;
  r.tap.relay('a', te(600, 600 * 16, 1, true, 8));
  assert.is(r.digits().length, 26, 'the next second reports again');
});

test('hostile event payloads are counted and dropped, never thrown', () => {
  const r = rig({ a: { ...PCMU_TE, red: 100 }, b: PCMU_TE }, { a: { mode: 'rfc4733' }, b: { mode: 'rfc4733' } });
  const bad = [
    rtpPacket({ seq: 1, ts: 1, ssrc: 1, pt: 101, payload: Buffer.alloc(0) }),
    rtpPacket({ seq: 2, ts: 2, ssrc: 1, pt: 101, payload: Buffer.alloc(3) }),
    rtpPacket({ seq: 3, ts: 3, ssrc: 1, pt: 100, payload: Buffer.from([0xe5, 0xff, 0xff, 0xff]) }),
    rtpPacket({ seq: 4, ts: 4, ssrc: 1, pt: 100, payload: Buffer.alloc(0) }),
    rtpPacket({ seq: 5, ts: 5, ssrc: 1, pt: 101, payload: Buffer.from([200, 0, 0, 10]) }),
  ];
  for (const p of bad) r.tap.relay('a', p);
  r.tick(40);
  assert.is(r.digits().length, 0);
  assert.ok(r.tap.stats('a').badEvents >= 3);
});

test('on the transcoding path the tap only hears: no packets generated, sendDigit refused', () => {
  const r = rig({ a: PCMU, b: PCMU_TE }, { a: { mode: 'inband', detectInband: true }, b: { mode: 'rfc4733' } }, false);
  let seq = 0;
  for (const pl of [...pcmuTone('6', 100), ...pcmuTone(undefined, 100)]) r.tap.observe('a', audio(seq++, seq * 160, pl));
  r.tick(40);
  assert.equal(r.digits().map((d) => [d.digit, d.source]), [['6', 'inband']]);
  assert.is(r.b.sent.length, 0);
  assert.not.ok(r.tap.sendDigit('b', '1', 100));
});

test.run();
