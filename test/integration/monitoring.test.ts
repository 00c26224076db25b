// Monitoring against the real server parts, in-process: real sockets, media workers and
// tenant stores, small SIP phones. /metrics is rendered by the route handler with the
// server's own parts (monitoringDeps) and read back with a Prometheus text-format parser;
// the JSON log lines of a call are checked for their tenant and call ids.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiServer } from '../../src/admin/api-server.js';
import { monitoringRoutes } from '../../src/admin/routes/monitoring.js';
import { monitoringDeps } from '../../src/app/monitoring-deps.js';
import { PbxServer } from '../../src/app/pbx-server.js';
import type { SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { newCallId } from '../../src/util/ids.js';
import { memoryLogger } from '../../src/util/logger.js';
import { tenantYaml } from '../support/pbx-process.js';
import { freePort } from '../support/ports.js';
import { parsePrometheus, sampleValue, strictProblems, type ParsedFamily } from '../support/prom-parse.js';
import { UdpPhone } from '../support/udp-phone.js';

let dir: string;
let server: PbxServer;
let port: number;
const logger = memoryLogger('debug', 'json');
const phones: UdpPhone[] = [];

// These tests check what a caller gets when nobody answers: the extensions have no voicemail box
// (by default every extension has one, and an unanswered call goes there).
const NO_VM = 'voicemail: { enabled: false }';
const ACME = { id: 'acme', domains: ['acme.example'], extensions: ['1001', '1002', '1003'].map((e) => ({ ext: e, password: `acme-${e}-secret`, extraKeys: NO_VM })) };
const GLOBEX = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret' }] };

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-monitoring-'));
  mkdirSync(join(dir, 'tenants'));
  port = await freePort();
  const rtpBase = 40000 + Math.floor(Math.random() * 200) * 100;
  writeFileSync(
    join(dir, 'pbx.yaml'),
    [
      'dataDir: data',
      `sip: { listen: [ "udp://127.0.0.1:${port}" ] }`,
      `rtp: { ports: ${rtpBase}-${rtpBase + 99}, workers: 2 }`,
      'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }',
      'registrar: { writeDelayMs: 0 }',
      'calls: { noAnswerSeconds: 2, drainSeconds: 2 }',
      // Its own API port: the default 8080 may be taken by another server on this machine.
      `api: { listen: "127.0.0.1:${await freePort()}" }`,
    ].join('\n'),
  );
  for (const t of [ACME, GLOBEX]) writeFileSync(join(dir, 'tenants', `${t.id}.yaml`), tenantYaml(t));
  server = await PbxServer.start(join(dir, 'pbx.yaml'), { logger, env: {} });
});

test.after(async () => {
  for (const p of phones) p.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function phone(user: string, domain = 'acme.example', password?: string): Promise<UdpPhone> {
  const tenant = domain.split('.')[0];
  const p = await UdpPhone.open({ user, domain, password: password ?? `${tenant}-${user}-secret`, server: { host: '127.0.0.1', port } });
  phones.push(p);
  return p;
}

function routes() {
  const rs = monitoringRoutes(monitoringDeps(server));
  return (path: string) => rs.find((r) => r.path === path)!;
}

async function scrape(): Promise<ParsedFamily[]> {
  const res = await routes()('/metrics').handler();
  assert.is(res.status, 200);
  assert.equal(strictProblems(res.text!), [], 'the exposition is strictly well-formed');
  return parsePrometheus(res.text!);
}

async function until(check: () => boolean | Promise<boolean>, ms = 4000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const value = (f: ParsedFamily[], name: string, labels: Record<string, string> = {}) => sampleValue(f, name, labels) ?? 0;

test('registrations, auth failures and call attempts show up with the right tenant labels', async () => {
  const before = await scrape();
  const a1 = await phone('1001');
  const a2 = await phone('1002');
  const g1 = await phone('1001', 'globex.example');
  assert.is(await a1.register(), 200);
  assert.is(await a2.register(), 200);
  assert.is(await g1.register(), 200);
  // A wrong password in globex, and credentials for a domain nobody serves.
  const wrong = await phone('1001', 'globex.example', 'not-the-password');
  assert.is(await wrong.register(), 403);
  const nobody = await phone('1001', 'nobody.example');
  assert.is(await nobody.register(), 404, 'no credentials: not an auth failure');
  const raw = nobody as unknown as { buildRegister(callId: string, expires: number, authorization?: string): SipRequest; requestFinal(req: SipRequest): Promise<SipResponse> };
  const guessed = 'Digest username="1001", realm="nobody.example", nonce="abc", uri="sip:nobody.example", response="00000000000000000000000000000000", algorithm=MD5';
  assert.is((await raw.requestFinal(raw.buildRegister(newCallId(), 600, guessed))).status, 404);

  // One answered call in acme, and one refused (1003 is not registered: 480 before it starts).
  const res = await a1.call('1002');
  assert.is(res.status, 200);
  const during = await scrape();
  assert.is(value(during, 'pbx_active_calls', { tenant: 'acme' }), 1);
  assert.is(value(during, 'pbx_active_calls', { tenant: 'globex' }), 0);
  assert.is(value(during, 'pbx_media_worker_sessions', { worker: '0' }) + value(during, 'pbx_media_worker_sessions', { worker: '1' }), 1);
  assert.is((await a1.inDialog('BYE')).status, 200);
  assert.is((await a1.call('1003')).status, 480);

  await until(async () => value(await scrape(), 'pbx_call_attempts_total', { tenant: 'acme', result: 'refused' }) > value(before, 'pbx_call_attempts_total', { tenant: 'acme', result: 'refused' }));
  const after = await scrape();
  const delta = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);
  assert.is(value(after, 'pbx_registrations', { tenant: 'acme' }), 2);
  assert.is(value(after, 'pbx_registrations', { tenant: 'globex' }), 1);
  assert.is(delta('pbx_auth_failures_total', { tenant: 'globex' }), 1);
  assert.is(delta('pbx_auth_failures_total', { tenant: 'acme' }), 0);
  assert.is(delta('pbx_auth_failures_total', { tenant: '_unknown' }), 1, 'credentials for a domain nobody serves');
  assert.is(delta('pbx_call_attempts_total', { tenant: 'acme', result: 'answered' }), 1);
  assert.is(delta('pbx_call_attempts_total', { tenant: 'acme', result: 'refused' }), 1);
  assert.is(value(after, 'pbx_active_calls', { tenant: 'acme' }), 0);
  assert.is(value(after, 'pbx_media_worker_up', { worker: '0' }), 1);
  assert.is(value(after, 'pbx_media_workers'), 2);
  assert.ok(value(after, 'pbx_sip_messages_received_total') > 0);
  assert.ok(value(after, 'process_resident_memory_bytes') > 0);
  // No series names a tenant that does not exist.
  for (const f of after) for (const s of f.metrics) if (s.labels?.tenant !== undefined) assert.ok(['acme', 'globex', '_unknown', '_other', '_provider'].includes(s.labels.tenant), `${f.name} tenant=${s.labels.tenant}`);
});

test('the log lines of a call are JSON and carry its tenant and call id', async () => {
  const from = logger.lines.length;
  const caller = await phone('1001');
  const callee = await phone('1003');
  callee.answer = { kind: 'busy' };
  assert.is(await callee.register(), 200);
  assert.is((await caller.call('1003')).status, 486);
  await until(() => logger.lines.slice(from).some((l) => l.includes('"call ended"')));
  const recs = logger.lines.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const r of recs) {
    assert.type(r.time, 'string');
    assert.type(r.msg, 'string');
  }
  const ended = recs.find((r) => r.msg === 'call ended')!;
  assert.is(ended.tenant, 'acme');
  assert.type(ended.call, 'string');
  assert.is(ended.disposition, 'busy');
  const ofCall = recs.filter((r) => r.call === ended.call);
  assert.ok(ofCall.length >= 2, `several lines of the call: ${ofCall.map((r) => r.msg).join(', ')}`);
  for (const r of ofCall) assert.is(r.tenant, 'acme', `${String(r.msg)} names the tenant`);
  const wrong = await phone('1001', 'acme.example', 'bad');
  assert.is(await wrong.register(), 403);
  await until(() => logger.lines.some((l) => l.includes('"authentication failed"')));
  const failed = logger.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.msg === 'authentication failed' && r.tenant === 'acme');
  assert.ok(failed, 'the auth failure line names the tenant');
});

