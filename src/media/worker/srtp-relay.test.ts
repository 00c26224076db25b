import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { alawDecodeInto } from '../codecs/g711-alaw.js';
import { ulawEncodeInto } from '../codecs/g711-ulaw.js';
import { toneShare } from '../dsp/goertzel.js';
import { concatPcm, sineFrames } from '../dsp/tone.js';
import { MediaError } from '../media-error.js';
import type { LegCodec, LegSrtp, MediaEvent } from '../protocol.js';
import { SrtpInbound, SrtpOutbound } from '../srtp/srtp-context.js';
import { FakePhone, rtcpReceiverReport, rtpPacket } from '../test-peers.js';
import type { PacerTimers } from './frame-pacer.js';
import { RelayEngine } from './relay-engine.js';

// RTP ↔ SRTP interworking in the engine, in-process with real UDP sockets on the
// loopback: leg A is an SDES-SRTP phone (its own SrtpOutbound/SrtpInbound here), leg B a
// plain RTP phone.

const HOST = '127.0.0.1';
let nextBase = 38000 + 2 * Math.floor(Math.random() * 2000);
const PCMU: LegCodec = { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1 };
const PCMA: LegCodec = { payloadType: 8, name: 'PCMA', clockRate: 8000, channels: 1 };

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function rig(suite: LegSrtp['suite'] = 'AES_CM_128_HMAC_SHA1_80') {
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
  const alice = await FakePhone.open();
  const aliceRtcp = await FakePhone.open();
  const bob = await FakePhone.open();
  const bobRtcp = await FakePhone.open();
  engine.setRemote('s1', 'a', { address: HOST, port: alice.local.port, rtcpPort: aliceRtcp.local.port, allowedSources: [HOST] });
  engine.setRemote('s1', 'b', { address: HOST, port: bob.local.port, rtcpPort: bobRtcp.local.port, allowedSources: [HOST] });
  // Alice's key (she sends with it) and the PBX's key for leg A (alice decrypts with it).
  const aliceKey = randomBytes(30);
  const pbxKey = randomBytes(30);
  engine.setSrtp('s1', 'a', { suite, sendKey: pbxKey, recvKey: aliceKey });
  return {
    engine,
    events,
    ports,
    alice,
    aliceRtcp,
    bob,
    bobRtcp,
    aliceOut: new SrtpOutbound({ suite, keySalt: aliceKey }),
    aliceIn: new SrtpInbound({ suite, keySalt: pbxKey }),
    tick() {
      clock.t += 20;
      for (const f of pending.splice(0)) f();
    },
    async close() {
      engine.close();
      for (const p of [alice, aliceRtcp, bob, bobRtcp]) await p.close();
    },
  };
}

function srtp(out: SrtpOutbound, plain: Buffer): Buffer {
  const b = Buffer.alloc(plain.length + 20);
  plain.copy(b);
  return b.subarray(0, out.protectRtp(b, plain.length));
}

test('SRTP from the TLS phone leaves as plain RTP, and plain RTP reaches it as SRTP (both suites)', async () => {
  for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const) {
    const r = await rig(suite);
    try {
      const A = { address: HOST, port: r.ports.a.rtpPort };
      const B = { address: HOST, port: r.ports.b.rtpPort };
      const hello = rtpPacket({ seq: 1, ts: 160, ssrc: 0xa, payload: Buffer.from('hello from alice, encrypted') });
      const wire = srtp(r.aliceOut, hello);
      assert.not.equal(wire.subarray(12, hello.length), hello.subarray(12), 'the payload is not in clear on leg A');
      await r.alice.send(A, wire);
      await r.bob.waitFor(1);
      assert.equal(r.bob.received[0]!.data, hello, 'bob hears the plain packet');

      const back = rtpPacket({ seq: 9, ts: 999, ssrc: 0xb, payload: Buffer.from('and bob, in clear') });
      await r.bob.send(B, back);
      await r.alice.waitFor(1);
      const got = Buffer.from(r.alice.received[0]!.data);
      assert.is(got.length, back.length + (suite.endsWith('80') ? 10 : 4), 'an auth tag is appended');
      assert.not.equal(got.subarray(12, back.length), back.subarray(12), 'the payload is encrypted towards alice');
      assert.is(r.aliceIn.unprotectRtp(got, got.length), back.length);
      assert.equal(got.subarray(0, back.length), back);
      const st = r.engine.stats('s1');
      assert.equal(st.a.srtp, { suite, authFailed: 0, replayed: 0, malformed: 0 });
      assert.is(st.b.srtp, undefined);
    } finally {
      await r.close();
    }
  }
});

