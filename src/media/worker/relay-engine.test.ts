import { createSocket } from 'node:dgram';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MediaError } from '../media-error.js';
import type { MediaEvent } from '../protocol.js';
import { FakePhone, rtcpReceiverReport, rtpPacket } from '../test-peers.js';
import { RelayEngine } from './relay-engine.js';

// The engine in-process (no worker thread), with real UDP sockets on the loopback and a
// hand-moved clock; controller.test.ts runs the same engine inside real workers.

const HOST = '127.0.0.1';
const BASE = 42000 + 2 * Math.floor(Math.random() * 2000);

interface Rig {
  engine: RelayEngine;
  events: MediaEvent[];
  clock: { t: number };
  closeAll: () => Promise<void>;
  phones: FakePhone[];
}

function rig(pairs = 8, rtpTimeoutMs = 60_000): Rig {
  const events: MediaEvent[] = [];
  const clock = { t: 1000 };
  const engine = new RelayEngine({ address: HOST, portMin: BASE, portMax: BASE + 2 * pairs - 1, rtpTimeoutMs, now: () => clock.t, emit: (e) => events.push(e) });
  const phones: FakePhone[] = [];
  return {
    engine,
    events,
    clock,
    phones,
    closeAll: async () => {
      engine.close();
      await Promise.all(phones.map((p) => p.close()));
    },
  };
}

async function phone(r: Rig, address = HOST): Promise<FakePhone> {
  const p = await FakePhone.open(address);
  r.phones.push(p);
  return p;
}

/** Wait (bounded) until the engine has seen what the test sent: packets cross a real socket. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Bindable means nobody holds it. */
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

test('relays RTP both ways with the payload intact, and RTCP', async () => {
  const r = rig();
  try {
    const ports = await r.engine.allocate('s1');
    assert.is(ports.a.rtcpPort, ports.a.rtpPort + 1);
    assert.is(ports.a.rtpPort % 2, 0);
    const alice = await phone(r);
    const bob = await phone(r);
    const aliceRtcp = await phone(r);
    const bobRtcp = await phone(r);
    r.engine.setRemote('s1', 'a', { address: HOST, port: alice.local.port, rtcpPort: aliceRtcp.local.port, allowedSources: [HOST] });
    r.engine.setRemote('s1', 'b', { address: HOST, port: bob.local.port, rtcpPort: bobRtcp.local.port, allowedSources: [HOST] });
    const A = { address: HOST, port: ports.a.rtpPort };
    const B = { address: HOST, port: ports.b.rtpPort };

    const hello = Buffer.from('hello from alice');
    await alice.sendRtp(A, { seq: 1, ts: 160, ssrc: 0xa, payload: hello });
    await bob.waitFor(1);
    assert.equal(bob.received[0].data, rtpPacket({ seq: 1, ts: 160, ssrc: 0xa, payload: hello }));
    assert.equal(bob.received[0].from, B, 'bob hears alice from the PBX leg B port');

    await bob.sendRtp(B, { seq: 7, ts: 999, ssrc: 0xb, payload: Buffer.from('and bob') });
    await alice.waitFor(1);
    assert.is(alice.received[0].data.subarray(12).toString(), 'and bob');
    assert.equal(alice.received[0].from, A);

    await aliceRtcp.send({ address: HOST, port: ports.a.rtcpPort }, rtcpReceiverReport(0xa));
    await bobRtcp.waitFor(1);
    assert.equal(bobRtcp.received[0].data, rtcpReceiverReport(0xa));
    assert.equal(bobRtcp.received[0].from, { address: HOST, port: ports.b.rtcpPort });
    await bobRtcp.send({ address: HOST, port: ports.b.rtcpPort }, rtcpReceiverReport(0xb));
    await aliceRtcp.waitFor(1);

    // The worker's totals (for /metrics) count the live session, and keep it once released.
    const live = r.engine.load();
    assert.equal([live.packetsRelayed, live.bytesRelayed, live.packetsDropped], [4, 24 + hello.length + 7, 0]);
    const stats = r.engine.release('s1');
    const after = r.engine.load();
    assert.equal([after.sessions, after.packetsRelayed, after.bytesRelayed], [0, 4, 24 + hello.length + 7]);
    assert.is(stats.a.packetsReceived, 1);
    assert.is(stats.a.bytesReceived, 12 + hello.length);
    assert.is(stats.b.packetsSent, 1);
    assert.is(stats.b.packetsReceived, 1);
    assert.is(stats.a.packetsSent, 1);
    assert.is(stats.a.rtcpReceived, 1);
    assert.is(stats.b.rtcpSent, 1);
    assert.is(stats.b.rtcpReceived, 1);
    assert.is(stats.a.ssrc, 0xa);
    assert.equal(r.events.filter((e) => e.type === 'latched').length, 4, 'rtp and rtcp of both legs latched');
  } finally {
    await r.closeAll();
  }
});

