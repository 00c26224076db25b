import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ulawDecodeInto, ulawEncodeInto } from '../codecs/g711-ulaw.js';
import { goertzelPower, meanPower } from '../dsp/goertzel.js';
import { dbfsToAmplitude, writeSine } from '../dsp/tone.js';
import { MediaError } from '../media-error.js';
import type { LegCodec, MediaEvent } from '../protocol.js';
import { FakePhone } from '../test-peers.js';
import { pcm16Bytes, WavWriter } from '../wav/wav-writer.js';
import type { PacerTimers } from './frame-pacer.js';
import { RelayEngine } from './relay-engine.js';

// Three fake phones (real UDP on the loopback) in one room of an in-process engine, with a
// hand-moved clock and a hand-fired pacer; each phone sends its own tone.

const HOST = '127.0.0.1';
const PCMU: LegCodec = { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1, telephoneEvent: 101 };
let nextBase = 46000 + 2 * Math.floor(Math.random() * 2000);
const dir = mkdtempSync(join(tmpdir(), 'conf-room-'));

function toneWav(name: string, frequency: number, ms: number): string {
  const path = join(dir, name);
  const pcm = new Int16Array((8000 * ms) / 1000);
  writeSine(pcm, { sampleRate: 8000, frequency, amplitude: dbfsToAmplitude(-12) });
  const w = WavWriter.create(path, { sampleRate: 8000, overwrite: true });
  w.write(pcm16Bytes(pcm));
  w.close();
  return path;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

interface Member {
  id: string;
  phone: FakePhone;
  port: number;
  freq: number;
  seq: number;
  phase: number;
}

async function rig(n: number, files = { moh: [] as string[], join: [] as string[], leave: [] as string[] }) {
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
  nextBase += 4 * n + 4;
  const engine = new RelayEngine({ address: HOST, portMin: base, portMax: base + 4 * n + 3, rtpTimeoutMs: 60_000, now: () => clock.t, emit: (e) => events.push(e), pacerTimers: timers });
  const freqs = [400, 700, 1100, 1500];
  const members: Member[] = [];
  for (let i = 0; i < n; i++) {
    const id = `s${i + 1}`;
    const ports = await engine.allocate(id);
    const phone = await FakePhone.open();
    engine.setRemote(id, 'a', { address: HOST, port: phone.local.port, allowedSources: [HOST] });
    engine.setCodecs(id, PCMU, PCMU, false);
    members.push({ id, phone, port: ports.a.rtpPort, freq: freqs[i]!, seq: 1, phase: 0 });
  }
  const join = (m: Member, muted = false) => engine.handle({ op: 'confJoin', session: m.id, leg: 'a', room: 'acme:800', codec: PCMU, muted, files });
  /** Every talking member sends one 20 ms frame of its tone; the room gets them; the pacer ticks. */
  const frame = async (talking: Member[]) => {
    for (const m of talking) {
      const pcm = new Int16Array(160);
      for (let k = 0; k < 160; k++) pcm[k] = Math.round(dbfsToAmplitude(-14) * Math.sin(2 * Math.PI * m.freq * ((m.phase + k) / 8000)));
      m.phase += 160;
      const payload = Buffer.alloc(160);
      ulawEncodeInto(pcm, payload);
      const before = engine.stats(m.id).a.packetsReceived;
      await m.phone.sendRtp({ address: HOST, port: m.port }, { seq: m.seq, ts: m.seq * 160, ssrc: 1000 + m.freq, pt: 0, payload });
      m.seq++;
      await until(() => engine.stats(m.id).a.packetsReceived > before, `frame from ${m.id}`);
    }
    clock.t += 20;
    for (const f of pending.splice(0)) f();
  };
  return {
    engine,
    events,
    members,
    join,
    frame,
    async close() {
      engine.close();
      for (const m of members) await m.phone.close();
    },
  };
}

/** What a phone heard in its last `frames` packets, decoded. */
function heard(m: Member, frames: number): Int16Array {
  const packets = m.phone.received.slice(-frames).map((r) => r.data);
  const out = new Int16Array(packets.length * 160);
  packets.forEach((p, i) => ulawDecodeInto(p.subarray(12), out.subarray(i * 160)));
  return out;
}

async function rejects(f: () => unknown, check: (e: unknown) => boolean): Promise<void> {
  try {
    await f();
  } catch (e) {
    assert.ok(check(e), `unexpected error ${String(e)}`);
    return;
  }
  assert.unreachable('expected a rejection');
}

function share(pcm: Int16Array, f: number): number {
  return goertzelPower(pcm, 8000, f) / (meanPower(pcm) || 1);
}

test('three participants: each hears the other two and not itself', async () => {
  const r = await rig(3);
  try {
    for (const m of r.members) await r.join(m);
    for (let i = 0; i < 40; i++) await r.frame(r.members);
    for (const m of r.members) await m.phone.waitFor(40);
    for (const m of r.members) {
      const pcm = heard(m, 20);
      const others = r.members.filter((o) => o !== m);
      for (const o of others) assert.ok(share(pcm, o.freq) > 0.2, `${m.id} hears ${o.freq} Hz (share ${share(pcm, o.freq).toFixed(3)})`);
      assert.ok(share(pcm, m.freq) < 0.02, `${m.id} does not hear itself (share ${share(pcm, m.freq).toFixed(3)})`);
    }
    // Each phone gets one stream of ours in PCMU, not the others' SSRCs.
    for (const m of r.members) {
      const ssrcs = new Set(m.phone.received.map((x) => x.data.readUInt32BE(8)));
      assert.is(ssrcs.size, 1);
      assert.ok(m.phone.received.every((x) => (x.data[1]! & 0x7f) === 0));
    }
    const list = (await r.engine.handle({ op: 'confList', room: 'acme:800' })) as Array<{ session: string; muted: boolean; talking: boolean }>;
    assert.equal(list.map((p) => p.session).sort(), ['s1', 's2', 's3']);
    assert.ok(list.every((p) => p.talking && !p.muted));
  } finally {
    await r.close();
  }
});

test('mute silences a participant for the others; it still hears them', async () => {
  const r = await rig(3);
  try {
    for (const m of r.members) await r.join(m);
    await r.engine.handle({ op: 'confMute', session: 's2', muted: true });
    for (let i = 0; i < 40; i++) await r.frame(r.members);
    for (const m of r.members) await m.phone.waitFor(40);
    const [a, b, c] = r.members as [Member, Member, Member];
    assert.ok(share(heard(a, 20), b.freq) < 0.02, 'muted s2 not heard by s1');
    assert.ok(share(heard(c, 20), b.freq) < 0.02, 'muted s2 not heard by s3');
    assert.ok(share(heard(a, 20), c.freq) > 0.3, 's1 still hears s3');
    assert.ok(share(heard(b, 20), a.freq) > 0.2 && share(heard(b, 20), c.freq) > 0.2, 'muted s2 still hears both');
    const list = (await r.engine.handle({ op: 'confList', room: 'acme:800' })) as Array<{ session: string; muted: boolean }>;
    assert.is(list.find((p) => p.session === 's2')?.muted, true);
  } finally {
    await r.close();
  }
});

test('a room of one hears music on hold; a second participant stops it; join tone heard', async () => {
  const moh = toneWav('moh500.wav', 500, 2000);
  const joinTone = toneWav('join1800.wav', 1800, 200);
  const r = await rig(2, { moh: [moh], join: [joinTone], leave: [] });
  try {
    const [a, b] = r.members as [Member, Member];
    await r.join(a);
    for (let i = 0; i < 30; i++) await r.frame([a]);
    await a.phone.waitFor(30);
    assert.ok(share(heard(a, 10), 500) > 0.5, 'alone: music on hold');
    const before = a.phone.received.length;
    await r.join(b);
    for (let i = 0; i < 40; i++) await r.frame([a, b]);
    await a.phone.waitFor(before + 40);
    const first = a.phone.received.slice(before, before + 8).map((x) => x.data);
    const pcmFirst = new Int16Array(first.length * 160);
    first.forEach((p, i) => ulawDecodeInto(p.subarray(12), pcmFirst.subarray(i * 160)));
    assert.ok(share(pcmFirst, 1800) > 0.2, 'the join tone is played into the room');
    const pcm = heard(a, 15);
    assert.ok(share(pcm, 500) < 0.02, 'no more music on hold');
    assert.ok(share(pcm, b.freq) > 0.3, 'a hears b');
  } finally {
    await r.close();
  }
});

test('leave, release and an empty room: the room closes; bad commands are refused, not thrown out of the worker', async () => {
  const r = await rig(2);
  try {
    const [a, b] = r.members as [Member, Member];
    await r.join(a);
    await r.join(b);
    assert.is(r.engine.rooms.count, 1);
    await rejects(() => r.join(a), (e: unknown) => e instanceof MediaError && e.code === 'bad-request');
    await rejects(() => r.engine.handle({ op: 'play', session: 's1', leg: 'a', playId: 'p', codec: PCMU, files: ['/nonexistent.wav'] }) , (e: unknown) => e instanceof MediaError);
    await rejects(
      () => r.engine.handle({ op: 'confJoin', session: 's2', leg: 'a', room: '', codec: PCMU, files: { moh: [], join: [], leave: [] } }),
      (e: unknown) => e instanceof MediaError && e.code === 'bad-request',
    );
    await rejects(
      () => r.engine.handle({ op: 'confJoin', session: 's2', leg: 'a', room: 'x', codec: { payloadType: 18, name: 'G729', clockRate: 8000, channels: 1 }, files: { moh: [], join: [], leave: [] } }),
      (e: unknown) => e instanceof MediaError,
    );
    // Garbage from a's phone is dropped and counted, the room goes on.
    await a.phone.sendRtp({ address: HOST, port: a.port }, { seq: 9, ts: 1, ssrc: 5, pt: 8 });
    await until(() => r.engine.stats('s1').a.packetsReceived === 1, 'garbage arrived');
    assert.is(r.engine.rooms.room('acme:800')?.counters('s1')?.wrongPayloadDropped, 1);
    await r.engine.handle({ op: 'confLeave', session: 's1' });
    assert.equal(((await r.engine.handle({ op: 'confList', room: 'acme:800' })) as unknown[]).length, 1);
    r.engine.release('s2');
    assert.is(r.engine.rooms.count, 0, 'empty room closed');
    assert.equal(await r.engine.handle({ op: 'confList', room: 'acme:800' }), []);
  } finally {
    await r.close();
  }
});

test.run();
