import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DtlsClient, DtlsServer } from 'werift-dtls/lib/dtls/src/index.js';
import type { MediaEvent } from '../protocol.js';
import { SrtpInbound, SrtpOutbound } from '../srtp/srtp-context.js';
import { FakePhone, rtpPacket } from '../test-peers.js';
import { createDtlsIdentity } from '../webrtc/dtls-identity.js';
import { bindingRequest } from '../webrtc/ice-lite-check.js';
import type { PacerTimers } from './frame-pacer.js';
import { RelayEngine } from './relay-engine.js';

// A browser leg in the engine with real UDP sockets on the loopback: leg A is a "browser"
// (STUN checks with our ICE credentials, then a werift DTLS client, then SRTP with the
// exported keys, all on one port), leg B a plain RTP phone.

const HOST = '127.0.0.1';
let nextBase = 42000 + 2 * Math.floor(Math.random() * 2000);

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function rig(candidates = [HOST], dtlsRole?: 'client') {
  const events: MediaEvent[] = [];
  const timers: PacerTimers = { now: () => 0, setTimeout: (fn) => fn, clearTimeout: () => {} };
  const base = nextBase;
  nextBase += 8;
  const engine = new RelayEngine({ address: HOST, portMin: base, portMax: base + 7, rtpTimeoutMs: 60_000, now: () => 1000, emit: (e) => events.push(e), pacerTimers: timers });
  const ports = await engine.allocate('s1');
  const browser = await FakePhone.open();
  const bob = await FakePhone.open();
  const bobRtcp = await FakePhone.open();
  const ours = await createDtlsIdentity();
  const theirs = await createDtlsIdentity();
  engine.setRemote('s1', 'a', { address: HOST, port: browser.local.port, allowedSources: [HOST] });
  engine.setRemote('s1', 'b', { address: HOST, port: bob.local.port, rtcpPort: bobRtcp.local.port, allowedSources: [HOST] });
  engine.setWebrtc('s1', 'a', { localUfrag: 'pbx1', localPwd: 'pbx-ice-password-0123456', remoteUfrag: 'brw1', remoteFingerprint: theirs.fingerprint, certPem: ours.certPem, keyPem: ours.keyPem, candidates, ...(dtlsRole ? { dtlsRole } : {}) });
  const A = { address: HOST, port: ports.a.rtpPort };
  return { engine, events, ports, browser, bob, bobRtcp, ours, theirs, A };
}