test('latches to a NAT-mapped source port and sends back there, not to the SDP port', async () => {
  const r = rig();
  try {
    const ports = await r.engine.allocate('nat');
    const natted = await phone(r); // where the phone's RTP really comes from
    const sdpPort = await phone(r); // what its SDP said (behind the NAT: never reached)
    const bob = await phone(r);
    r.engine.setRemote('nat', 'a', { address: HOST, port: sdpPort.local.port, allowedSources: [HOST] });
    r.engine.setRemote('nat', 'b', { address: HOST, port: bob.local.port, allowedSources: [HOST] });
    await natted.sendRtp({ address: HOST, port: ports.a.rtpPort }, { seq: 1, ts: 0, ssrc: 1 });
    await bob.waitFor(1);
    await bob.sendRtp({ address: HOST, port: ports.b.rtpPort }, { seq: 1, ts: 0, ssrc: 2 });
    await natted.waitFor(1);
    assert.is(sdpPort.received.length, 0);
    const latched = r.events.find((e) => e.type === 'latched' && e.leg === 'a');
    assert.equal(latched, { type: 'latched', session: 'nat', leg: 'a', kind: 'rtp', address: HOST, port: natted.local.port });
  } finally {
    await r.closeAll();
  }
});

test('RTCP: follows a NATed RTP latch to its port + 1 until RTCP latches itself; strays dropped', async () => {
  const r = rig();
  try {
    const ports = await r.engine.allocate('rtcp');
    // The phone behind the NAT: RTP from an even port P, RTCP from P + 1, SDP naming neither.
    let rtp: FakePhone | undefined;
    let rtcp: FakePhone | undefined;
    for (let i = 0; i < 50 && !rtcp; i++) {
      const p = await FakePhone.open();
      if (p.local.port % 2 === 0 && p.local.port < 65535) rtcp = await FakePhone.open(HOST, p.local.port + 1).catch(() => undefined);
      if (rtcp) rtp = p;
      else await p.close();
    }
    assert.ok(rtp && rtcp, 'found an even/odd port pair');
    r.phones.push(rtp, rtcp);
    const bob = await phone(r);
    const bobRtcp = await phone(r);
    const stray = await phone(r, '127.0.0.3');
    r.engine.setRemote('rtcp', 'a', { address: HOST, port: 9, rtcpPort: 11, allowedSources: [HOST] }); // ports nobody listens on
    r.engine.setRemote('rtcp', 'b', { address: HOST, port: bob.local.port, rtcpPort: bobRtcp.local.port, allowedSources: [HOST] });
    await rtp.sendRtp({ address: HOST, port: ports.a.rtpPort }, { seq: 1, ts: 0, ssrc: 1 });
    await bob.waitFor(1);
    await bobRtcp.send({ address: HOST, port: ports.b.rtcpPort }, rtcpReceiverReport(2));
    await rtcp.waitFor(1);
    assert.equal(rtcp.received[0].data, rtcpReceiverReport(2), 'RTCP reached the latched address at RTP port + 1');
    await rtcp.send({ address: HOST, port: ports.a.rtcpPort }, rtcpReceiverReport(1));
    await bobRtcp.waitFor(1);
    await stray.send({ address: HOST, port: ports.a.rtcpPort }, rtcpReceiverReport(66));
    await rtcp.send({ address: HOST, port: ports.a.rtcpPort }, rtcpReceiverReport(1));
    await bobRtcp.waitFor(2);
    assert.equal(
      bobRtcp.received.map((x) => x.data.readUInt32BE(4)),
      [1, 1],
    );
    const s = r.engine.release('rtcp');
    assert.is(s.a.strayDropped, 1);
    assert.is(s.a.rtcpReceived, 2);
  } finally {
    await r.closeAll();
  }
});

