// BLF with SIPp (a SIP implementation nobody here wrote) against the real server: SIPp watches
// 1002 (Event: dialog) while two scripted phones make a real call 1001 → 1002; the scenario
// checks the dialog-info XML goes idle (version 0) → early → confirmed → idle, then unsubscribes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../src/util/logger.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import { freePort } from '../support/ports.js';
import { credentials, runSipp } from '../support/sipp.js';
import { requireTools } from '../support/tools.js';

const haveSipp = requireTools('BLF with SIPp', 'sipp');
let pbx: InProcessPbx;

test.before(async () => {
  if (!haveSipp) return;
  pbx = await InProcessPbx.start({ name: 'blf-sipp', logger: silentLogger, tenants: [{ id: 'acme', domains: ['acme.example'], extensions: ['1001', '1002', '1003'].map((ext) => ({ ext, password: `acme-${ext}-secret` })) }] });
});

test.after(async () => {
  await pbx?.stop();
});

test('SIPp watches 1002 through a real call: idle → early → confirmed → idle, then unsubscribes', async () => {
  if (!haveSipp) return;
  const caller = await pbx.phone('acme', '1001');
  const callee = await pbx.phone('acme', '1002');
  assert.is(await caller.register(), 200);
  assert.is(await callee.register(), 200);
  callee.answer = { kind: 'answer', ringMs: 1000 };
  const sipp = runSipp({ scenario: 'subscribe-dialog.xml', remote: `127.0.0.1:${pbx.port}`, localPort: await freePort(), inject: [[...credentials('1003', 'acme.example', 'acme-1003-secret'), '1002']], timeoutSeconds: 30 });
  for (let i = 0; i < 100 && pbx.server.events.subscriptions.size === 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.is(pbx.server.events.subscriptions.size, 1, 'SIPp subscribed');
  await new Promise((r) => setTimeout(r, 300));
  assert.is((await caller.call('1002')).status, 200);
  await new Promise((r) => setTimeout(r, 500));
  assert.is((await caller.inDialog('BYE')).status, 200);
  const r = await sipp;
  assert.is(r.successful, 1, r.output);
  assert.is(r.failed, 0, r.output);
  assert.is(pbx.server.events.subscriptions.size, 0, 'nothing left behind');
});

test.run();