test('ICE-lite check, DTLS handshake, then SRTP both ways between a browser leg and a plain RTP leg', async () => {
  const r = await rig();
  try {
    // 1. The browser's connectivity check is answered, and latches the leg.
    await r.browser.send(r.A, bindingRequest(randomBytes(12), 'pbx1:brw1', 'pbx-ice-password-0123456'));
    await r.browser.waitFor(1);
    assert.is(r.browser.received[0]!.data[0], 0x01, 'a Binding success response');
    assert.equal(r.engine.stats('s1').a.latched, r.browser.local);
    // Plain RTP from bob is not sent to the browser before the keys exist.
    const B = { address: HOST, port: r.ports.b.rtpPort };
    await r.bob.send(B, rtpPacket({ seq: 1, ts: 0, ssrc: 0xb }));
    await until(() => r.engine.stats('s1').b.packetsReceived === 1, 'bob heard');
    // 2. DTLS: the browser is the client (it answered our passive with active).
    const transport = { type: 'udp', address: {}, closed: false, onData: (_d: Buffer) => {}, send: (d: Buffer) => r.browser.send(r.A, d), close: async () => {} };
    const before = r.browser.received.length;
    r.browser.onMessage = (d) => {
      if (d[0]! >= 20 && d[0]! <= 63) transport.onData(d);
    };
    const client = new DtlsClient({ transport: transport as never, cert: r.theirs.certPem, key: r.theirs.keyPem, signatureHash: { signature: 3, hash: 4 }, srtpProfiles: [1] });
    await client.connect();
    await until(() => r.engine.stats('s1').a.webrtc?.connected === true, 'handshake done in the worker');
    const km = client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60);
    const browserOut = new SrtpOutbound({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: Buffer.concat([km.subarray(0, 16), km.subarray(32, 46)]) });
    const browserIn = new SrtpInbound({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: Buffer.concat([km.subarray(16, 32), km.subarray(46, 60)]) });
    // 3. SRTP from the browser reaches bob in clear.
    const hello = rtpPacket({ seq: 7, ts: 160, ssrc: 0xa, payload: Buffer.from('tone from the browser') });
    const wire = Buffer.alloc(hello.length + 10);
    hello.copy(wire);
    await r.browser.send(r.A, wire.subarray(0, browserOut.protectRtp(wire, hello.length)));
    await r.bob.waitFor(1);
    assert.equal(r.bob.received[0]!.data, hello);
    // 4. RTP from bob reaches the browser as SRTP it can open.
    const back = rtpPacket({ seq: 2, ts: 160, ssrc: 0xb, payload: Buffer.from('and back, encrypted') });
    const srtpSeen = () => r.browser.received.slice(before).filter((x) => x.data[0]! >= 128);
    await r.bob.send(B, back);
    await until(() => srtpSeen().length >= 1, 'SRTP at the browser');
    const got = Buffer.from(srtpSeen()[0]!.data);
    assert.is(browserIn.unprotectRtp(got, got.length), back.length);
    assert.equal(got.subarray(0, back.length), back);
    const st = r.engine.stats('s1').a;
    assert.equal(st.srtp, { suite: 'AES_CM_128_HMAC_SHA1_80', authFailed: 0, replayed: 0, malformed: 0 });
    assert.is(st.webrtc!.iceRefused, 0);
    // 5. An ICE restart (re-INVITE with new credentials, same fingerprint) keeps DTLS and its keys.
    r.engine.setWebrtc('s1', 'a', { localUfrag: 'pbx2', localPwd: 'pbx-ice-password-abcdefg', remoteUfrag: 'brw2', remoteFingerprint: r.theirs.fingerprint, certPem: r.ours.certPem, keyPem: r.ours.keyPem, candidates: [HOST] });
    const n = r.browser.received.length;
    await r.browser.send(r.A, bindingRequest(randomBytes(12), 'pbx2:brw2', 'pbx-ice-password-abcdefg'));
    await until(() => r.browser.received.length > n, 'the check with the new credentials is answered');
    assert.is(r.browser.received[n]!.data[0], 0x01);
    const again = rtpPacket({ seq: 8, ts: 320, ssrc: 0xa, payload: Buffer.from('still encrypted after the restart') });
    const wire2 = Buffer.alloc(again.length + 10);
    again.copy(wire2);
    await r.browser.send(r.A, wire2.subarray(0, browserOut.protectRtp(wire2, again.length)));
    await r.bob.waitFor(2);
    assert.equal(r.bob.received[1]!.data, again);
    client.close();
  } finally {
    r.engine.close();
    for (const p of [r.browser, r.bob, r.bobRtcp]) await p.close();
  }
});

