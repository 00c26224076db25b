// On-demand recording by DTMF feature code through the real server: a file-managed tenant
// whose YAML says `recording: on-demand` (the provider turns features.recording on), real
// SIP and RTP sockets, a real media worker. The caller presses *1 as RFC 4733 events: the
// recording starts and the caller hears the confirmation beep (about 1 kHz, where it
// otherwise hears the callee's 600 Hz); *1 again stops it; the WAV is valid, about as long
// as the time between the codes, with the caller's tone on the left. The code's digits
// still reach the callee (they are not swallowed). A tenant whose file says nothing about
// recording (never) records nothing on *1. A third tenant's file says `recording: always`: its
// transcoded call (PCMU caller, G.722-only callee) is recorded with each side's tone on its channel.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxServer } from '../../src/app/pbx-server.js';
import { G722Encoder } from '../../src/media/codecs/g722-encoder.js';
import { ulawDecodeInto } from '../../src/media/codecs/g711-ulaw.js';
import { goertzelPower, meanPower } from '../../src/media/dsp/goertzel.js';
import { dbfsToAmplitude, writeSine } from '../../src/media/dsp/tone.js';
import { parseTelephoneEvent } from '../../src/media/rtp/telephone-event.js';
import { WavReader } from '../../src/media/wav/wav-reader.js';
import type { SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { SqliteTenantStore } from '../../src/store/tenant-store.js';
import { memoryLogger } from '../../src/util/logger.js';
import { tenantYaml } from '../support/pbx-process.js';
import { freePort } from '../support/ports.js';
import { PcmuSender } from '../support/pcmu-sender.js';
import { UdpPhone } from '../support/udp-phone.js';

let dir: string;
let server: PbxServer;
let port: number;
let api: string;
const ADMIN = 'feature-code-test-admin-token-0123456789abcdef';
const logger = memoryLogger('info');
const phones: UdpPhone[] = [];
const ACME = { id: 'acme', domains: ['acme.example'], extensions: ['1001', '1002'].map((e) => ({ ext: e, password: `acme-${e}-secret` })), extraYaml: 'recording: on-demand\n' };
const GLOBEX = { id: 'globex', domains: ['globex.example'], extensions: ['2001', '2002'].map((e) => ({ ext: e, password: `globex-${e}-secret` })) };
/** initech's file says `recording: always`; 3002 takes G.722 only, so its calls with a PCMU phone are transcoded. */
const INITECH = { id: 'initech', domains: ['initech.example'], extensions: ['3001', '3002'].map((e) => ({ ext: e, password: `initech-${e}-secret` })), extraYaml: 'recording: always\n' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function json(method: string, path: string, body?: unknown): Promise<any> {
  const r = await fetch(`${api}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-feature-code-'));
  mkdirSync(join(dir, 'tenants'));
  port = await freePort();
  const apiPort = await freePort();
  api = `http://127.0.0.1:${apiPort}`;
  const rtpBase = 40000 + Math.floor(Math.random() * 200) * 100;
  writeFileSync(
    join(dir, 'pbx.yaml'),
    [
      'dataDir: data',
      `sip: { listen: [ "udp://127.0.0.1:${port}" ] }`,
      `api: { listen: "127.0.0.1:${apiPort}", adminToken: "${ADMIN}" }`,
      `rtp: { ports: ${rtpBase}-${rtpBase + 99}, workers: 1 }`,
      'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }',
      'registrar: { writeDelayMs: 0 }',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'tenants', 'acme.yaml'), tenantYaml(ACME));
  writeFileSync(join(dir, 'tenants', 'globex.yaml'), tenantYaml(GLOBEX));
  writeFileSync(join(dir, 'tenants', 'initech.yaml'), tenantYaml(INITECH));
  server = await PbxServer.start(join(dir, 'pbx.yaml'), { logger, env: {} });
  await json('PATCH', '/tenants/acme', { features: { recording: true } });
  await json('PATCH', '/tenants/globex', { features: { recording: true } });
  await json('PATCH', '/tenants/initech', { features: { recording: true } });
});

test.after(async () => {
  for (const p of phones) p.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function phone(user: string, domain: string, audio?: { pt: number; rtpmap: string }): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user, domain, password: `${domain.split('.')[0]}-${user}-secret`, server: { host: '127.0.0.1', port }, ...(audio ? { audio } : {}) });
  phones.push(p);
  return p;
}

/** The record-toggle feature code *1 as RFC 4733 digits, with audio between them. */
async function starOne(s: PcmuSender): Promise<void> {
  await s.digit(10);
  await s.tone(60);
  await s.digit(1);
}

const sdpPort = (m: SipResponse | SipRequest) => Number(/m=audio (\d+)/.exec(m.body.toString())?.[1]);


interface Heard {
  at: number;
  pt: number;
  payload: Buffer;
}

function listen(p: UdpPhone): Heard[] {
  const got: Heard[] = [];
  p.rtp.on('message', (b: Buffer) => {
    if (b.length >= 12 && b[0]! >> 6 === 2) got.push({ at: performance.now(), pt: b[1]! & 0x7f, payload: Buffer.from(b.subarray(12)) });
  });
  return got;
}

/** Share of a PCMU payload's power at `f`. */
function shareOf(payload: Buffer, f: number): number {
  const pcm = new Int16Array(payload.length);
  ulawDecodeInto(payload, pcm);
  const p = meanPower(pcm);
  return p > 0 ? goertzelPower(pcm, 8000, f) / p : 0;
}

function store(tenant: string) {
  return SqliteTenantStore.open(join(dir, 'data'), tenant);
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

test('the tenant file sets the policy: acme on-demand, globex none', () => {
  const a = store('acme');
  const g = store('globex');
  try {
    assert.is(a.getSetting('recording'), 'on-demand');
    assert.is(g.getSetting('recording'), undefined);
  } finally {
    a.close();
    g.close();
  }
});

test('*1 from the caller (RFC 4733) starts the recording with a beep to the caller; *1 again stops it; the WAV is valid', async () => {
  const a = await phone('1001', 'acme.example');
  const b = await phone('1002', 'acme.example');
  assert.is(await b.register(), 200);
  const heardByA = listen(a);
  const heardByB = listen(b);
  const res = await a.call('1002');
  assert.is(res.status, 200, `got ${res.status} ${res.reason}`);
  const invite = (await b.next((m) => m.kind === 'request' && m.method === 'INVITE')) as SipRequest;
  const live = await json('GET', '/tenants/acme/calls');
  const callId: string = (live.items ?? live)[0].callId;
  const sa = new PcmuSender(a, sdpPort(res), 0x3001, 1000);
  const sb = new PcmuSender(b, sdpPort(invite), 0x3002, 600);
  const callee = sb.tone(5200);

  await sa.tone(600);
  assert.is(store('acme').recordings.get(callId), undefined, 'on-demand: nothing recorded before the code');
  const codeAt = performance.now();
  await starOne(sa);
  await sa.tone(2000);
  const s1 = store('acme');
  const running = s1.recordings.get(callId);
  s1.close();
  assert.ok(running, logger.lines.filter((l) => /recording|feature/.test(l)).slice(-5).join('\n'));
  assert.is(running!.status, 'recording');
  await starOne(sa);
  await sa.tone(1200);
  await callee;
  assert.is((await a.inDialog('BYE')).status, 200);
  await b.register(0);

  await until(() => {
    const s = store('acme');
    try {
      return s.recordings.get(callId)?.status === 'done';
    } finally {
      s.close();
    }
  });
  const s2 = store('acme');
  const row = s2.recordings.get(callId)!;
  s2.close();
  assert.is(row.reason, 'stopped', 'stopped by the second *1, not by the hangup');
  assert.ok(row.durationMs >= 1800 && row.durationMs <= 3200, `about the 2.2 s between the codes: ${row.durationMs} ms`);
  const path = join(dir, 'data', 'tenants', 'acme', row.file);
  assert.ok(existsSync(path));
  const w = WavReader.open(path, { allowStereo: true });
  const all = new Int16Array(w.info.frames * w.info.channels);
  w.readPcm16(all);
  w.close();
  assert.is(w.info.durationMs, row.durationMs, 'the header agrees with the row');
  const left = all.filter((_, i) => i % 2 === 0);
  const skip = 1600;
  const l1000 = goertzelPower(left, 8000, 1000, skip, left.length - skip) / meanPower(left, skip, left.length - skip);
  assert.ok(l1000 > 0.5, `caller's 1 kHz on the left: ${l1000.toFixed(3)}`);

  // The beep: after the first code the caller hears about 1 kHz, which the callee never sends.
  const audio = heardByA.filter((h) => h.pt === 0);
  const beepy = audio.filter((h) => h.at > codeAt && shareOf(h.payload, 1000) > 0.5);
  assert.ok(audio.filter((h) => h.at < codeAt).every((h) => shareOf(h.payload, 1000) < 0.2), 'no 1 kHz before the code');
  assert.ok(beepy.length >= 5, `the caller heard the beep: ${beepy.length} frames of 1 kHz`);
  // The code's digits were not swallowed: the callee received * (10) and 1 as RFC 4733.
  const events = new Set(heardByB.filter((h) => h.pt === 101).map((h) => parseTelephoneEvent(h.payload)?.event));
  assert.ok(events.has(10) && events.has(1), `the callee received the digits: ${[...events].join(',')}`);
});

test('*1 in a tenant whose policy is never records nothing', async () => {
  const a = await phone('2001', 'globex.example');
  const b = await phone('2002', 'globex.example');
  assert.is(await b.register(), 200);
  const res = await a.call('2002');
  assert.is(res.status, 200);
  await b.next((m) => m.kind === 'request' && m.method === 'INVITE');
  const live = await json('GET', '/tenants/globex/calls');
  const callId: string = (live.items ?? live)[0].callId;
  const sa = new PcmuSender(a, sdpPort(res), 0x4001, 1000);
  await sa.tone(200);
  await starOne(sa);
  await sa.tone(600);
  assert.is((await a.inDialog('BYE')).status, 200);
  await b.register(0);
  const s = store('globex');
  try {
    assert.is(s.recordings.get(callId), undefined);
    assert.is(s.recordings.list({}).length, 0);
  } finally {
    s.close();
  }
});

/** A G.722 phone's tone: 16 kHz PCM, G.722-encoded, PT 9, one packet every 20 ms (RTP clock 8000: RFC 3551 §4.5.2). */
async function sendG722Tone(p: UdpPhone, to: number, frequency: number, frames: number, ssrc: number): Promise<void> {
  const enc = new G722Encoder();
  const pcm = new Int16Array(320);
  let phase = 0;
  const start = performance.now();
  for (let i = 0; i < frames; i++) {
    const wait = start + i * 20 - performance.now();
    if (wait > 0) await sleep(wait);
    phase = writeSine(pcm, { sampleRate: 16000, frequency, amplitude: dbfsToAmplitude(-12), phase });
    const out = new Uint8Array(160);
    enc.encode(pcm, out);
    const h = Buffer.alloc(12);
    h[0] = 0x80;
    h[1] = (i === 0 ? 0x80 : 0) | 9;
    h.writeUInt16BE(i, 2);
    h.writeUInt32BE(i * 160, 4);
    h.writeUInt32BE(ssrc, 8);
    p.rtp.send(Buffer.concat([h, out]), to, '127.0.0.1');
  }
}

test('a transcoded call (PCMU caller, G.722-only callee) recorded by policy always from the tenant file: both channels carry their tones', async () => {
  const a = await phone('3001', 'initech.example');
  const b = await phone('3002', 'initech.example', { pt: 9, rtpmap: 'G722/8000' });
  assert.is(await b.register(), 200);
  const res = await a.call('3002');
  assert.is(res.status, 200, `got ${res.status} ${res.reason}`);
  const invite = (await b.next((m) => m.kind === 'request' && m.method === 'INVITE')) as SipRequest;
  assert.match(/m=audio [^\r\n]*/.exec(invite.body.toString())?.[0] ?? '', / 9( |$)/, 'the callee is offered G.722');
  assert.match(/m=audio [^\r\n]*/.exec(res.body.toString())?.[0] ?? '', / 0( |$)/, 'the caller keeps PCMU');
  const live = await json('GET', '/tenants/initech/calls');
  const callId: string = (live.items ?? live)[0].callId;
  await Promise.all([new PcmuSender(a, sdpPort(res), 0x5001, 1000).tone(3000), sendG722Tone(b, sdpPort(invite), 600, 150, 0x5002)]);
  await sleep(100);
  assert.is((await a.inDialog('BYE')).status, 200);
  await b.register(0);
  await until(() => {
    const s = store('initech');
    try {
      return s.recordings.get(callId)?.status === 'done';
    } finally {
      s.close();
    }
  });
  const s = store('initech');
  const row = s.recordings.get(callId)!;
  s.close();
  assert.is(row.reason, 'hangup');
  const w = WavReader.open(join(dir, 'data', 'tenants', 'initech', row.file), { allowStereo: true });
  const all = new Int16Array(w.info.frames * w.info.channels);
  w.readPcm16(all);
  w.close();
  assert.is(w.info.channels, 2);
  assert.ok(w.info.durationMs >= 2500, `about the 3 s call: ${w.info.durationMs} ms`);
  const rate = w.info.sampleRate;
  const left = all.filter((_, i) => i % 2 === 0);
  const right = all.filter((_, i) => i % 2 === 1);
  const skip = rate / 5;
  const sh = (x: Int16Array, f: number) => goertzelPower(x, rate, f, skip, x.length - skip) / meanPower(x, skip, x.length - skip);
  assert.ok(sh(left, 1000) > 0.5, `the PCMU caller's 1 kHz on the left (${rate} Hz file): ${sh(left, 1000).toFixed(3)}`);
  assert.ok(sh(left, 600) < 0.05, "the callee's 600 Hz not on the left");
  assert.ok(sh(right, 600) > 0.5, `the G.722 callee's 600 Hz on the right: ${sh(right, 600).toFixed(3)}`);
  assert.ok(sh(right, 1000) < 0.05, "the caller's 1 kHz not on the right");
});

test.run();
