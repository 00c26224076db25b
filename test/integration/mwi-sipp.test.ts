// MWI with SIPp (a SIP implementation nobody here wrote) against the real server: subscribe,
// NOTIFY with the counts, unsubscribe in the dialog; 423 below minExpires and 489 for an event
// package the server does not serve. Counts come from the server's in-memory MailboxCounts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryMailboxCounts } from '../../src/events/mailbox-counts.js';
import { silentLogger } from '../../src/util/logger.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import { freePort } from '../support/ports.js';
import { credentials, runSipp } from '../support/sipp.js';
import { requireTools } from '../support/tools.js';

const haveSipp = requireTools('MWI with SIPp', 'sipp');
let pbx: InProcessPbx;

test.before(async () => {
  if (!haveSipp) return;
  const boxes = new InMemoryMailboxCounts();
  boxes.set('acme', '1001', { new: 3, old: 1 });
  pbx = await InProcessPbx.start({ name: 'mwi-sipp', logger: silentLogger, mailboxCounts: boxes, tenants: [{ id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret' }] }] });
});

test.after(async () => {
  await pbx?.stop();
});

test('SIPp subscribes, gets the NOTIFY with 3/1, unsubscribes and gets terminated', async () => {
  if (!haveSipp) return;
  const r = await runSipp({ scenario: 'subscribe-mwi.xml', remote: `127.0.0.1:${pbx.port}`, localPort: await freePort(), inject: [credentials('1001', 'acme.example', 'acme-1001-secret')] });
  assert.is(r.successful, 1, r.output);
  assert.is(r.failed, 0, r.output);
  assert.is(pbx.server.events.subscriptions.size, 0, 'nothing left behind');
});

test('SIPp: Expires below the minimum gets 423 with Min-Expires 60; an unknown package 489 with Allow-Events', async () => {
  if (!haveSipp) return;
  const r = await runSipp({ scenario: 'subscribe-refused.xml', remote: `127.0.0.1:${pbx.port}`, localPort: await freePort(), inject: [credentials('1001', 'acme.example', 'acme-1001-secret')] });
  assert.is(r.successful, 1, r.output);
  assert.is(pbx.server.events.subscriptions.size, 0);
});

test.run();
