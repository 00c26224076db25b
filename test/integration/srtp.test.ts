// SDES-SRTP for desk phones (issue 14 point 4), end to end: a real softphone (Debian's
// baresip with its srtp module) registers over TLS and calls a plain RTP phone (baresip
// over UDP, no srtp) through the real server, and the other way round. A wire capture
// (tcpdump on loopback) shows SRTP on the TLS phone's leg (the payload is not the tone's
// bytes, and each packet carries a 10-byte auth tag) and plain RTP on the other leg, and
// each phone's recording holds the other's tone: the worker opens SRTP on one leg and
// protects towards it, RTP ↔ SRTP.
//
// SRTP_DEBUG=1 prints the server's warnings.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ulawDecode } from '../../src/media/codecs/g711-ulaw.js';
import { toneShare } from '../../src/media/dsp/goertzel.js';
import { Baresip } from '../support/baresip.js';
import type { UdpPacket } from '../support/pcap.js';
import { PbxProcess } from '../support/pbx-process.js';
import { RtpCapture } from '../support/rtp-capture.js';
import { analyseTone, decodeWav, encodeWav, sineWave } from '../support/tone.js';
import { requireTools } from '../support/tools.js';

const TONE_TLS = 440;
const TONE_PLAIN = 1000;
const secret = (e: string) => `acme-${e}-secret`;
// 1003 must use SRTP (`srtp: required`); the others have the default (optional on TLS).
const ACME = {
  id: 'acme',
  domains: ['acme.example'],
  // No voicemail boxes: a call refused for its media must reach the caller as 488, not a box's greeting.
  extensions: [...['1001', '1002'].map((e) => ({ ext: e, password: secret(e), extraKeys: 'voicemail: { enabled: false }' })), { ext: '1003', password: secret('1003'), extraKeys: 'srtp: required, voicemail: { enabled: false }' }],
};

const s = suite('srtp: SDES-SRTP phone over TLS ↔ plain RTP phone');
const enabled = requireTools('srtp (baresip, tcpdump)', 'baresip', 'tcpdump');
const run = enabled ? s : s.skip;
let pbx: PbxProcess;
const phones: Baresip[] = [];

s.before(async () => {
  if (!enabled) return;
  const base = 43000 + Math.floor(Math.random() * 100) * 100;
  pbx = await PbxProcess.start({ tenants: [ACME], transports: ['udp', 'tls'], extraYaml: `rtp: { ports: ${base}-${base + 99}, workers: 1 }` });
});

s.after.each(async () => {
  for (const p of phones.splice(0)) await p.dispose();
});

s.after(async () => {
  // SDES keys travel in SDP: none may reach the server's log.
  if (enabled) assert.not.ok(pbx.logs.some((l) => /inline:/i.test(l)), 'no a=crypto key in the server log');
  if (process.env.SRTP_DEBUG) for (const l of pbx?.logs ?? []) if (/ (WARN|ERROR) /.test(l) || process.env.SRTP_DEBUG === 'all') console.log(l);
  await pbx?.dispose();
});

async function phone(ext: string, toneHz: number, o: { tls: boolean; mediaenc?: 'srtp' | 'srtp-mand' }): Promise<Baresip> {
  const wav = join(pbx.dir, `tone-${toneHz}.wav`);
  writeFileSync(wav, encodeWav(sineWave(toneHz, 20, 8000, 1, 0.5)));
  const p = await Baresip.start({
    user: ext,
    domain: 'acme.example',
    password: secret(ext),
    proxy: { host: '127.0.0.1', port: o.tls ? pbx.ports.tls : pbx.ports.udp },
    transport: o.tls ? 'tls' : 'udp',
    ...(o.mediaenc ? { mediaenc: o.mediaenc } : {}),
    sourceWav: wav,
    codecs: ['PCMU/8000/1'],
  });
  phones.push(p);
  return p;
}

