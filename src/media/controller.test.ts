import { createSocket } from 'node:dgram';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger } from '../util/logger.js';
import { MediaController, type MediaControllerOptions } from './controller.js';
import { MediaError } from './media-error.js';
import type { MediaSession } from './media-session.js';
import { FakePhone, legEndpoints, rtcpReceiverReport } from './test-peers.js';

// Real worker threads, real UDP on 127.0.0.1: the controller as the B2BUA will use it.

const HOST = '127.0.0.1';
let nextBase = 44000 + 2 * Math.floor(Math.random() * 1500);

function controller(over: Partial<MediaControllerOptions> = {}, pairs = 16): MediaController & { logs: string[] } {
  const logger = memoryLogger('debug');
  const portMin = nextBase;
  nextBase += 2 * pairs;
  const c = new MediaController({ workers: 1, address: HOST, portMin, portMax: portMin + 2 * pairs - 1, logger, requestTimeoutMs: 3000, ...over });
  return Object.assign(c, { logs: logger.lines });
}

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'none';
  } catch (err) {
    return err instanceof MediaError ? err.code : `untyped: ${String(err)}`;
  }
}

function canBind(port: number): Promise<boolean> {
  const s = createSocket('udp4');
  return new Promise((resolve) => {
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind({ port, address: HOST, exclusive: true }, () => {
      s.close();
      resolve(true);
    });
  });
}

/** Two phones (RTP and RTCP sockets each) wired to a session's legs. */
async function phones(session: MediaSession) {
  const [alice, bob, aliceRtcp, bobRtcp] = await Promise.all([FakePhone.open(), FakePhone.open(), FakePhone.open(), FakePhone.open()]);
  await session.setRemote('a', { address: HOST, port: alice.local.port, rtcpPort: aliceRtcp.local.port, allowedSources: [HOST] });
  await session.setRemote('b', { address: HOST, port: bob.local.port, rtcpPort: bobRtcp.local.port, allowedSources: [HOST] });
  return {
    alice,
    bob,
    aliceRtcp,
    bobRtcp,
    A: legEndpoints(session.legA),
    B: legEndpoints(session.legB),
    close: () => Promise.all([alice, bob, aliceRtcp, bobRtcp].map((p) => p.close())),
  };
}

