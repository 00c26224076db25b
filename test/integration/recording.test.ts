// Call recording through the real server (issue 10, items 5 and 8): real SIP and RTP
// sockets, real media workers, real tenant stores and files. Two phones each send their own
// tone; the recording is a valid WAV as long as the call, with the caller's tone on the
// left and the callee's on the right (decoded, Goertzel). The storage limit refuses or
// stops a recording while the call goes on. The API lists, downloads (Range too) and
// deletes recordings, with the tenant and extension checks of the CDRs.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { folderBytes } from '../../src/admin/folder-bytes.js';
import { PbxServer } from '../../src/app/pbx-server.js';
import { ulawEncodeInto } from '../../src/media/codecs/g711-ulaw.js';
import { goertzelPower, meanPower } from '../../src/media/dsp/goertzel.js';
import { dbfsToAmplitude, writeSine } from '../../src/media/dsp/tone.js';
import { WavReader } from '../../src/media/wav/wav-reader.js';
import type { SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { SqliteTenantStore } from '../../src/store/tenant-store.js';
import { memoryLogger } from '../../src/util/logger.js';
import { tenantYaml } from '../support/pbx-process.js';
import { freePort } from '../support/ports.js';
import { UdpPhone } from '../support/udp-phone.js';

let dir: string;
let server: PbxServer;
let port: number;
let api: string;
const ADMIN = 'recording-test-admin-token-0123456789abcdef';
const logger = memoryLogger('info');
const phones: UdpPhone[] = [];
/** Calls whose CDR a test already looked at. */
const seenCalls = new Set<string>();
const ACME = { id: 'acme', domains: ['acme.example'], extensions: ['1001', '1002', '1003'].map((e) => ({ ext: e, password: `acme-${e}-secret` })) };
const GLOBEX = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '2001', password: 'globex-2001-secret' }] };

async function call(method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${api}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

async function json(method: string, path: string, token: string, body?: unknown): Promise<any> {
  const r = await call(method, path, token, body);
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function token(body: Record<string, string>): Promise<string> {
  return (await json('POST', '/tokens', ADMIN, body)).token as string;
}

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-recording-'));
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
  server = await PbxServer.start(join(dir, 'pbx.yaml'), { logger, env: {} });
  await json('POST', '/tenants/acme/take-over', ADMIN, {});
  await json('PATCH', '/tenants/acme', ADMIN, { features: { recording: true } });
  await json('PATCH', '/tenants/globex', ADMIN, { features: { recording: true } });
  await json('PUT', '/tenants/acme/recording-policy', ADMIN, { mode: 'always' });
});

test.after(async () => {
  for (const p of phones) p.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function phone(user: string): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user, domain: 'acme.example', password: `acme-${user}-secret`, server: { host: '127.0.0.1', port } });
  phones.push(p);
  return p;
}