test('RTPBleed: once latched, packets from any other source are dropped and counted', async () => {
  const r = rig();
  try {
    const ports = await r.engine.allocate('bleed');
    const alice = await phone(r);
    const bob = await phone(r);
    const attackerSameIp = await phone(r);
    const attacker = await phone(r, '127.0.0.3');
    r.engine.setRemote('bleed', 'a', { address: HOST, port: alice.local.port, allowedSources: [HOST] });
    r.engine.setRemote('bleed', 'b', { address: HOST, port: bob.local.port, allowedSources: [HOST] });
    const A = { address: HOST, port: ports.a.rtpPort };
    await alice.sendRtp(A, { seq: 1, ts: 0, ssrc: 1 });
    await bob.waitFor(1);
    await attacker.sendRtp(A, { seq: 500, ts: 0, ssrc: 66, payload: Buffer.from('evil') });
    await attackerSameIp.sendRtp(A, { seq: 501, ts: 0, ssrc: 66, payload: Buffer.from('evil') });
    await alice.sendRtp(A, { seq: 2, ts: 160, ssrc: 1, payload: Buffer.from('marker') });
    await bob.waitFor(2);
    assert.is(bob.received.length, 2);
    assert.is(bob.received[1].data.subarray(12).toString(), 'marker', 'nothing of the attackers in between');
    const s = r.engine.release('bleed');
    assert.is(s.a.strayDropped, 2);
    assert.is(s.a.packetsReceived, 2);
    assert.equal(s.a.latched, alice.local);
  } finally {
    await r.closeAll();
  }
});

test('a source whose IP is not allowed never latches the leg', async () => {
  const r = rig();
  try {
    const ports = await r.engine.allocate('ip');
    const stranger = await phone(r, '127.0.0.2');
    const alice = await phone(r);
    const bob = await phone(r);
    r.engine.setRemote('ip', 'a', { address: HOST, port: alice.local.port, allowedSources: [HOST, '10.1.2.3'] });
    r.engine.setRemote('ip', 'b', { address: HOST, port: bob.local.port, allowedSources: [HOST] });
    const A = { address: HOST, port: ports.a.rtpPort };
    for (let i = 0; i < 5; i++) await stranger.sendRtp(A, { seq: i, ts: 0, ssrc: 3 });
    await alice.sendRtp(A, { seq: 1, ts: 0, ssrc: 1, payload: Buffer.from('alice') });
    await bob.waitFor(1);
    assert.is(bob.received.length, 1);
    assert.is(bob.received[0].data.subarray(12).toString(), 'alice');
    const st = r.engine.release('ip');
    assert.is(st.a.strayDropped, 5);
    assert.equal(st.a.latched, alice.local);
  } finally {
    await r.closeAll();
  }
});

test('resetLatch (re-INVITE) lets a new source and a new SSRC/sequence in', async () => {
  const r = rig();
  try {
    const ports = await r.engine.allocate('re');
    const oldSrc = await phone(r);
    const newSrc = await phone(r);
    const bob = await phone(r);
    r.engine.setRemote('re', 'a', { address: HOST, port: oldSrc.local.port, allowedSources: [HOST] });
    r.engine.setRemote('re', 'b', { address: HOST, port: bob.local.port, allowedSources: [HOST] });
    const A = { address: HOST, port: ports.a.rtpPort };
    for (let i = 1; i <= 3; i++) await oldSrc.sendRtp(A, { seq: i, ts: i * 160, ssrc: 100 });
    await bob.waitFor(3);
    await newSrc.sendRtp(A, { seq: 9000, ts: 0, ssrc: 200 });
    await until(() => r.engine.stats('re').a.strayDropped === 1, 'the new source dropped before the reset');
    r.engine.resetLatch('re', 'a');
    for (let i = 0; i < 3; i++) await newSrc.sendRtp(A, { seq: 9001 + i, ts: (i + 1) * 160, ssrc: 200 });
    await bob.waitFor(6);
    await bob.sendRtp({ address: HOST, port: ports.b.rtpPort }, { seq: 1, ts: 0, ssrc: 5 });
    await newSrc.waitFor(1);
    const s = r.engine.release('re');
    assert.is(s.a.ssrc, 200);
    assert.equal(s.a.latched, newSrc.local);
    assert.is(s.a.strayDropped, 1, 'the new source before the reset');
    assert.is(s.a.lost, 0, 'a new SSRC and sequence is not loss');
    assert.is(s.a.expected, 6);
  } finally {
    await r.closeAll();
  }
});