test('/readyz is 200 with every check passing, /healthz 200', async () => {
  const get = routes();
  const ready = await get('/readyz').handler();
  assert.is(ready.status, 200, JSON.stringify(ready.body));
  assert.equal(Object.keys((ready.body as { checks: object }).checks).sort(), ['media-workers', 'not-stopping', 'sip-listeners', 'system-store']);
  assert.is((await get('/healthz').handler()).status, 200);
});

test('/readyz is 503 naming media-workers while a worker is down', async () => {
  const get = routes();
  const parts = server.monitoringParts();
  parts.media.injectFault(1, 'terminate');
  await until(() => parts.media.workerStates()[1]!.state !== 'ready', 3000).catch(() => undefined);
  const res = await get('/readyz').handler();
  if (res.status === 200) {
    // The worker came back before we asked: it is restarted at once. Nothing more to see.
    return;
  }
  assert.is(res.status, 503);
  assert.ok((res.body as { failing: string[] }).failing.includes('media-workers'), JSON.stringify(res.body));
  await parts.media.workersReady(10_000);
  assert.is((await get('/readyz').handler()).status, 200);
});

test('over HTTP through the API server: /metrics needs a provider token, /healthz and /readyz do not', async () => {
  const api = new ApiServer({
    routes: [],
    rawRoutes: monitoringRoutes(monitoringDeps(server)),
    tokens: { verify: (t) => (t === 'prov-token' ? { role: 'provider', tokenId: 'p' } : t === 'tenant-token' ? { role: 'tenant-admin', tokenId: 't', tenantId: 'acme' } : undefined) },
    logger,
  });
  const { port: apiPort } = await api.listen('127.0.0.1', 0);
  try {
    const url = (p: string) => `http://127.0.0.1:${apiPort}${p}`;
    assert.is((await fetch(url('/metrics'))).status, 401);
    assert.is((await fetch(url('/metrics'), { headers: { authorization: 'Bearer tenant-token' } })).status, 403);
    const ok = await fetch(url('/metrics'), { headers: { authorization: 'Bearer prov-token' } });
    assert.is(ok.status, 200);
    assert.match(ok.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await ok.text();
    assert.equal(strictProblems(text), []);
    const fams = parsePrometheus(text);
    assert.ok(value(fams, 'pbx_registrations', { tenant: 'acme' }) >= 1);
    assert.ok(sampleValue(fams, 'pbx_auth_failures_total', { tenant: 'globex' }) !== undefined);
    assert.is((await fetch(url('/healthz'))).status, 200);
    const ready = await fetch(url('/readyz'));
    assert.is(ready.status, 200, await ready.clone().text());
    assert.equal(((await ready.json()) as { status: string }).status, 'ready');
  } finally {
    await api.close();
  }
});

test.run();