function sdpPort(m: SipResponse | SipRequest): number {
  return Number(/m=audio (\d+)/.exec(m.body.toString())?.[1]);
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A phone's tone as PCMU RTP, one packet every 20 ms of wall time. */
async function sendTone(p: UdpPhone, to: number, frequency: number, frames: number, ssrc: number): Promise<void> {
  const pcm = new Int16Array(160);
  let phase = 0;
  const start = performance.now();
  for (let i = 0; i < frames; i++) {
    const wait = start + i * 20 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    phase = writeSine(pcm, { sampleRate: 8000, frequency, amplitude: dbfsToAmplitude(-12), phase });
    const pkt = Buffer.alloc(172);
    pkt[0] = 0x80;
    pkt[1] = i === 0 ? 0x80 : 0;
    pkt.writeUInt16BE(i, 2);
    pkt.writeUInt32BE(i * 160, 4);
    pkt.writeUInt32BE(ssrc, 8);
    ulawEncodeInto(pcm, pkt.subarray(12));
    p.rtp.send(pkt, to, '127.0.0.1');
  }
}

function cdrOf(tenant: string, pick: (c: { toExt?: string; fromExt?: string; disposition: string; callId?: string }) => boolean) {
  const s = SqliteTenantStore.open(join(dir, 'data'), tenant);
  try {
    return s.listCdrs({ newestFirst: true }).find(pick);
  } finally {
    s.close();
  }
}

function recordingRow(id: string) {
  const s = SqliteTenantStore.open(join(dir, 'data'), 'acme');
  try {
    return s.recordings.get(id);
  } finally {
    s.close();
  }
}

/** One answered call 1001 → callee; each side sends its tone for `seconds`; the caller hangs up. */
async function toneCall(callee: string, seconds: number, beforeCall?: () => Promise<void>): Promise<{ callMs: number; callId: string; recordingId?: string }> {
  const a = await phone('1001');
  const b = await phone(callee);
  assert.is(await b.register(), 200);
  await beforeCall?.();
  const res = await a.call(callee);
  assert.is(res.status, 200, `got ${res.status} ${res.reason}`);
  const answered = performance.now();
  const invite = (await b.next((m) => m.kind === 'request' && m.method === 'INVITE')) as SipRequest;
  const frames = seconds * 50;
  await Promise.all([sendTone(a, sdpPort(res), 1000, frames, 0x1001), sendTone(b, sdpPort(invite), 600, frames, 0x1002)]);
  await new Promise((r) => setTimeout(r, 100));
  assert.is((await a.inDialog('BYE')).status, 200, 'the call completes');
  const callMs = performance.now() - answered;
  const fresh = (c: { toExt?: string; disposition: string; callId?: string }) => c.toExt === callee && c.disposition === 'answered' && !seenCalls.has(c.callId!);
  await until(() => cdrOf('acme', fresh) !== undefined);
  const cdr = cdrOf('acme', fresh) as { callId: string; recordingId?: string };
  seenCalls.add(cdr.callId);
  await b.register(0);
  a.close();
  b.close();
  return { callMs, callId: cdr.callId, ...(cdr.recordingId ? { recordingId: cdr.recordingId } : {}) };
}

function share(pcm: Int16Array, frequency: number, skip: number): number {
  const n = pcm.length - skip;
  return goertzelPower(pcm, 8000, frequency, skip, n) / meanPower(pcm, skip, n);
}

let recorded: { callId: string; recordingId: string; path: string };

test('policy always: the call is recorded, as long as the call (±0.5 s), caller left and callee right', async () => {
  const r = await toneCall('1002', 3);
  assert.ok(r.recordingId, 'the CDR links the recording');
  const row = recordingRow(r.recordingId!)!;
  assert.is(row.status, 'done');
  assert.is(row.reason, 'hangup');
  assert.is(row.callId, r.callId);
  assert.is(row.fromExt, '1001');
  assert.is(row.toExt, '1002');
  const d = new Date(row.startedAt);
  const path = join(dir, 'data', 'tenants', 'acme', 'recordings', String(d.getUTCFullYear()), String(d.getUTCMonth() + 1).padStart(2, '0'), `${r.recordingId}.wav`);
  assert.is(row.file, join('recordings', String(d.getUTCFullYear()), String(d.getUTCMonth() + 1).padStart(2, '0'), `${r.recordingId}.wav`));
  const w = WavReader.open(path, { allowStereo: true });
  const all = new Int16Array(w.info.frames * 2);
  w.readPcm16(all);
  w.close();
  assert.is(w.info.channels, 2);
  assert.is(w.info.sampleRate, 8000);
  assert.ok(Math.abs(w.info.durationMs - r.callMs) <= 500, `recording ${w.info.durationMs} ms, call ${r.callMs.toFixed(0)} ms`);
  assert.is(row.durationMs, w.info.durationMs);
  const left = all.filter((_, i) => i % 2 === 0);
  const right = all.filter((_, i) => i % 2 === 1);
  const l1000 = share(left, 1000, 1600);
  const r600 = share(right, 600, 1600);
  assert.ok(l1000 > 0.5, `caller's 1 kHz on the left: ${l1000.toFixed(3)}`);
  assert.ok(share(left, 600, 1600) < 0.05, "callee's 600 Hz not on the left");
  assert.ok(r600 > 0.5, `callee's 600 Hz on the right: ${r600.toFixed(3)}`);
  assert.ok(share(right, 1000, 1600) < 0.05, "caller's 1 kHz not on the right");
  recorded = { callId: r.callId, recordingId: r.recordingId!, path };
});

test('API: the CDR answer carries recordingId; list, download (whole and Range), meta', async () => {
  const cdrs = await json('GET', '/tenants/acme/cdrs', ADMIN);
  assert.is(cdrs.items.find((c: any) => c.callId === recorded.callId).recordingId, recorded.recordingId);
  const list = await json('GET', '/tenants/acme/recordings', ADMIN);
  assert.ok(list.items.some((x: any) => x.id === recorded.recordingId && x.callId === recorded.callId));
  assert.not.ok('file' in list.items[0], 'the server path is not shown');
  const filtered = await json('GET', `/tenants/acme/recordings?ext=1003`, ADMIN);
  assert.is(filtered.items.length, 0);
  const dl = await call('GET', `/tenants/acme/recordings/${recorded.recordingId}`, ADMIN);
  assert.is(dl.status, 200);
  assert.is(dl.headers.get('content-type'), 'audio/wav');
  const body = Buffer.from(await dl.arrayBuffer());
  assert.is(Number(dl.headers.get('content-length')), body.length);
  assert.is(body.subarray(0, 4).toString(), 'RIFF');
  assert.is(body.subarray(8, 12).toString(), 'WAVE');
  const part = await call('GET', `/tenants/acme/recordings/${recorded.recordingId}`, ADMIN, undefined, { range: 'bytes=0-43' });
  assert.is(part.status, 206);
  assert.is(part.headers.get('content-range'), `bytes 0-43/${body.length}`);
  assert.ok(Buffer.from(await part.arrayBuffer()).equals(body.subarray(0, 44)));
  const bad = await call('GET', `/tenants/acme/recordings/${recorded.recordingId}`, ADMIN, undefined, { range: `bytes=${body.length + 10}-` });
  assert.is(bad.status, 416);
  const meta = await json('GET', `/tenants/acme/recordings/${recorded.recordingId}/meta`, ADMIN);
  assert.is(meta.reason, 'hangup');
});

test("isolation: another tenant's admin gets 404 for list, download, delete; a user token sees only its own calls", async () => {
  const globexAdmin = await token({ role: 'tenant-admin', tenantId: 'globex' });
  assert.is((await call('GET', '/tenants/acme/recordings', globexAdmin)).status, 404);
  assert.is((await call('GET', `/tenants/acme/recordings/${recorded.recordingId}`, globexAdmin)).status, 404);
  assert.is((await call('DELETE', `/tenants/acme/recordings/${recorded.recordingId}`, globexAdmin)).status, 404);
  // Through its own tenant's path, acme's recording id is just as missing.
  const own = await call('GET', `/tenants/globex/recordings/${recorded.recordingId}`, globexAdmin);
  assert.is(own.status, 404);
  assert.is((await call('DELETE', `/tenants/globex/recordings/${recorded.recordingId}`, globexAdmin)).status, 404);
  assert.equal((await json('GET', '/tenants/globex/recordings', globexAdmin)).items, []);
  assert.ok(existsSync(recorded.path), 'nothing was deleted');

  const user1001 = await token({ role: 'user', tenantId: 'acme', ext: '1001' });
  const user1003 = await token({ role: 'user', tenantId: 'acme', ext: '1003' });
  assert.ok((await json('GET', '/tenants/acme/extensions/1001/recordings', user1001)).items.some((x: any) => x.id === recorded.recordingId));
  const mine = await call('GET', `/tenants/acme/extensions/1001/recordings/${recorded.recordingId}`, user1001);
  assert.is(mine.status, 200);
  assert.is(Buffer.from(await mine.arrayBuffer()).subarray(0, 4).toString(), 'RIFF');
  assert.is((await call('GET', '/tenants/acme/recordings', user1001)).status, 403, "the tenant's whole list is for admins");
  assert.is((await call('GET', `/tenants/acme/recordings/${recorded.recordingId}`, user1001)).status, 403);
  assert.equal((await json('GET', '/tenants/acme/extensions/1003/recordings', user1003)).items, [], '1003 was not on the call');
  assert.equal((await json('GET', '/tenants/acme/extensions/1003/recordings?ext=1001', user1003)).items, []);
  assert.is((await call('GET', '/tenants/acme/extensions/1001/recordings', user1003)).status, 404, "another extension's list");
  assert.is((await call('GET', `/tenants/acme/extensions/1001/recordings/${recorded.recordingId}`, user1003)).status, 404);
  assert.is((await call('GET', `/tenants/acme/extensions/1003/recordings/${recorded.recordingId}`, user1003)).status, 404, 'not a recording of its calls');
  assert.is((await call('GET', `/tenants/acme/extensions/1001/recordings/${recorded.recordingId}`, globexAdmin)).status, 404);
  assert.is((await call('DELETE', `/tenants/acme/recordings/${recorded.recordingId}`, user1001)).status, 403, 'users do not delete');
});

test('API: delete removes the file and the row; the CDR loses its link; then 404', async () => {
  assert.is((await call('DELETE', `/tenants/acme/recordings/${recorded.recordingId}`, ADMIN)).status, 204);
  assert.not.ok(existsSync(recorded.path));
  assert.is(recordingRow(recorded.recordingId), undefined);
  const cdrs = await json('GET', '/tenants/acme/cdrs', ADMIN);
  assert.is(cdrs.items.find((c: any) => c.callId === recorded.callId).recordingId, undefined);
  assert.is((await call('GET', `/tenants/acme/recordings/${recorded.recordingId}`, ADMIN)).status, 404);
  assert.is((await call('DELETE', `/tenants/acme/recordings/${recorded.recordingId}`, ADMIN)).status, 404);
});

/** Sets limits.storageMB and a filler file so that about `leftBytes` remain in the tenant's folder. */
async function leaveRoom(leftBytes: number): Promise<void> {
  const folder = join(dir, 'data', 'tenants', 'acme');
  rmSync(join(folder, 'filler.bin'), { force: true });
  const used = folderBytes(folder);
  const mb = Math.ceil((used + 300_000) / 1048576);
  await json('PATCH', '/tenants/acme', ADMIN, { limits: { storageMB: mb } });
  writeFileSync(join(folder, 'filler.bin'), Buffer.alloc(Math.max(0, mb * 1048576 - used - leftBytes)));
}

test('storage full: the recording is refused with a log line, the call goes on and completes', async () => {
  let r: Awaited<ReturnType<typeof toneCall>>;
  try {
    r = await toneCall('1003', 1, () => leaveRoom(-50_000));
  } finally {
    rmSync(join(dir, 'data', 'tenants', 'acme', 'filler.bin'), { force: true });
    await json('PATCH', '/tenants/acme', ADMIN, { limits: { storageMB: null } });
  }
  assert.is(r.recordingId, undefined, 'no recording');
  assert.ok(logger.lines.some((l) => l.includes('recording refused') && l.includes('storage full')), 'a log line says why');
  const m = await (await fetch(`${api}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
  assert.match(m, /pbx_recording_events_total\{event="refused-quota"\} [1-9]/);
});

test('storage limit reached mid-call: the recording stops (reason quota, a valid WAV), the call goes on and completes', async () => {
  // About 130 kB left once the phone is registered: the call's own rows take some, the
  // rest is 2-4 s of two-channel 8 kHz audio, in a 6 s call.
  let r: Awaited<ReturnType<typeof toneCall>>;
  try {
    r = await toneCall('1002', 6, () => leaveRoom(130_000));
  } finally {
    rmSync(join(dir, 'data', 'tenants', 'acme', 'filler.bin'), { force: true });
    await json('PATCH', '/tenants/acme', ADMIN, { limits: { storageMB: null } });
  }
  assert.ok(r.recordingId, logger.lines.filter((l) => l.includes('recording')).slice(-5).join('\n'));
  const row = recordingRow(r.recordingId!)!;
  assert.is(row.reason, 'quota');
  assert.ok(row.durationMs < r.callMs - 1000, `stopped early: ${row.durationMs} ms of a ${r.callMs.toFixed(0)} ms call`);
  assert.ok(row.durationMs > 0);
  const d = new Date(row.startedAt);
  const w = WavReader.open(join(dir, 'data', 'tenants', 'acme', row.file), { allowStereo: true });
  assert.is(w.info.durationMs, row.durationMs, 'the file is a valid WAV of what was written');
  w.close();
  assert.ok(d.getTime() > 0);
  assert.ok(logger.lines.some((l) => l.includes('storage quota reached')));
});

test('on-demand through the API: start and stop a live call; refused for a call of another tenant (404)', async () => {
  await json('PUT', '/tenants/acme/recording-policy', ADMIN, { mode: 'on-demand' });
  const a = await phone('1001');
  const b = await phone('1002');
  assert.is(await b.register(), 200);
  const res = await a.call('1002');
  assert.is(res.status, 200);
  const invite = (await b.next((m) => m.kind === 'request' && m.method === 'INVITE')) as SipRequest;
  const live = await json('GET', '/tenants/acme/calls', ADMIN);
  const callId = live.items?.[0]?.callId ?? live[0]?.callId;
  assert.ok(callId, `a live call: ${JSON.stringify(live)}`);
  const globexAdmin = await token({ role: 'tenant-admin', tenantId: 'globex' });
  assert.is((await call('POST', `/tenants/acme/calls/${callId}/recording`, globexAdmin, { action: 'start' })).status, 404);
  assert.is((await call('POST', `/tenants/globex/calls/${callId}/recording`, globexAdmin, { action: 'start' })).status, 404);
  const tone = Promise.all([sendTone(a, sdpPort(res), 1000, 100, 0x2001), sendTone(b, sdpPort(invite), 600, 100, 0x2002)]);
  const started = await json('POST', `/tenants/acme/calls/${callId}/recording`, ADMIN, { action: 'start' });
  assert.is(started.recordingId, callId);
  assert.is((await call('POST', `/tenants/acme/calls/${callId}/recording`, ADMIN, { action: 'start' })).status, 409, 'already recording');
  await new Promise((r) => setTimeout(r, 1000));
  const stopped = await json('POST', `/tenants/acme/calls/${callId}/recording`, ADMIN, { action: 'stop' });
  assert.is(stopped.recordingId, callId);
  await tone;
  assert.is((await a.inDialog('BYE')).status, 200);
  const row = recordingRow(callId)!;
  assert.is(row.reason, 'stopped');
  assert.ok(row.durationMs >= 800 && row.durationMs <= 1500, `about a second: ${row.durationMs}`);
  await b.register(0);
  await json('PUT', '/tenants/acme/recording-policy', ADMIN, { mode: 'always' });
});

test('policy never for both extensions: no recording; feature flag off: never', async () => {
  await json('PUT', '/tenants/acme/extensions/1001/recording', ADMIN, { mode: 'never' });
  await json('PUT', '/tenants/acme/extensions/1003/recording', ADMIN, { mode: 'never' });
  await json('PUT', '/tenants/acme/recording-policy', ADMIN, { mode: 'never' });
  assert.is((await toneCall('1003', 1)).recordingId, undefined);
  // One side always: recorded.
  await json('PUT', '/tenants/acme/extensions/1003/recording', ADMIN, { mode: 'always' });
  assert.ok((await toneCall('1003', 1)).recordingId, logger.lines.filter((l) => l.includes('recording')).slice(-5).join('\n'));
  await json('PATCH', '/tenants/acme', ADMIN, { features: { recording: false } });
  assert.is((await toneCall('1003', 1)).recordingId, undefined, 'the provider turned the feature off');
  const bad = await call('PUT', '/tenants/acme/recording-policy', ADMIN, { mode: 'sometimes' });
  assert.is(bad.status, 422);
});

test.run();
