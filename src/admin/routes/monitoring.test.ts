import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePrometheus, sampleValue, strictProblems } from '../../../test/support/prom-parse.js';
import { MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from '../../util/metrics.js';
import { monitoringRoutes, type MonitoringDeps, type MonitoringSnapshot, type ReadinessCheck } from './monitoring.js';

function snapshot(): MonitoringSnapshot {
  return {
    tenants: ['acme', 'globex'],
    activeCalls: { acme: 2 },
    registrations: { acme: 3, globex: 1 },
    trunks: [{ trunk: 'carrier', registered: true }, { tenant: 'acme', trunk: 'own "trunk"', registered: false }],
    sip: { serverTransactions: 4, clientTransactions: 5, connections: 6, messagesReceived: 100, messagesSent: 90, sendErrors: 0, parseErrors: 1, rejectedMessages: 1, droppedMessages: 2, rejectedConnections: 0, bannedSources: 1, bansTotal: 2, throttledTotal: 7, openTenantStores: 2 },
    media: [
      { worker: 0, up: true, sessions: 2, portsInUse: 8, portsFree: 92, packetsRelayed: 1000, bytesRelayed: 172000, packetsDropped: 3, srtpAuthFailed: 7, srtpReplayed: 2, loopUtilization: 0.01, cpuSeconds: 0.5, framesPaced: 5000, framesLate: 4 },
      { worker: 1, up: false },
    ],
  };
}

function routes(over: Partial<MonitoringDeps> = {}, counters = new MetricsRegistry()) {
  const rs = monitoringRoutes({ snapshot, readiness: () => [{ name: 'sip-listeners', ok: true }], counters, ...over });
  const by = (path: string) => rs.find((r) => r.path === path)!;
  return { rs, by, counters };
}

test('/metrics: STUN and OPTIONS keep-alive counters when reported, none when not', async () => {
  const withKeepalive = () => {
    const s = snapshot();
    return { ...s, sip: { ...s.sip, stunAnswered: 5, stunDropped: 2, keepalive: { sent: 10, answered: 8, missed: 2, dropped: 1 } } };
  };
  const text = (await routes({ snapshot: withKeepalive }).by('/metrics').handler()).text!;
  assert.equal(strictProblems(text), []);
  const fams = parsePrometheus(text);
  assert.is(sampleValue(fams, 'pbx_sip_stun_answered_total', {}), 5);
  assert.is(sampleValue(fams, 'pbx_sip_stun_dropped_total', {}), 2);
  assert.is(sampleValue(fams, 'pbx_sip_keepalive_options_total', { outcome: 'missed' }), 2);
  assert.is(sampleValue(fams, 'pbx_sip_keepalive_options_total', { outcome: 'dropped' }), 1);
  const plain = (await routes().by('/metrics').handler()).text!;
  assert.not.ok(plain.includes('pbx_sip_stun_') || plain.includes('pbx_sip_keepalive_'));
});

test('three raw GET routes: /metrics for the provider, /healthz and /readyz open', () => {
  const { rs } = routes();
  assert.equal(
    rs.map((r) => [r.method, r.path, r.auth]),
    [
      ['GET', '/metrics', 'provider'],
      ['GET', '/healthz', 'none'],
      ['GET', '/readyz', 'none'],
    ],
  );
});

test('/metrics parses with a Prometheus text-format parser and carries the tenant labels', async () => {
  const counters = new MetricsRegistry();
  const attempts = counters.counter('pbx_call_attempts_total', 'attempts', ['tenant', 'result']);
  const auth = counters.counter('pbx_auth_failures_total', 'auth', ['tenant']);
  attempts.inc({ tenant: 'acme', result: 'answered' });
  attempts.inc({ tenant: 'gone-tenant', result: 'failed' });
  auth.inc({ tenant: '_unknown' });
  const { by } = routes({}, counters);
  const res = await by('/metrics').handler();
  assert.is(res.status, 200);
  assert.is(res.contentType, PROMETHEUS_CONTENT_TYPE);
  const text = res.text!;
  assert.equal(strictProblems(text), []);
  const fams = parsePrometheus(text);
  assert.is(sampleValue(fams, 'pbx_active_calls', { tenant: 'acme' }), 2);
  assert.is(sampleValue(fams, 'pbx_active_calls', { tenant: 'globex' }), 0);
  assert.is(sampleValue(fams, 'pbx_registrations', { tenant: 'acme' }), 3);
  assert.is(sampleValue(fams, 'pbx_call_attempts_total', { tenant: 'acme', result: 'answered' }), 1);
  assert.is(sampleValue(fams, 'pbx_auth_failures_total', { tenant: '_unknown' }), 1);
  assert.is(sampleValue(fams, 'pbx_trunk_registered', { tenant: '_provider', trunk: 'carrier' }), 1);
  assert.is(sampleValue(fams, 'pbx_trunk_registered', { tenant: 'acme', trunk: 'own "trunk"' }), 0);
  assert.is(sampleValue(fams, 'pbx_sip_transactions', { kind: 'server' }), 4);
  assert.is(sampleValue(fams, 'pbx_media_worker_up', { worker: '0' }), 1);
  assert.is(sampleValue(fams, 'pbx_media_worker_up', { worker: '1' }), 0);
  assert.is(sampleValue(fams, 'pbx_media_worker_packets_relayed_total', { worker: '0' }), 1000);
  assert.is(sampleValue(fams, 'pbx_media_worker_packets_dropped_total', { worker: '0' }), 3);
  assert.is(sampleValue(fams, 'pbx_media_worker_srtp_auth_failed_total', { worker: '0' }), 7);
  assert.is(sampleValue(fams, 'pbx_media_worker_srtp_replayed_total', { worker: '0' }), 2);
  assert.is(sampleValue(fams, 'pbx_media_worker_frames_paced_total', { worker: '0' }), 5000);
  assert.is(sampleValue(fams, 'pbx_media_worker_frames_late_total', { worker: '0' }), 4);
  assert.is(sampleValue(fams, 'pbx_media_worker_sessions', { worker: '1' }), undefined, 'no load from a silent worker');
  for (const n of ['process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'process_uptime_seconds', 'nodejs_eventloop_utilization', 'nodejs_eventloop_lag_seconds', 'process_cpu_seconds_total']) {
    assert.ok((sampleValue(fams, n) ?? -1) >= 0, n);
  }
  if (process.platform === 'linux') assert.ok(sampleValue(fams, 'process_open_fds')! > 0);
  const types = Object.fromEntries(fams.map((f) => [f.name, f.type]));
  assert.is(types.pbx_call_attempts_total, 'COUNTER');
  assert.is(types.pbx_active_calls, 'GAUGE');
  // A second scrape gives the same families: nothing is defined twice.
  const again = (await by('/metrics').handler()).text!;
  assert.equal(strictProblems(again), []);
  assert.equal(parsePrometheus(again).map((f) => f.name), fams.map((f) => f.name));
});

test('/metrics: counters of a tenant that is no longer known count as _other from then on', async () => {
  const counters = new MetricsRegistry();
  const auth = counters.counter('pbx_auth_failures_total', 'auth', ['tenant']);
  const { by } = routes({}, counters);
  await by('/metrics').handler();
  auth.inc({ tenant: 'not-a-tenant' });
  const fams = parsePrometheus((await by('/metrics').handler()).text!);
  assert.is(sampleValue(fams, 'pbx_auth_failures_total', { tenant: '_other' }), 1);
  assert.is(sampleValue(fams, 'pbx_auth_failures_total', { tenant: 'not-a-tenant' }), undefined);
});

test('/healthz answers 200 while the process runs', async () => {
  const res = await routes().by('/healthz').handler();
  assert.is(res.status, 200);
  assert.is((res.body as { status: string }).status, 'ok');
});

test('/readyz: 200 when every check passes, 503 with the failing names otherwise', async () => {
  const ok = await routes().by('/readyz').handler();
  assert.is(ok.status, 200);
  assert.equal(ok.body, { status: 'ready', checks: { 'sip-listeners': 'ok' } });
  const checks: ReadinessCheck[] = [
    { name: 'sip-listeners', ok: true },
    { name: 'media-workers', ok: false, detail: 'workers not ready: 1' },
    { name: 'system-store', ok: false },
  ];
  const bad = await routes({ readiness: () => checks }).by('/readyz').handler();
  assert.is(bad.status, 503);
  assert.equal((bad.body as { failing: string[] }).failing, ['media-workers', 'system-store']);
  assert.equal((bad.body as { checks: Record<string, string> }).checks['media-workers'], 'workers not ready: 1');
});

test('/readyz: a check that throws or hangs is a 503, in bounded time', async () => {
  const thrown = await routes({ readiness: () => { throw new Error('disk gone'); } }).by('/readyz').handler();
  assert.is(thrown.status, 503);
  assert.equal((thrown.body as { failing: string[] }).failing, ['readiness']);
  const started = Date.now();
  const hung = await routes({ readiness: () => new Promise<never>(() => {}), readinessTimeoutMs: 50 }).by('/readyz').handler();
  assert.is(hung.status, 503);
  assert.equal((hung.body as { failing: string[] }).failing, ['timeout']);
  assert.ok(Date.now() - started < 2000);
});

test.run();