test('forged tags and replays are dropped and counted; a forgery does not latch the leg', async () => {
  const r = await rig();
  const intruder = await FakePhone.open();
  try {
    const A = { address: HOST, port: r.ports.a.rtpPort };
    // The intruder is on an allowed IP, first, but cannot make a valid tag.
    const forged = srtp(new SrtpOutbound({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: randomBytes(30) }), rtpPacket({ seq: 1, ts: 0, ssrc: 0xa, payload: Buffer.alloc(160, 1) }));
    await intruder.send(A, forged);
    await until(() => r.engine.stats('s1').a.srtp!.authFailed === 1, 'forgery counted');
    assert.is(r.engine.stats('s1').a.latched, null, 'the forgery did not latch leg A');

    const p1 = srtp(r.aliceOut, rtpPacket({ seq: 2, ts: 160, ssrc: 0xa, payload: Buffer.alloc(160, 2) }));
    await r.alice.send(A, Buffer.from(p1));
    await r.bob.waitFor(1);
    assert.equal(r.engine.stats('s1').a.latched, r.alice.local);
    await r.alice.send(A, Buffer.from(p1)); // replayed
    const tampered = Buffer.from(srtp(r.aliceOut, rtpPacket({ seq: 3, ts: 320, ssrc: 0xa, payload: Buffer.alloc(160, 3) })));
    tampered[20] ^= 0x80;
    await r.alice.send(A, tampered);
    await until(() => r.engine.stats('s1').a.srtp!.replayed === 1 && r.engine.stats('s1').a.srtp!.authFailed === 2, 'replay and tamper counted');
    const p4 = srtp(r.aliceOut, rtpPacket({ seq: 4, ts: 480, ssrc: 0xa, payload: Buffer.alloc(160, 4) }));
    await r.alice.send(A, p4);
    await r.bob.waitFor(2);
    assert.is(r.bob.received.length, 2, 'only the two good packets crossed');
    assert.is(r.bob.received[1]!.data.readUInt16BE(2), 4);
    assert.is(r.engine.stats('s1').a.packetsReceived, 2);
    // The worker's totals (for /metrics) count them, live and after the session is released.
    const live = r.engine.load();
    assert.equal([live.srtpAuthFailed, live.srtpReplayed], [2, 1]);
    r.engine.release('s1');
    const after = r.engine.load();
    assert.equal([after.srtpAuthFailed, after.srtpReplayed], [2, 1]);
  } finally {
    await intruder.close();
    await r.close();
  }
});