/** Resolves with the first value a callback registration delivers; rejects after a bound. */
function next<T>(register: (cb: (v: T) => void) => void, what: string, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
    register((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

test('a worker logs through the main thread\'s logger: scope worker, the worker\'s index, its fields', async () => {
  const c = controller();
  await c.start();
  try {
    const line = c.logs.find((l) => l.includes('media worker started'));
    assert.ok(line, c.logs.join('\n'));
    assert.match(line!, / DEBUG \[worker\] media worker started worker=0 ports=\d+-\d+ address=127\.0\.0\.1$/);
  } finally {
    await c.stop();
  }
});

test('two phones talk both ways through a worker; RTCP too; release returns the stats and frees the ports', async () => {
  const c = controller();
  await c.start();
  try {
    const s = await c.createSession('call-1');
    assert.is(s.legA.address, HOST);
    assert.is(s.legA.rtcpPort, s.legA.rtpPort + 1);
    assert.is(s.legA.rtpPort % 2, 0);
    assert.is.not(s.legA.rtpPort, s.legB.rtpPort);
    const p = await phones(s);
    try {
      for (let seq = 1; seq <= 5; seq++) {
        await p.alice.sendRtp(p.A.rtp, { seq, ts: seq * 160, ssrc: 0xaaaa, payload: Buffer.from(`alice ${seq}`) });
        await p.bob.sendRtp(p.B.rtp, { seq: 100 + seq, ts: seq * 160, ssrc: 0xbbbb, payload: Buffer.from(`bob ${seq}`) });
      }
      await p.bob.waitFor(5);
      await p.alice.waitFor(5);
      assert.equal(
        p.bob.received.map((r) => r.data.subarray(12).toString()),
        [1, 2, 3, 4, 5].map((i) => `alice ${i}`),
      );
      assert.equal(
        p.alice.received.map((r) => r.data.subarray(12).toString()),
        [1, 2, 3, 4, 5].map((i) => `bob ${i}`),
      );
      assert.equal(p.alice.received[0].from, p.A.rtp, 'alice hears bob from the port her SDP was given');

      await p.aliceRtcp.send(p.A.rtcp, rtcpReceiverReport(0xaaaa));
      await p.bobRtcp.send(p.B.rtcp, rtcpReceiverReport(0xbbbb));
      await p.bobRtcp.waitFor(1);
      await p.aliceRtcp.waitFor(1);
      assert.equal(p.bobRtcp.received[0].data, rtcpReceiverReport(0xaaaa));
      assert.equal(p.aliceRtcp.received[0].data, rtcpReceiverReport(0xbbbb));

      const stats = await s.release();
      assert.is(stats.session, 'call-1');
      assert.is(stats.a.packetsReceived, 5);
      assert.is(stats.a.bytesReceived, 5 * (12 + 'alice 1'.length));
      assert.is(stats.b.packetsSent, 5);
      assert.is(stats.b.packetsReceived, 5);
      assert.is(stats.a.packetsSent, 5);
      assert.is(stats.a.ssrc, 0xaaaa);
      assert.is(stats.b.ssrc, 0xbbbb);
      assert.is(stats.a.lost, 0);
      assert.is(stats.b.rtcpSent, 1);
      assert.is(stats.a.rtcpSent, 1);
      assert.is(await s.release(), stats, 'release is idempotent');
      for (const port of [s.legA.rtpPort, s.legA.rtcpPort, s.legB.rtpPort, s.legB.rtcpPort]) assert.ok(await canBind(port), `port ${port} is free`);
      assert.is(c.sessionCount, 0);
      assert.is(await errorCode(s.setHold(true)), 'unknown-session');
    } finally {
      await p.close();
    }
  } finally {
    await c.stop();
  }
});

test('NAT: SDP names a private address; latches to where RTP really comes from, ignores a third address and a non-allowed IP', async () => {
  const c = controller();
  await c.start();
  try {
    const s = await c.createSession('nat');
    const latches: string[] = [];
    s.onLatched((l) => latches.push(`${l.leg}/${l.kind} ${l.source.address}:${l.source.port}`));
    const [natted, bob, intruder, injector] = await Promise.all([FakePhone.open(), FakePhone.open(), FakePhone.open('127.0.0.2'), FakePhone.open('127.0.0.3')]);
    try {
      // The caller's SDP says 192.168.1.10:4000 (its LAN side); its SIP came from 127.0.0.1, the
      // NAT's public side, so that IP may latch. 127.0.0.2 may not, even though it speaks first.
      await s.setRemote('a', { address: '192.168.1.10', port: 4000, allowedSources: ['192.168.1.10', HOST] });
      await s.setRemote('b', { address: HOST, port: bob.local.port, allowedSources: [HOST] });
      const A = legEndpoints(s.legA).rtp;
      const B = legEndpoints(s.legB).rtp;
      await intruder.sendRtp(A, { seq: 1, ts: 0, ssrc: 6, payload: Buffer.from('intruder') });
      await natted.sendRtp(A, { seq: 1, ts: 0, ssrc: 1, payload: Buffer.from('caller 1') });
      await bob.waitFor(1);
      await bob.sendRtp(B, { seq: 1, ts: 0, ssrc: 2, payload: Buffer.from('callee 1') });
      await natted.waitFor(1);
      assert.is(natted.received[0].data.subarray(12).toString(), 'callee 1', 'two-way audio through the latch');
      // Now a third address injects RTP (RTPBleed), then the caller speaks again.
      await injector.sendRtp(A, { seq: 2, ts: 160, ssrc: 1, payload: Buffer.from('injected') });
      await natted.sendRtp(A, { seq: 2, ts: 160, ssrc: 1, payload: Buffer.from('caller 2') });
      await bob.waitFor(2);
      assert.equal(
        bob.received.map((r) => r.data.subarray(12).toString()),
        ['caller 1', 'caller 2'],
      );
      assert.is(intruder.received.length + injector.received.length, 0, 'nothing was sent to the strangers');
      const stats = await s.release();
      assert.is(stats.a.strayDropped, 2);
      assert.equal(stats.a.latched, natted.local);
      assert.ok(latches.includes(`a/rtp ${HOST}:${natted.local.port}`), latches.join(', '));
    } finally {
      await Promise.all([natted, bob, intruder, injector].map((p) => p.close()));
    }
  } finally {
    await c.stop();
  }
});

test('resetLatch lets a new source with a new SSRC in after a re-INVITE', async () => {
  const c = controller();
  await c.start();
  try {
    const s = await c.createSession('reinvite');
    const p = await phones(s);
    const moved = await FakePhone.open();
    try {
      await p.alice.sendRtp(p.A.rtp, { seq: 1, ts: 0, ssrc: 10 });
      await p.bob.waitFor(1);
      await s.resetLatch('a');
      await moved.sendRtp(p.A.rtp, { seq: 5000, ts: 80_000, ssrc: 20, payload: Buffer.from('moved') });
      await p.bob.waitFor(2);
      assert.is(p.bob.received[1].data.subarray(12).toString(), 'moved');
      const st = await s.stats();
      assert.is(st.a.ssrc, 20);
      assert.equal(st.a.latched, moved.local);
      assert.is(st.a.lost, 0);
      await s.release();
    } finally {
      await moved.close();
      await p.close();
    }
  } finally {
    await c.stop();
  }
});

test('stats: loss from a skipped sequence number and jitter from uneven timestamps', async () => {
  const c = controller();
  await c.start();
  try {
    const s = await c.createSession('q');
    const p = await phones(s);
    try {
      let n = 0;
      for (let seq = 1; seq <= 30; seq++) {
        if (seq === 15) continue; // lost
        await p.alice.sendRtp(p.A.rtp, { seq, ts: seq * 160 + (seq % 3) * 120, ssrc: 3 });
        n++;
      }
      await p.bob.waitFor(n);
      const st = await s.release();
      assert.is(st.a.packetsReceived, 29);
      assert.is(st.a.expected, 30);
      assert.is(st.a.lost, 1);
      assert.ok(st.a.jitterMs > 0, `jitter ${st.a.jitterMs}`);
    } finally {
      await p.close();
    }
  } finally {
    await c.stop();
  }
});

test('inactivity: onTimeout fires for an idle session, not for one on hold', async () => {
  const c = controller({ rtpTimeoutMs: 300, checkIntervalMs: 50 });
  await c.start();
  try {
    const idle = await c.createSession('idle');
    const held = await c.createSession('held');
    await held.setHold(true);
    let heldTimedOut = false;
    held.onTimeout(() => (heldTimedOut = true));
    const idleMs = await next<number>((cb) => idle.onTimeout(cb), 'rtp timeout');
    assert.ok(idleMs >= 300, `idle ${idleMs} ms`);
    // The held session is as idle as the other one by now; give the checker a few more rounds.
    await new Promise((r) => setTimeout(r, 400));
    assert.not.ok(heldTimedOut, 'held session not reported');
    await idle.release();
    await held.release();
  } finally {
    await c.stop();
  }
});

test('sessions go to the least loaded worker', async () => {
  const c = controller({ workers: 2 });
  await c.start();
  try {
    assert.is(c.workerCount, 2);
    const sessions = await Promise.all(['s1', 's2', 's3', 's4'].map((id) => c.createSession(id)));
    const perWorker = [0, 0];
    for (const s of sessions) perWorker[s.workerIndex]++;
    assert.equal(perWorker, [2, 2]);
    const loads = await c.loads();
    assert.equal(
      loads.map((l) => l?.sessions),
      [2, 2],
    );
    assert.is(await errorCode(c.createSession('s1')), 'session-exists');
    await Promise.all(sessions.map((s) => s.release()));
  } finally {
    await c.stop();
  }
});

test('ports exhausted on every worker: a typed error', async () => {
  const c = controller({ workers: 2 }, 4); // two pairs per worker: one session each
  await c.start();
  try {
    const s1 = await c.createSession('x1');
    const s2 = await c.createSession('x2');
    assert.is.not(s1.workerIndex, s2.workerIndex);
    assert.is(await errorCode(c.createSession('x3')), 'ports-exhausted');
    await s1.release();
    const s3 = await c.createSession('x3');
    assert.is(s3.workerIndex, s1.workerIndex, 'the freed ports serve the next call');
  } finally {
    await c.stop();
  }
});

for (const how of ['throw', 'terminate'] as const) {
  test(`a worker that dies (${how}) ends only its own sessions, is restarted, and new sessions work`, async () => {
    const c = controller({ workers: 2 });
    await c.start();
    try {
      const doomed = await c.createSession('doomed');
      const survivor = await c.createSession('survivor');
      assert.is(doomed.workerIndex, 0);
      assert.is(survivor.workerIndex, 1);
      let survivorEnded = false;
      survivor.onEnded(() => (survivorEnded = true));
      const ended = next<string>((cb) => doomed.onEnded(cb), 'onEnded');
      c.injectFault(0, how);
      const reason = await ended;
      assert.match(reason, /media worker 0/);
      assert.is(doomed.ended, reason);
      for (const port of [doomed.legA.rtpPort, doomed.legA.rtcpPort, doomed.legB.rtpPort, doomed.legB.rtcpPort]) {
        assert.ok(await canBind(port), `port ${port} of the dead worker is free again`);
      }
      assert.is(await errorCode(doomed.setHold(true)), 'worker-gone');
      assert.is(await errorCode(doomed.release()), 'worker-gone');
      assert.ok(
        c.logs.some((l) => l.includes('ERROR') && l.includes('media worker gone')),
        'the death is logged',
      );

      // The other worker's call is untouched and still relays.
      const p = await phones(survivor);
      try {
        await p.alice.sendRtp(p.A.rtp, { seq: 1, ts: 0, ssrc: 1 });
        await p.bob.waitFor(1);
      } finally {
        await p.close();
      }
      assert.not.ok(survivorEnded);

      // The restarted worker takes calls again, on the same ports.
      await c.workersReady();
      const fresh = [await c.createSession('fresh-1'), await c.createSession('fresh-2')];
      const onZero = fresh.find((s) => s.workerIndex === 0);
      assert.ok(onZero, 'worker 0 is back');
      const q = await phones(onZero);
      try {
        await q.bob.sendRtp(q.B.rtp, { seq: 1, ts: 0, ssrc: 2, payload: Buffer.from('after restart') });
        await q.alice.waitFor(1);
        assert.is(q.alice.received[0].data.subarray(12).toString(), 'after restart');
      } finally {
        await q.close();
      }
      for (const s of [survivor, ...fresh]) await s.release();
    } finally {
      await c.stop();
    }
  });
}

test('a worker dying with a request in flight rejects it; nothing hangs', async () => {
  const c = controller({ workers: 1 });
  await c.start();
  try {
    const s = await c.createSession('inflight');
    const ended = next<string>((cb) => s.onEnded(cb), 'onEnded');
    c.injectFault(0, 'terminate');
    const pending = s.stats();
    assert.is(await errorCode(pending), 'worker-gone');
    await ended;
    // With every worker down, createSession waits for the restart rather than failing.
    const again = await c.createSession('after');
    assert.is(again.workerIndex, 0);
    await again.release();
  } finally {
    await c.stop();
  }
});

test('a hung worker: requests time out with a typed error; what it was sent still happens afterwards', async () => {
  const c = controller({ workers: 1, requestTimeoutMs: 200 });
  await c.start();
  try {
    const s = await c.createSession('slow');
    c.injectFault(0, { stallMs: 1500 });
    assert.is(await errorCode(s.stats()), 'timeout');
    assert.is(await errorCode(s.release()), 'timeout');
    assert.is(c.sessionCount, 0, 'the controller let go of the session');
    assert.is(s.ended, undefined, 'a slow worker is not a dead one');
    // Once the worker is free again it has carried out the queued release: no port leaks.
    const deadline = Date.now() + 5000;
    let load = (await c.loads())[0];
    while (!load && Date.now() < deadline) load = (await c.loads())[0];
    assert.ok(load, 'the worker answers again');
    assert.is(load.sessions, 0);
    assert.is(load.portsInUse, 0);
  } finally {
    await c.stop();
  }
});

test('stop ends open sessions (listeners guarded) and refuses new ones', async () => {
  const c = controller();
  await c.start();
  const s = await c.createSession('open');
  s.onEnded(() => {
    throw new Error('a careless listener');
  });
  const ended = next<string>((cb) => s.onEnded(cb), 'onEnded');
  await c.stop();
  assert.is(await ended, 'media controller stopped', 'a throwing listener does not stop the next one');
  assert.ok(c.logs.some((l) => l.includes('media session listener failed')));
  assert.is(await errorCode(c.createSession('late')), 'stopped');
  assert.is(await errorCode(s.stats()), 'worker-gone');
  for (const port of [s.legA.rtpPort, s.legB.rtpPort]) assert.ok(await canBind(port), `port ${port} is free after stop`);
});

test.run();
