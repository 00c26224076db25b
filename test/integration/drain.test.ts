// A graceful stop with a call up (SIGTERM, calls.drainSeconds): the admin API stays open
// through the drain, so a load balancer or Kubernetes reads /readyz 503 (not a refused
// connection) and /healthz 200; the API closes only when the drain is over.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess } from '../support/pbx-process.js';
import { UdpPhone } from '../support/udp-phone.js';

let pbx: PbxProcess;
const phones: UdpPhone[] = [];

test.before(async () => {
  pbx = await PbxProcess.start({
    transports: ['udp'],
    extraYaml: ['security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }', 'registrar: { writeDelayMs: 0 }', 'calls: { drainSeconds: 20 }'].join('\n'),
    tenants: [{ id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret' }, { ext: '1002', password: 'acme-1002-secret' }] }],
  });
});

test.after(async () => {
  for (const p of phones) p.close();
  await pbx?.dispose();
});

const base = () => `http://127.0.0.1:${pbx.apiPort}`;

async function phone(user: string): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user, domain: 'acme.example', password: `acme-${user}-secret`, server: { host: '127.0.0.1', port: pbx.ports.udp } });
  phones.push(p);
  return p;
}

test('during the drain /readyz answers 503 and /healthz 200 while the call is up; the API closes when the drain ends', async () => {
  const caller = await phone('1001');
  const callee = await phone('1002');
  assert.is(await callee.register(), 200);
  assert.is((await fetch(`${base()}/readyz`)).status, 200, 'ready before the stop');
  assert.is((await caller.call('1002')).status, 200);

  const from = pbx.logs.length;
  pbx.signal('SIGTERM');
  await pbx.waitForLog(/stopping/, 10_000, from);

  const ready = await fetch(`${base()}/readyz`);
  assert.is(ready.status, 503, 'not ready: the server is draining');
  const body = (await ready.json()) as { failing: string[] };
  assert.ok(body.failing.includes('not-stopping'), JSON.stringify(body));
  assert.is((await fetch(`${base()}/healthz`)).status, 200, 'alive');
  assert.ok(pbx.running, 'still running: the drain waits for the call');

  // The call was still up: its BYE is answered, and the drain ends with it.
  assert.is((await caller.inDialog('BYE')).status, 200);
  await pbx.waitForLog(/stopped/, 15_000, from);
  for (let i = 0; i < 100 && pbx.running; i++) await new Promise((r) => setTimeout(r, 50));
  assert.not.ok(pbx.running, 'the process exits after the drain');
  let refused = false;
  try {
    await fetch(`${base()}/readyz`);
  } catch {
    refused = true;
  }
  assert.ok(refused, 'the API is closed once the process is gone');
});

test.run();