test('SRTCP on the RTCP port is opened towards the plain leg, and RTCP from it is protected', async () => {
  const r = await rig();
  try {
    const rr = rtcpReceiverReport(0xa);
    const b = Buffer.alloc(rr.length + 20);
    rr.copy(b);
    const n = r.aliceOut.protectRtcp(b, rr.length);
    await r.aliceRtcp.send({ address: HOST, port: r.ports.a.rtcpPort }, b.subarray(0, n));
    await r.bobRtcp.waitFor(1);
    assert.equal(r.bobRtcp.received[0]!.data, rr);

    const rrb = rtcpReceiverReport(0xb);
    await r.bobRtcp.send({ address: HOST, port: r.ports.b.rtcpPort }, rrb);
    await r.aliceRtcp.waitFor(1);
    const got = Buffer.from(r.aliceRtcp.received[0]!.data);
    assert.is(got.length, rrb.length + 14, 'E flag + index word + 80-bit tag');
    assert.is(r.aliceIn.unprotectRtcp(got, got.length), rrb.length);
    assert.equal(got.subarray(0, rrb.length), rrb);
    // A bad SRTCP packet is dropped and counted.
    // A bad SRTCP packet (fresh index, broken tag) is dropped and counted; so is a replay.
    const bad = Buffer.alloc(rr.length + 20);
    rr.copy(bad);
    const m = r.aliceOut.protectRtcp(bad, rr.length);
    bad[m - 1] ^= 1;
    await r.aliceRtcp.send({ address: HOST, port: r.ports.a.rtcpPort }, bad.subarray(0, m));
    await until(() => r.engine.stats('s1').a.srtp!.authFailed === 1, 'bad SRTCP counted');
    await r.aliceRtcp.send({ address: HOST, port: r.ports.a.rtcpPort }, b.subarray(0, n));
    await until(() => r.engine.stats('s1').a.srtp!.replayed === 1, 'replayed SRTCP counted');
    assert.is(r.bobRtcp.received.length, 1);
  } finally {
    await r.close();
  }
});

test('transcoding path: a 1 kHz tone as SRTP PCMU arrives at the plain leg as PCMA carrying 1 kHz', async () => {
  const r = await rig();
  try {
    r.engine.setCodecs('s1', PCMU, PCMA, true);
    const frames = sineFrames(1000, 8000, 40);
    for (let i = 0; i < frames.length; i++) {
      const payload = Buffer.alloc(160);
      ulawEncodeInto(frames[i]!, payload);
      const before = r.engine.stats('s1').a.packetsReceived;
      await r.alice.send({ address: HOST, port: r.ports.a.rtpPort }, srtp(r.aliceOut, rtpPacket({ seq: 100 + i, ts: 160 * i, ssrc: 0xa, pt: 0, payload })));
      await until(() => r.engine.stats('s1').a.packetsReceived > before, `packet ${i}`);
      r.tick();
    }
    for (let i = 0; i < 12; i++) r.tick();
    await until(() => r.bob.received.length >= 30, 'PCMA at bob');
    const pcm = concatPcm(
      r.bob.received.map(({ data }) => {
        assert.is(data[1]! & 0x7f, 8);
        const out = new Int16Array(data.length - 12);
        alawDecodeInto(data.subarray(12), out);
        return out;
      }),
    );
    assert.ok(toneShare(pcm, 8000, 1000) > 0.9, 'the tone crossed the SRTP → transcode → RTP path');
    assert.is(r.engine.stats('s1').a.srtp!.authFailed, 0);
  } finally {
    await r.close();
  }
});

test('bad keys from the main thread are refused with bad-request, SRTP can be turned off', async () => {
  const r = await rig();
  try {
    for (const bad of [{ suite: 'NULL', sendKey: randomBytes(30), recvKey: randomBytes(30) }, { suite: 'AES_CM_128_HMAC_SHA1_80', sendKey: randomBytes(16), recvKey: randomBytes(30) }, 'x']) {
      assert.throws(() => r.engine.setSrtp('s1', 'a', bad as unknown as LegSrtp), (e: unknown) => e instanceof MediaError && e.code === 'bad-request');
    }
    r.engine.setSrtp('s1', 'a', null);
    assert.is(r.engine.stats('s1').a.srtp, undefined);
    const plain = rtpPacket({ seq: 1, ts: 0, ssrc: 1, payload: Buffer.from('plain again') });
    await r.alice.send({ address: HOST, port: r.ports.a.rtpPort }, plain);
    await r.bob.waitFor(1);
    assert.equal(r.bob.received[0]!.data, plain);
  } finally {
    await r.close();
  }
});

test.run();
