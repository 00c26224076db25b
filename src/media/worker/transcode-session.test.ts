import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { alawDecodeInto } from '../codecs/g711-alaw.js';
import { ulawEncodeInto } from '../codecs/g711-ulaw.js';
import { G722Decoder } from '../codecs/g722-decoder.js';
import { G722Encoder } from '../codecs/g722-encoder.js';
import { toneShare } from '../dsp/goertzel.js';
import { concatPcm, sineFrames } from '../dsp/tone.js';
import { MediaError } from '../media-error.js';
import type { LegCodec, MediaEvent, MediaStats } from '../protocol.js';
import { FakePhone, rtpPacket } from '../test-peers.js';
import type { PacerTimers } from './frame-pacer.js';
import { RelayEngine } from './relay-engine.js';

// The engine in-process with real UDP sockets on the loopback, a hand-moved clock and a
// hand-fired pacer: each "tick" moves the clock 20 ms and fires the engine's one timer.

const HOST = '127.0.0.1';
const BASE = 46000 + 2 * Math.floor(Math.random() * 1500);
const PCMU: LegCodec = { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1, telephoneEvent: 101 };
const PCMA: LegCodec = { payloadType: 8, name: 'PCMA', clockRate: 8000, channels: 1 };
const G722: LegCodec = { payloadType: 9, name: 'G722', clockRate: 8000, channels: 1, telephoneEvent: 101 };

interface Rig {
  engine: RelayEngine;
  events: MediaEvent[];
  clock: { t: number };
  pending: Array<() => void>;
  a: FakePhone;
  b: FakePhone;
  ports: { a: number; b: number };
  tick(): void;
  close(): Promise<void>;
}

let nextBase = BASE;

