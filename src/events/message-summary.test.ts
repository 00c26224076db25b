import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TenantContext } from '../tenant/tenant-context.js';
import { InMemoryMailboxCounts } from './mailbox-counts.js';
import { messageSummaryBody, MessageSummaryPackage } from './message-summary.js';

const tenant = (id: string) => ({ id, domains: [`${id}.example`] }) as unknown as TenantContext;

test('RFC 3842 §5.2 body: waiting flag, account and counts with urgent ones', () => {
  assert.is(messageSummaryBody({ new: 2, old: 8, urgentNew: 0, urgentOld: 2 }, 'sip:1001@acme.example'), 'Messages-Waiting: yes\r\nMessage-Account: sip:1001@acme.example\r\nVoice-Message: 2/8 (0/2)\r\n');
  assert.is(messageSummaryBody({ new: 0, old: 3 }), 'Messages-Waiting: no\r\nVoice-Message: 0/3 (0/0)\r\n');
});

test('own box yes, a shared box only for its members, a missing box 404', () => {
  const boxes = new InMemoryMailboxCounts();
  boxes.set('acme', '1001', { new: 1, old: 0 });
  boxes.set('acme', 'sales', { new: 0, old: 0 }, ['1002']);
  const p = new MessageSummaryPackage(boxes);
  assert.equal(p.access(tenant('acme'), '1001', '1001'), { ok: true, resource: '1001' });
  assert.equal(p.access(tenant('acme'), '1002', 'sales'), { ok: true, resource: 'sales' });
  assert.is((p.access(tenant('acme'), '1001', 'sales') as { status: number }).status, 403);
  assert.is((p.access(tenant('acme'), '1002', '1001') as { status: number }).status, 403);
  assert.is((p.access(tenant('acme'), '1001', '9999') as { status: number }).status, 404);
});

test('a box of the same name in another tenant is never read', () => {
  const boxes = new InMemoryMailboxCounts();
  boxes.set('globex', '1001', { new: 5, old: 5 });
  const p = new MessageSummaryPackage(boxes);
  assert.is((p.access(tenant('acme'), '1001', '1001') as { status: number }).status, 404);
  assert.is(p.state(tenant('acme'), '1001'), undefined);
  assert.match(p.state(tenant('globex'), '1001')!.body, 'Voice-Message: 5/5');
});

test.run();
