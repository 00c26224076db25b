// GET /metrics, /healthz and /readyz of the real server (`pbx serve` in a child process),
// over HTTP on api.listen, after a phone registered and another failed its digest.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess } from '../support/pbx-process.js';
import { parsePrometheus, sampleValue, strictProblems } from '../support/prom-parse.js';
import { UdpPhone } from '../support/udp-phone.js';

const TOKEN = 'monitoring-test-admin-token';
let pbx: PbxProcess;
const phones: UdpPhone[] = [];

test.before(async () => {
  pbx = await PbxProcess.start({
    transports: ['udp'],
    adminToken: TOKEN,
    extraYaml: 'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }\nregistrar: { writeDelayMs: 0 }',
    tenants: [
      { id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret' }] },
      { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret' }] },
    ],
  });
});

test.after(async () => {
  for (const p of phones) p.close();
  await pbx?.dispose();
});

const base = () => `http://127.0.0.1:${pbx.apiPort}`;

test('the metrics of a running server: tenant-labelled registrations and auth failures, parsed by a Prometheus parser', async () => {
  const good = await UdpPhone.open({ user: '1001', domain: 'acme.example', password: 'acme-1001-secret', server: { host: '127.0.0.1', port: pbx.ports.udp } });
  const bad = await UdpPhone.open({ user: '1001', domain: 'globex.example', password: 'wrong-password', server: { host: '127.0.0.1', port: pbx.ports.udp } });
  phones.push(good, bad);
  assert.is(await good.register(), 200);
  assert.is(await bad.register(), 403);

  assert.is((await fetch(`${base()}/metrics`)).status, 401, 'a scrape needs a token');
  const res = await fetch(`${base()}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.is(res.status, 200);
  const text = await res.text();
  assert.equal(strictProblems(text), []);
  const fams = parsePrometheus(text);
  assert.is(sampleValue(fams, 'pbx_registrations', { tenant: 'acme' }), 1);
  assert.is(sampleValue(fams, 'pbx_registrations', { tenant: 'globex' }), 0);
  assert.is(sampleValue(fams, 'pbx_auth_failures_total', { tenant: 'globex' }), 1);
  assert.is(sampleValue(fams, 'pbx_auth_failures_total', { tenant: 'acme' }), undefined);
  assert.is(sampleValue(fams, 'pbx_active_calls', { tenant: 'acme' }), 0);
  assert.ok((sampleValue(fams, 'pbx_media_worker_up', { worker: '0' }) ?? 0) === 1);
  assert.ok((sampleValue(fams, 'process_resident_memory_bytes') ?? 0) > 0);
});

test('/healthz and /readyz answer without a token', async () => {
  assert.is((await fetch(`${base()}/healthz`)).status, 200);
  const ready = await fetch(`${base()}/readyz`);
  const body = (await ready.json()) as { status: string };
  assert.is(ready.status, 200, JSON.stringify(body));
  assert.is(body.status, 'ready');
});

test.run();