test('until the far leg has somewhere to send, packets are dropped and counted', async () => {
  const r = rig();
  try {
    const ports = await r.engine.allocate('early');
    const alice = await phone(r);
    const bob = await phone(r);
    r.engine.setRemote('early', 'a', { address: HOST, port: alice.local.port, allowedSources: [HOST] });
    const A = { address: HOST, port: ports.a.rtpPort };
    await alice.sendRtp(A, { seq: 1, ts: 0, ssrc: 1 });
    await alice.sendRtp(A, { seq: 2, ts: 160, ssrc: 1 });
    await until(() => r.engine.stats('early').a.unroutableDropped === 2, 'two packets with nowhere to go');
    r.engine.setRemote('early', 'b', { address: HOST, port: bob.local.port, allowedSources: [HOST] });
    await alice.sendRtp(A, { seq: 3, ts: 320, ssrc: 1 });
    await bob.waitFor(1);
    const s = r.engine.release('early');
    assert.is(s.a.unroutableDropped, 2);
    assert.is(s.b.packetsSent, 1);
  } finally {
    await r.closeAll();
  }
});

test('latch-only remote: nothing goes to the SDP target (RTP or RTCP); after the phone latches, media goes to it', async () => {
  const r = rig();
  try {
    const ports = await r.engine.allocate('latch-only');
    const target = await phone(r); // what the SDP named (a local service: never to be reached)
    const alice = await phone(r); // where the phone really is
    const bob = await phone(r);
    r.engine.setRemote('latch-only', 'a', { address: HOST, port: target.local.port, rtcpPort: target.local.port, allowedSources: [HOST], latchOnly: true });
    r.engine.setRemote('latch-only', 'b', { address: HOST, port: bob.local.port, allowedSources: [HOST] });
    const B = { address: HOST, port: ports.b.rtpPort };
    await bob.sendRtp(B, { seq: 1, ts: 0, ssrc: 2 });
    await bob.sendRtp(B, { seq: 2, ts: 160, ssrc: 2 });
    await until(() => r.engine.stats('latch-only').b.unroutableDropped === 2, 'two packets with nowhere to go');
    await alice.sendRtp({ address: HOST, port: ports.a.rtpPort }, { seq: 1, ts: 0, ssrc: 1 });
    await bob.waitFor(1);
    await bob.sendRtp(B, { seq: 3, ts: 320, ssrc: 2 });
    await alice.waitFor(1);
    assert.is(target.received.length, 0);
  } finally {
    await r.closeAll();
  }
});

test('garbage is counted and dropped, never relayed', async () => {
  const r = rig();
  try {
    const ports = await r.engine.allocate('junk');
    const alice = await phone(r);
    const bob = await phone(r);
    r.engine.setRemote('junk', 'a', { address: HOST, port: alice.local.port, allowedSources: [HOST] });
    r.engine.setRemote('junk', 'b', { address: HOST, port: bob.local.port, allowedSources: [HOST] });
    const A = { address: HOST, port: ports.a.rtpPort };
    await alice.send(A, Buffer.from('INVITE sip:bob SIP/2.0\r\n\r\n'));
    await alice.send(A, Buffer.alloc(0));
    await alice.send(A, Buffer.from([0x80, 0x00, 0x01]));
    await alice.send({ address: HOST, port: ports.a.rtcpPort }, Buffer.from([0x00, 0x00]));
    await alice.sendRtp(A, { seq: 1, ts: 0, ssrc: 1, payload: Buffer.from('ok') });
    await bob.waitFor(1);
    await until(() => r.engine.stats('junk').a.invalidDropped === 4, 'four invalid datagrams counted'); // one went to the RTCP socket
    const s = r.engine.release('junk');
    assert.is(bob.received.length, 1);
    assert.equal(s.a.latched, alice.local, 'garbage did not latch the leg');
  } finally {
    await r.closeAll();
  }
});