test('the client role (the browser said a=setup:passive): after the check the worker sends the ClientHello; SRTP both ways with the keys the other way round', async () => {
  const r = await rig([HOST], 'client');
  try {
    const transport = { type: 'udp', address: {}, closed: false, onData: (_d: Buffer) => {}, send: (d: Buffer) => r.browser.send(r.A, d), close: async () => {} };
    r.browser.onMessage = (d) => {
      if (d[0]! >= 20 && d[0]! <= 63) transport.onData(d);
    };
    const server = new DtlsServer({ transport: transport as never, cert: r.theirs.certPem, key: r.theirs.keyPem, signatureHash: { signature: 3, hash: 4 }, srtpProfiles: [1], certificateRequest: true });
    // Nothing is sent before a check has selected the pair.
    await new Promise((res) => setTimeout(res, 50));
    assert.is(r.browser.received.length, 0, 'no ClientHello to an unchecked address');
    await r.browser.send(r.A, bindingRequest(randomBytes(12), 'pbx1:brw1', 'pbx-ice-password-0123456'));
    await until(() => r.engine.stats('s1').a.webrtc?.connected === true, 'handshake done in the worker, started by it');
    assert.ok(r.browser.received.some((x) => x.data[0] === 22), 'a DTLS handshake record from the worker');
    const km = server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60);
    // The browser is the server here: it protects with the server key and salt.
    const browserOut = new SrtpOutbound({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: Buffer.concat([km.subarray(16, 32), km.subarray(46, 60)]) });
    const browserIn = new SrtpInbound({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: Buffer.concat([km.subarray(0, 16), km.subarray(32, 46)]) });
    const hello = rtpPacket({ seq: 7, ts: 160, ssrc: 0xa, payload: Buffer.from('from a passive browser') });
    const wire = Buffer.alloc(hello.length + 10);
    hello.copy(wire);
    await r.browser.send(r.A, wire.subarray(0, browserOut.protectRtp(wire, hello.length)));
    await r.bob.waitFor(1);
    assert.equal(r.bob.received[0]!.data, hello);
    const before = r.browser.received.length;
    const back = rtpPacket({ seq: 2, ts: 160, ssrc: 0xb, payload: Buffer.from('and back, encrypted') });
    await r.bob.send({ address: HOST, port: r.ports.b.rtpPort }, back);
    const srtpSeen = () => r.browser.received.slice(before).filter((x) => x.data[0]! >= 128);
    await until(() => srtpSeen().length >= 1, 'SRTP at the browser');
    const got = Buffer.from(srtpSeen()[0]!.data);
    assert.is(browserIn.unprotectRtp(got, got.length), back.length);
    assert.equal(got.subarray(0, back.length), back);
    server.close();
  } finally {
    r.engine.close();
    for (const p of [r.browser, r.bob, r.bobRtcp]) await p.close();
  }
});

test('a check with the wrong password, a check and a DTLS hello from an address that did not signal: refused and counted', async () => {
  const r = await rig(['192.0.2.1']); // the browser signalled another address than the one it sends from
  const stranger = await FakePhone.open();
  try {
    await r.browser.send(r.A, bindingRequest(randomBytes(12), 'pbx1:brw1', 'pbx-ice-password-0123456'));
    await until(() => r.engine.stats('s1').a.webrtc!.iceRefused === 1, 'check from an unsignalled address refused');
    // A DTLS ClientHello-shaped record (content type 22) from an address no check selected.
    await stranger.send(r.A, Buffer.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    await until(() => r.engine.stats('s1').a.webrtc!.dtlsRefused === 1, 'DTLS from an unselected address refused');
    assert.is(r.browser.received.length + stranger.received.length, 0, 'nothing answered');
    assert.is(r.engine.stats('s1').a.latched, null);
    // The worker's totals (pbx_media_worker_webrtc_refused_total) count them too.
    const load = r.engine.load();
    assert.is(load.webrtcIceRefused, 1);
    assert.is(load.webrtcDtlsRefused, 1);
  } finally {
    r.engine.close();
    for (const p of [r.browser, r.bob, r.bobRtcp, stranger]) await p.close();
  }
});

test('a check with a wrong password from a signalled address is refused and does not latch', async () => {
  const r = await rig();
  try {
    await r.browser.send(r.A, bindingRequest(randomBytes(12), 'pbx1:brw1', 'a-guessed-password'));
    await until(() => r.engine.stats('s1').a.webrtc!.iceRefused === 1, 'refused');
    assert.is(r.engine.stats('s1').a.latched, null);
    assert.is(r.browser.received.length, 0);
  } finally {
    r.engine.close();
    for (const p of [r.browser, r.bob, r.bobRtcp]) await p.close();
  }
});

test('setWebrtc refuses a malformed configuration from the main thread', async () => {
  const r = await rig();
  try {
    assert.throws(() => r.engine.setWebrtc('s1', 'a', { localUfrag: '', localPwd: 'x', remoteUfrag: 'y', remoteFingerprint: 'sha-256 00', certPem: 'c', keyPem: 'k', candidates: [] }), /setWebrtc/);
  } finally {
    r.engine.close();
    for (const p of [r.browser, r.bob, r.bobRtcp]) await p.close();
  }
});

test.run();