async function until(what: string | (() => string), check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const hostPort = (s: string) => {
  const i = s.lastIndexOf(':');
  const host = s.slice(0, i);
  // baresip binds its RTP socket to 0.0.0.0; on the wire it talks from 127.0.0.1.
  return { host: host === '0.0.0.0' ? '127.0.0.1' : host, port: Number(s.slice(i + 1)) };
};

/** The RTP/SRTP packets a phone's media port sent. */
function sentBy(packets: UdpPacket[], ep: { host: string; port: number }): UdpPacket[] {
  return packets.filter((p) => p.src === ep.host && p.srcPort === ep.port && p.payload.length >= 12 && p.payload[0]! >> 6 === 2 && p.payload[1]! < 192);
}

/** µ-law payloads decoded as audio: share of `hz` in them (a tone in clear is near 1; ciphertext is noise). */
function toneOfPayloads(packets: UdpPacket[], payloadBytes: number, hz: number): number {
  const pcm: number[] = [];
  for (const p of packets.slice(10, 60)) for (const b of p.payload.subarray(12, 12 + payloadBytes)) pcm.push(ulawDecode(b));
  return toneShare(Int16Array.from(pcm), 8000, hz);
}

function assertHeard(who: string, wav: Buffer, expected: number, own: number): void {
  const r = analyseTone(decodeWav(wav), [TONE_TLS, TONE_PLAIN], { skipSeconds: 0.5 });
  const detail = `${who}: ${r.seconds.toFixed(1)} s, purity ${r.purity.toFixed(2)}, strongest ${r.strongest}`;
  assert.ok(r.seconds >= 2.5, detail);
  assert.is(r.strongest, expected, `${who} heard the other side's tone: ${detail}`);
  assert.ok(r.purity > 0.6, detail);
  assert.ok(r.powers.get(own)! < r.powers.get(expected)! / 100, `${who} does not hear its own tone back: ${detail}`);
}

async function srtpCall(o: { caller: 'tls' | 'plain'; mediaenc: 'srtp' | 'srtp-mand'; secureExt?: string }): Promise<void> {
  const secureExt = o.secureExt ?? '1001';
  const secure = await phone(secureExt, TONE_TLS, { tls: true, mediaenc: o.mediaenc });
  const plain = await phone('1002', TONE_PLAIN, { tls: false });
  await Promise.all([secure.waitRegistered(), plain.waitRegistered()]);
  const [caller, callee] = o.caller === 'tls' ? [secure, plain] : [plain, secure];
  await caller.dial(`sip:${o.caller === 'tls' ? '1002' : secureExt}@acme.example`);
  await callee.answer();
  await Promise.all([caller.waitEvent('CALL_ESTABLISHED'), callee.waitEvent('CALL_ESTABLISHED')]);
  const [ss, sp] = [await secure.audioStream(), await plain.audioStream()];
  const secureEp = hostPort(ss.local);
  const plainEp = hostPort(sp.local);
  const cap = await RtpCapture.start({ ports: [secureEp.port, plainEp.port], maxSeconds: 30 });
  let packets: UdpPacket[];
  try {
    await until(() => `3 s of audio heard by both (${secure.recordedBytes()} / ${plain.recordedBytes()})`, () => secure.recordedBytes() >= 48_000 && plain.recordedBytes() >= 48_000, 15_000);
  } finally {
    packets = await cap.stop();
  }
  await caller.hangup();
  await Promise.all([caller.waitEvent('CALL_CLOSED'), callee.waitEvent('CALL_CLOSED')]);

  if (process.env.SRTP_DEBUG) {
    const flows: Record<string, number> = {};
    for (const p of packets) flows[`${p.src}:${p.srcPort} > ${p.dst}:${p.dstPort} ${p.payload.length} bytes`] = (flows[`${p.src}:${p.srcPort} > ${p.dst}:${p.dstPort} ${p.payload.length} bytes`] ?? 0) + 1;
    console.log(ss, sp, flows);
  }
  // On the wire: the TLS phone's leg is SRTP both ways, the plain phone's leg RTP both ways.
  const fromSecure = sentBy(packets, secureEp);
  const toSecure = packets.filter((p) => p.dst === secureEp.host && p.dstPort === secureEp.port && p.payload[0]! >> 6 === 2 && p.payload[1]! < 192);
  const fromPlain = sentBy(packets, plainEp);
  const toPlain = packets.filter((p) => p.dst === plainEp.host && p.dstPort === plainEp.port && p.payload[0]! >> 6 === 2 && p.payload[1]! < 192);
  for (const [name, list] of [['from the TLS phone', fromSecure], ['to the TLS phone', toSecure], ['from the plain phone', fromPlain], ['to the plain phone', toPlain]] as const) {
    assert.ok(list.length >= 50, `${name}: ${list.length} packets captured`);
  }
  // PCMU at 20 ms: 12 + 160 bytes in clear; SRTP (AES_CM_128_HMAC_SHA1_80) adds a 10-byte tag.
  assert.ok(fromSecure.every((p) => p.payload.length === 182), `SRTP from the TLS phone carries the tag: lengths ${[...new Set(fromSecure.map((p) => p.payload.length))]}`);
  assert.ok(toSecure.every((p) => p.payload.length === 182), `SRTP to the TLS phone carries the tag: lengths ${[...new Set(toSecure.map((p) => p.payload.length))]}`);
  assert.ok(fromPlain.every((p) => p.payload.length === 172) && toPlain.every((p) => p.payload.length === 172), 'plain RTP on the other leg');
  // In clear the plain leg's payloads are the tones; on the SRTP leg they are not.
  assert.ok(toneOfPayloads(fromPlain, 160, TONE_PLAIN) > 0.9, 'the plain phone sends its tone in clear');
  assert.ok(toneOfPayloads(toPlain, 160, TONE_TLS) > 0.9, "the PBX sends the TLS phone's tone in clear to the plain phone");
  assert.ok(toneOfPayloads(fromSecure, 160, TONE_TLS) < 0.2, 'the TLS phone sends no tone in clear');
  assert.ok(toneOfPayloads(toSecure, 160, TONE_PLAIN) < 0.2, "the PBX encrypts the plain phone's tone towards the TLS phone");

  // And each phone heard the other's tone.
  assertHeard('TLS phone', secure.recording('dec'), TONE_PLAIN, TONE_TLS);
  assertHeard('plain phone', plain.recording('dec'), TONE_TLS, TONE_PLAIN);
}

run('TLS phone with best-effort SRTP (RTP/AVP + a=crypto) calls a plain UDP phone', async () => {
  await srtpCall({ caller: 'tls', mediaenc: 'srtp' });
});

run('a plain UDP phone calls the TLS phone: the PBX offers it SRTP (best effort) and it takes it', async () => {
  await srtpCall({ caller: 'plain', mediaenc: 'srtp' });
});

run('TLS phone with mandatory SRTP (RTP/SAVP) calls a plain UDP phone', async () => {
  await srtpCall({ caller: 'tls', mediaenc: 'srtp-mand' });
});

run('srtp: required, over TLS: the PBX offers the phone RTP/SAVP, and it calls and is called with SRTP', async () => {
  await srtpCall({ caller: 'plain', mediaenc: 'srtp-mand', secureExt: '1003' });
  for (const p of phones.splice(0)) await p.dispose();
  await srtpCall({ caller: 'tls', mediaenc: 'srtp-mand', secureExt: '1003' });
});

/** `caller` dials `to`; the call must end with 488 before it is answered. */
async function refused488(caller: Baresip, to: string, why: string): Promise<void> {
  const from = caller.events.length;
  await caller.dial(`sip:${to}@acme.example`);
  const closed = await caller.waitEvent('CALL_CLOSED', 10_000, from);
  assert.match(String(closed.param), /488/, `${why}: ${JSON.stringify(closed)}`);
  assert.not.ok(caller.events.slice(from).some((e) => e.type === 'CALL_ESTABLISHED'), `${why}: never answered`);
}

run('488 where SRTP cannot be had: RTP/SAVP over UDP, a required phone over UDP or without SRTP', async () => {
  // RTP/SAVP from a UDP phone: its keys would travel in clear.
  const savpUdp = await phone('1002', TONE_PLAIN, { tls: false, mediaenc: 'srtp-mand' });
  const secure = await phone('1001', TONE_TLS, { tls: true, mediaenc: 'srtp' });
  await Promise.all([savpUdp.waitRegistered(), secure.waitRegistered()]);
  await refused488(savpUdp, '1001', 'RTP/SAVP offered over UDP');
  assert.not.ok(secure.events.some((e) => e.type === 'CALL_INCOMING'), 'the callee was never rung');
  for (const p of phones.splice(0)) await p.dispose();

  // 1003 (required) registered over UDP: it can neither call nor be called.
  const requiredUdp = await phone('1003', TONE_TLS, { tls: false });
  const plain = await phone('1002', TONE_PLAIN, { tls: false });
  await Promise.all([requiredUdp.waitRegistered(), plain.waitRegistered()]);
  await refused488(requiredUdp, '1002', 'a required extension calling over UDP');
  await refused488(plain, '1003', 'calling a required extension reachable over UDP only');
  assert.not.ok(requiredUdp.events.some((e) => e.type === 'CALL_INCOMING'), 'the UDP phone of a required extension was never rung');
  for (const p of phones.splice(0)) await p.dispose();

  // 1003 over TLS but without SRTP: its plain offer is refused.
  const noSrtp = await phone('1003', TONE_TLS, { tls: true });
  const plain2 = await phone('1002', TONE_PLAIN, { tls: false });
  await Promise.all([noSrtp.waitRegistered(), plain2.waitRegistered()]);
  await refused488(noSrtp, '1002', 'a required extension offering plain RTP');
});

s.run();