test('stats: packets, bytes, loss from a skipped sequence number, jitter from uneven timestamps', async () => {
  const r = rig();
  try {
    const ports = await r.engine.allocate('st');
    const alice = await phone(r);
    const bob = await phone(r);
    r.engine.setRemote('st', 'a', { address: HOST, port: alice.local.port, allowedSources: [HOST] });
    r.engine.setRemote('st', 'b', { address: HOST, port: bob.local.port, allowedSources: [HOST] });
    const A = { address: HOST, port: ports.a.rtpPort };
    // 20 packets, seq 10 skipped; arrivals 20 ms apart on the engine's clock, timestamps off by ±40.
    let sent = 0;
    for (let seq = 1; seq <= 21; seq++) {
      if (seq === 10) continue;
      r.clock.t += 20;
      await alice.sendRtp(A, { seq, ts: seq * 160 + (seq % 2 ? 40 : -40), ssrc: 77 });
      sent++;
      await bob.waitFor(sent); // one at a time, so each arrives at its clock reading
    }
    const s = r.engine.release('st');
    assert.is(s.a.packetsReceived, 20);
    assert.is(s.a.bytesReceived, 20 * 172);
    assert.is(s.b.packetsSent, 20);
    assert.is(s.b.bytesSent, 20 * 172);
    assert.is(s.a.expected, 21);
    assert.is(s.a.lost, 1);
    assert.ok(s.a.jitterMs > 0, `jitter ${s.a.jitterMs}`);
    assert.ok(s.a.maxJitterMs >= s.a.jitterMs);
    assert.is(s.b.packetsReceived, 0);
    assert.is(s.b.ssrc, null);
  } finally {
    await r.closeAll();
  }
});

test('stats: Opus jitter uses the 48 kHz clock of its rtpmap (payloadClocks), on the engine clock', async () => {
  const r = rig();
  try {
    const ports = await r.engine.allocate('opus');
    const alice = await phone(r);
    const bob = await phone(r);
    // Payload type 111 is opus/48000 in alice's SDP; 101 telephone-event.
    r.engine.setRemote('opus', 'a', { address: HOST, port: alice.local.port, allowedSources: [HOST], payloadClocks: [[111, 48000], [101, 0]] });
    r.engine.setRemote('opus', 'b', { address: HOST, port: bob.local.port, allowedSources: [HOST] });
    const A = { address: HOST, port: ports.a.rtpPort };
    // Arrivals on the engine's clock: every 20 ms, the third packet 6 ms late.
    const late = [0, 0, 6, 0, 0, 0];
    let prev = 0;
    for (let i = 0; i < late.length; i++) {
      const at = 1000 + i * 20 + late[i]!;
      r.clock.t += at - (prev || at);
      prev = at;
      await alice.sendRtp(A, { seq: 500 + i, ts: 7000 + i * 960, ssrc: 42, pt: 111 });
      await bob.waitFor(i + 1);
    }
    const s = r.engine.release('opus');
    // RFC 3550 §6.4.1: |D| is 6 ms for packet 3 and 6 ms for packet 4, 0 otherwise.
    let j = 0;
    for (const d of [0, 6, 6, 0, 0]) j += (d - j) / 16;
    assert.ok(Math.abs(s.a.jitterMs - j) < 1e-9, `jitter ${s.a.jitterMs}, want ${j}`);
    assert.ok(s.a.jitterMs < 1, 'not the ~100 ms of an 8 kHz reading');
  } finally {
    await r.closeAll();
  }
});