async function rig(codecs: { a: LegCodec; b: LegCodec }, transcode = true): Promise<Rig> {
  const events: MediaEvent[] = [];
  const clock = { t: 1000 };
  const pending: Array<() => void> = [];
  const timers: PacerTimers = {
    now: () => clock.t,
    setTimeout: (fn) => {
      pending.push(fn);
      return fn;
    },
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
    clock,
    pending,
    a,
    b,
    ports: { a: ports.a.rtpPort, b: ports.b.rtpPort },
    tick() {
      clock.t += 20;
      const fns = pending.splice(0);
      for (const f of fns) f();
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

function stats(r: Rig): MediaStats {
  return r.engine.stats('s1');
}

function pcmu(frame: Int16Array): Buffer {
  const b = Buffer.alloc(frame.length);
  ulawEncodeInto(frame, b);
  return b;
}

/** Send one payload per tick from `from` to the PBX's `port`, in the order given by `order` (indices into payloads; missing = lost). */
async function stream(r: Rig, from: FakePhone, port: number, side: 'a' | 'b', payloads: Buffer[], o: { pt: number; ssrc: number; order?: number[]; tsStep?: number }): Promise<void> {
  const order = o.order ?? payloads.map((_, i) => i);
  for (const i of order) {
    const before = stats(r)[side].packetsReceived;
    await from.sendRtp({ address: HOST, port }, { seq: 1000 + i, ts: 5000 + i * (o.tsStep ?? 160), ssrc: o.ssrc, pt: o.pt, payload: payloads[i] });
    await until(() => stats(r)[side].packetsReceived > before, `packet ${i} reached the engine`);
    r.tick();
  }
  for (let i = 0; i < 12; i++) r.tick(); // drain the jitter buffer
}

interface Out {
  pt: number;
  seq: number;
  ts: number;
  ssrc: number;
  marker: boolean;
  payload: Buffer;
}

function parsed(p: FakePhone): Out[] {
  return p.received.map(({ data }) => ({ pt: data[1] & 0x7f, marker: (data[1] & 0x80) !== 0, seq: data.readUInt16BE(2), ts: data.readUInt32BE(4), ssrc: data.readUInt32BE(8), payload: data.subarray(12) }));
}

test('a 1 kHz tone sent as PCMU leaves the other leg as G.722 carrying 1 kHz, on its own SSRC, sequence and 8 kHz RTP clock', async () => {
  const r = await rig({ a: PCMU, b: G722 });
  try {
    const frames = sineFrames(1000, 8000, 50).map(pcmu);
    await stream(r, r.a, r.ports.a, 'a', frames, { pt: 0, ssrc: 0x1111 });
    await until(() => r.b.received.length >= 50 && r.b.received.length === stats(r).b.packetsSent, 'G.722 at B');
    const out = parsed(r.b);
    assert.ok(out.every((p) => p.pt === 9 && p.payload.length === 160), 'G.722, 160 bytes per 20 ms');
    assert.ok(out.every((p) => p.ssrc === out[0]!.ssrc) && out[0]!.ssrc !== 0x1111, 'one SSRC of our own');
    for (let i = 1; i < out.length; i++) {
      assert.is(out[i]!.seq, (out[i - 1]!.seq + 1) & 0xffff, 'consecutive sequence numbers');
      assert.is(out[i]!.ts, (out[i - 1]!.ts + 160) >>> 0, 'G.722 timestamps advance 160 per 20 ms (RFC 3551 §4.5.2)');
    }
    assert.ok(out[0]!.marker, 'the first packet starts a talk spurt');
    const dec = new G722Decoder();
    const pcm = concatPcm(out.map((p) => {
      const f = new Int16Array(320);
      dec.decode(p.payload, f);
      return f;
    }));
    assert.ok(toneShare(pcm, 16000, 1000, 1600) > 0.9, `1 kHz share ${toneShare(pcm, 16000, 1000, 1600)}`);
    assert.ok(toneShare(pcm, 16000, 600, 1600) < 0.01);
    const s = stats(r);
    assert.is(s.a.packetsReceived, 50);
    assert.is(s.b.packetsSent, out.length);
    assert.is(s.a.transcode!.framesDecoded, 50);
    // After the last packet the buffer conceals up to 5 frames (a late packet would still play), fading out, then pauses.
    assert.is(s.a.transcode!.framesConcealed, 5);
  } finally {
    await r.close();
  }
});

test('G.722 → PCMA: a 600 Hz tone from the wideband leg arrives as A-law carrying 600 Hz', async () => {
  const r = await rig({ a: PCMA, b: G722 });
  try {
    const enc = new G722Encoder();
    const frames = sineFrames(600, 16000, 50).map((f) => {
      const b = Buffer.alloc(160);
      enc.encode(f, b);
      return b;
    });
    await stream(r, r.b, r.ports.b, 'b', frames, { pt: 9, ssrc: 0x2222 });
    await until(() => r.a.received.length >= 48, 'PCMA at A');
    const out = parsed(r.a);
    assert.ok(out.every((p) => p.pt === 8 && p.payload.length === 160));
    const pcm = concatPcm(out.map((p) => {
      const f = new Int16Array(160);
      alawDecodeInto(p.payload, f);
      return f;
    }));
    assert.ok(toneShare(pcm, 8000, 600, 800) > 0.9, `600 Hz share ${toneShare(pcm, 8000, 600, 800)}`);
    assert.ok(toneShare(pcm, 8000, 1000, 800) < 0.01);
  } finally {
    await r.close();
  }
});

test('reordered packets are put back in order and a lost one is concealed: the output stream has no gap and still carries 1 kHz', async () => {
  const r = await rig({ a: PCMU, b: G722 });
  try {
    const frames = sineFrames(1000, 8000, 40).map(pcmu);
    // 10 and 11 swapped, 20 never sent; the jitter buffer holds 20 ms at least.
    const order = frames.map((_, i) => i).filter((i) => i !== 20);
    order.splice(10, 2, 11, 10);
    await stream(r, r.a, r.ports.a, 'a', frames, { pt: 0, ssrc: 0x3333, order });
    await until(() => r.b.received.length >= 38, 'G.722 at B');
    const out = parsed(r.b);
    for (let i = 1; i < out.length; i++) assert.is(out[i]!.seq, (out[i - 1]!.seq + 1) & 0xffff);
    const s = stats(r).a;
    assert.ok(s.transcode!.framesConcealed >= 1, 'the lost frame was concealed');
    assert.is(s.lost, 1, 'the stats see one packet lost');
    const dec = new G722Decoder();
    const pcm = concatPcm(out.map((p) => {
      const f = new Int16Array(320);
      dec.decode(p.payload, f);
      return f;
    }));
    assert.ok(toneShare(pcm, 16000, 1000, 1600) > 0.8, `1 kHz share ${toneShare(pcm, 16000, 1000, 1600)}`);
  } finally {
    await r.close();
  }
});

test('telephone-event passes through at once, re-stamped onto the output stream; dropped with a counter when the other leg has none', async () => {
  const r = await rig({ a: PCMU, b: G722 });
  try {
    const frames = sineFrames(1000, 8000, 5).map(pcmu);
    await stream(r, r.a, r.ports.a, 'a', frames, { pt: 0, ssrc: 0x4444 });
    const ev = (duration: number, end: boolean) => Buffer.from([5, end ? 0x8a : 0x0a, duration >> 8, duration & 0xff]);
    for (const [i, d] of [[0, 160], [1, 320], [2, 480]] as const) {
      await r.a.sendRtp({ address: HOST, port: r.ports.a }, { seq: 2000 + i, ts: 90_000, ssrc: 0x4444, pt: 101, marker: i === 0, payload: ev(d, i === 2) });
    }
    // Wait for the events themselves: the pacer may send (concealed) audio frames meanwhile.
    await until(() => parsed(r.b).filter((p) => p.pt === 101).length >= 3, 'events at B');
    const out = parsed(r.b);
    const events = out.filter((p) => p.pt === 101);
    assert.is(events.length, 3);
    assert.ok(events.every((e) => e.ts === events[0]!.ts && e.ssrc === out[0]!.ssrc), 'one event, one timestamp, our SSRC');
    assert.ok(events[0]!.marker);
    assert.equal([...events[2]!.payload], [5, 0x8a, 480 >> 8, 480 & 0xff]);
    const first = out.indexOf(events[0]!);
    const audioBefore = out.slice(0, first).filter((p) => p.pt === 9).at(-1)!;
    assert.is(events[0]!.seq, (audioBefore.seq + 1) & 0xffff, 'in the same sequence space as the audio');
  } finally {
    await r.close();
  }
  const r2 = await rig({ a: PCMU, b: { ...G722, telephoneEvent: undefined } });
  try {
    await r2.a.sendRtp({ address: HOST, port: r2.ports.a }, { seq: 1, ts: 1, ssrc: 9, pt: 101, payload: Buffer.from([1, 0x0a, 0, 160]) });
    await until(() => stats(r2).a.packetsReceived === 1, 'event received');
    assert.is(stats(r2).a.transcode!.dtmfDropped, 1);
    assert.is(r2.b.received.length, 0);
  } finally {
    await r2.close();
  }
});

test('hostile RTP: malformed, wrong payload type and absurd timestamps are dropped with counters, never a throw', async () => {
  const r = await rig({ a: PCMU, b: G722 });
  try {
    const to = { address: HOST, port: r.ports.a };
    const good = pcmu(sineFrames(1000, 8000, 1)[0]!);
    await r.a.sendRtp(to, { seq: 1, ts: 160, ssrc: 7, pt: 0, payload: good });
    // CSRC count 15 in a 20-byte packet: the CSRC list runs past the end.
    const badCsrc = rtpPacket({ seq: 2, ts: 320, ssrc: 7, pt: 0, payload: Buffer.alloc(8) });
    badCsrc[0] = 0x8f;
    await r.a.send(to, badCsrc);
    // Padding count larger than the packet.
    const badPad = rtpPacket({ seq: 3, ts: 480, ssrc: 7, pt: 0, payload: Buffer.from([1, 2, 3, 200]) });
    badPad[0] = 0xa0;
    await r.a.send(to, badPad);
    await r.a.sendRtp(to, { seq: 4, ts: 640, ssrc: 7, pt: 18, payload: good }); // G.729, not negotiated
    await r.a.sendRtp(to, { seq: 5, ts: 640 + 3_000_000_000, ssrc: 7, pt: 0, payload: good }); // hours away
    await r.a.send(to, Buffer.from([0x80])); // not even a header
    await until(() => {
      const s = stats(r).a;
      return s.invalidDropped >= 3 && s.transcode!.wrongPayloadDropped === 1 && s.transcode!.absurdTimestampDropped === 1;
    }, 'every bad packet counted');
    for (let i = 0; i < 10; i++) r.tick();
    assert.is(r.events.filter((e) => e.type === 'workerError').length, 0, 'nothing threw');
  } finally {
    await r.close();
  }
});

test('same codec both sides stays on the plain relay (no decode: the packet arrives byte for byte); bad codecs are refused', async () => {
  const r = await rig({ a: PCMU, b: PCMU }, false);
  try {
    const p = rtpPacket({ seq: 7, ts: 99, ssrc: 0xabc, pt: 0, payload: Buffer.from('not audio, relayed as is') });
    await r.a.send({ address: HOST, port: r.ports.a }, p);
    await until(() => r.b.received.length === 1, 'relayed');
    assert.ok(r.b.received[0]!.data.equals(p));
    assert.is(r.pending.length, 0, 'no pacer timer for a relayed call');
    assert.is(stats(r).a.transcode, undefined);
    assert.throws(() => r.engine.setCodecs('s1', { ...PCMU, name: 'G729' }, G722, true), (e: unknown) => e instanceof MediaError && e.code === 'bad-request');
    assert.throws(() => r.engine.setCodecs('s1', { ...PCMU, payloadType: 300 }, G722, true), (e: unknown) => e instanceof MediaError && e.code === 'bad-request');
    // To transcoding and back to the relay on the same ports.
    r.engine.setCodecs('s1', PCMU, G722, true);
    assert.is(r.pending.length, 1);
    r.engine.setCodecs('s1', PCMU, PCMU, false);
    assert.is(r.pending.length, 0, 'the pacer stops with the last transcoding session');
    await r.a.send({ address: HOST, port: r.ports.a }, p);
    await until(() => r.b.received.length === 2, 'relayed again');
    assert.ok(r.b.received[1]!.data.equals(p));
  } finally {
    await r.close();
  }
});

test('one pacer timer drives every transcoding session of the engine', async () => {
  const r = await rig({ a: PCMU, b: G722 });
  try {
    await r.engine.allocate('s2');
    r.engine.setCodecs('s2', PCMA, G722, true);
    assert.is(r.pending.length, 1, 'one timer for two sessions');
    r.tick();
    assert.is(r.pending.length, 1);
    assert.is(r.engine.load().transcoding, 2);
    assert.is(r.engine.load().framesPaced, 1);
    r.engine.release('s2');
    r.engine.release('s1');
    assert.is(r.pending.length, 0);
  } finally {
    await r.close();
  }
});

test.run();