test('inactivity: reported once after the timeout, never while held, re-armed by RTP', async () => {
  const r = rig(8, 60_000);
  try {
    const ports = await r.engine.allocate('idle');
    await r.engine.allocate('busy');
    const alice = await phone(r);
    const bob = await phone(r);
    r.engine.setRemote('idle', 'a', { address: HOST, port: alice.local.port, allowedSources: [HOST] });
    r.engine.setRemote('idle', 'b', { address: HOST, port: bob.local.port, allowedSources: [HOST] });
    r.engine.setHold('busy', undefined, true);
    r.clock.t += 59_000;
    assert.is(r.engine.checkInactivity(), 0);
    r.clock.t += 1_000;
    assert.is(r.engine.checkInactivity(), 1);
    assert.equal(r.events.filter((e) => e.type === 'rtpTimeout'), [{ type: 'rtpTimeout', session: 'idle', idleMs: 60_000 }]);
    r.clock.t += 10_000;
    assert.is(r.engine.checkInactivity(), 0, 'once');

    await alice.sendRtp({ address: HOST, port: ports.a.rtpPort }, { seq: 1, ts: 0, ssrc: 1 });
    await bob.waitFor(1);
    r.clock.t += 30_000;
    assert.is(r.engine.checkInactivity(), 0, 'RTP restarted the count');

    r.engine.setHold('idle', 'b', true);
    r.clock.t += 120_000;
    assert.is(r.engine.checkInactivity(), 0, 'held');
    r.engine.setHold('idle', 'b', false);
    r.clock.t += 59_000;
    assert.is(r.engine.checkInactivity(), 0, 'resume restarts the count');
    r.clock.t += 1_000;
    assert.is(r.engine.checkInactivity(), 1);
    assert.not.ok(r.events.some((e) => e.type === 'rtpTimeout' && e.session === 'busy'));
  } finally {
    await r.closeAll();
  }
});

test('release returns the stats, closes the ports, and puts them at the back of the queue', async () => {
  const r = rig(3);
  try {
    const first = await r.engine.allocate('x');
    const stats = r.engine.release('x');
    assert.is(stats.session, 'x');
    for (const p of [first.a.rtpPort, first.a.rtcpPort, first.b.rtpPort, first.b.rtcpPort]) assert.ok(await canBind(p), `port ${p} is free`);
    const next = await r.engine.allocate('y');
    assert.not.ok([first.a.rtpPort, first.b.rtpPort].includes(next.a.rtpPort), 'a just released port is not handed out first');
    const load = r.engine.load();
    assert.equal([load.sessions, load.portsInUse, load.portsFree], [1, 2, 1]);
    try {
      r.engine.release('x');
      assert.unreachable();
    } catch (err) {
      assert.is((err as MediaError).code, 'unknown-session');
    }
  } finally {
    await r.closeAll();
  }
});

test('exhaustion is a typed error and leaves no port behind', async () => {
  const r = rig(3);
  try {
    await r.engine.allocate('one');
    try {
      await r.engine.allocate('two'); // needs two pairs, one is left
      assert.unreachable();
    } catch (err) {
      assert.instance(err, MediaError);
      assert.is((err as MediaError).code, 'ports-exhausted');
    }
    const load = r.engine.load();
    assert.equal([load.sessions, load.portsInUse, load.portsFree], [1, 2, 1]);
  } finally {
    await r.closeAll();
  }
});

test('bad commands are refused with typed errors', async () => {
  const r = rig();
  try {
    await r.engine.allocate('s');
    const code = async (f: () => unknown) => {
      try {
        await f();
        return 'none';
      } catch (err) {
        return err instanceof MediaError ? err.code : 'untyped';
      }
    };
    assert.is(await code(() => r.engine.allocate('s')), 'session-exists');
    assert.is(await code(() => r.engine.setRemote('s', 'a', { address: 'phone.example', port: 4000, allowedSources: [] })), 'bad-request');
    assert.is(await code(() => r.engine.setRemote('s', 'a', { address: '::1', port: 4000, allowedSources: [] })), 'bad-request');
    assert.is(await code(() => r.engine.setRemote('s', 'a', { address: HOST, port: 70000, allowedSources: [] })), 'bad-request');
    assert.is(await code(() => r.engine.setRemote('s', 'c' as 'a', { address: HOST, port: 4000, allowedSources: [] })), 'bad-request');
    assert.is(await code(() => r.engine.setRemote('nope', 'a', { address: HOST, port: 4000, allowedSources: [] })), 'unknown-session');
    assert.is(await code(() => r.engine.handle({ op: 'bogus' } as never)), 'bad-request');
    assert.is(await code(() => r.engine.allocate('')), 'bad-request');
  } finally {
    await r.closeAll();
  }
});

test.run();
