import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeader } from '../sip/message/headers.js';
import { createResponse } from '../sip/message/response.js';
import type { SipRequest, SipResponse } from '../sip/message/types.js';
import { FakeSender } from '../sip/transaction/fake-sender.js';
import { TransactionLayer } from '../sip/transaction/transaction-layer.js';
import type { Inbound } from '../sip/transport/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import { FakeClock } from '../util/fake-clock.js';
import { silentLogger } from '../util/logger.js';
import { InMemoryMailboxCounts } from './mailbox-counts.js';
import { MessageSummaryPackage } from './message-summary.js';
import { parseEvent, SubscriptionManager } from './subscription-manager.js';

const SRC = { protocol: 'udp' as const, address: '192.0.2.10', port: 5062 };

function setup(status: 'active' | 'suspended' = 'active') {
  const clock = new FakeClock(1_000_000);
  const sender = new FakeSender(clock);
  const transactions = new TransactionLayer({ sender, clock });
  const boxes = new InMemoryMailboxCounts();
  boxes.set('acme', '1001', { new: 0, old: 0 });
  const tenants = new Map<string, TenantContext>([['acme', { id: 'acme', status, domains: ['acme.example'], realm: 'acme.example' } as unknown as TenantContext]]);
  const m = new SubscriptionManager({
    clock,
    logger: silentLogger,
    packages: [new MessageSummaryPackage(boxes)],
    policy: () => ({ minExpires: 60, maxExpires: 3600, defaultExpires: 600, ratePerSecond: 0, burst: 1, maxPerTenant: 10 }),
    transactions,
    viaFor: (p) => ({ transport: p, host: '198.51.100.1', port: 5060 }),
    contactFor: () => 'sip:pbx@198.51.100.1:5060',
    tenantById: (id) => tenants.get(id),
  });
  boxes.onChange((tenant, box) => m.changed(tenant, 'message-summary', box));
  let cseq = 1;
  const subscribe = (expires: number, toTag?: string): Inbound => {
    const req: SipRequest = {
      kind: 'request',
      method: 'SUBSCRIBE',
      uri: 'sip:1001@acme.example',
      headers: [
        { name: 'via', value: `SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-s${cseq}` },
        { name: 'from', value: '<sip:1001@acme.example>;tag=sub1' },
        { name: 'to', value: `<sip:1001@acme.example>${toTag ? `;tag=${toTag}` : ''}` },
        { name: 'call-id', value: 'c1' },
        { name: 'cseq', value: `${cseq++} SUBSCRIBE` },
        { name: 'contact', value: '<sip:1001@192.0.2.10:5062>' },
        { name: 'event', value: 'message-summary' },
        { name: 'expires', value: String(expires) },
      ],
      body: Buffer.alloc(0),
    };
    return { message: req, source: SRC, local: { protocol: 'udp', address: '198.51.100.1', port: 5060 }, receivedAt: clock.now() };
  };
  const sent = (kind: 'NOTIFY' | number) => sender.sent.map((s) => s.msg).filter((x) => (kind === 'NOTIFY' ? x.kind === 'request' && x.method === 'NOTIFY' : x.kind === 'response' && x.status === kind));
  const answer = (notify: SipRequest, status: number) => {
    const res = createResponse(notify, status);
    transactions.receiveResponse({ message: res, source: SRC, local: SRC, receivedAt: clock.now() });
  };
  const start = (expires = 600) => {
    const inb = subscribe(expires);
    transactions.matchRequest(inb);
    m.subscribe(inb, inb.message as SipRequest, tenants.get('acme')!, '1001', SRC, '1001');
    return getHeader(sent(200).at(-1) as SipResponse, 'to')!.split('tag=')[1]!;
  };
  return { clock, sender, transactions, boxes, m, subscribe, sent, answer, start, tenants };
}

test('one NOTIFY at a time: changes while one is in flight are folded into one after its answer', () => {
  const t = setup();
  t.start();
  assert.is(t.sent('NOTIFY').length, 1);
  t.boxes.set('acme', '1001', { new: 1, old: 0 });
  t.boxes.set('acme', '1001', { new: 2, old: 0 });
  assert.is(t.sent('NOTIFY').length, 1, 'the first is not answered yet');
  t.answer(t.sent('NOTIFY')[0] as SipRequest, 200);
  const notifies = t.sent('NOTIFY') as SipRequest[];
  assert.is(notifies.length, 2);
  assert.match(notifies[1]!.body.toString(), 'Voice-Message: 2/0');
  assert.is(getHeader(notifies[1]!, 'cseq'), '2 NOTIFY');
});

test('expiry on the injected clock: terminated;reason=timeout, then the subscription is gone', () => {
  const t = setup();
  t.start(60);
  t.answer(t.sent('NOTIFY')[0] as SipRequest, 200);
  t.clock.advance(59_000);
  assert.is(t.m.size, 1);
  t.clock.advance(1_000);
  assert.is(t.m.size, 0);
  const last = t.sent('NOTIFY').at(-1) as SipRequest;
  assert.is(getHeader(last, 'subscription-state'), 'terminated;reason=timeout');
});

test('a NOTIFY that times out ends the subscription (RFC 6665 §4.2.2)', () => {
  const t = setup();
  t.start();
  assert.is(t.m.size, 1);
  t.clock.advance(64 * 500 + 1);
  assert.is(t.m.size, 0);
});

test('a suspended tenant: its subscriptions end with noresource at the next look', () => {
  const t = setup();
  t.start();
  t.answer(t.sent('NOTIFY')[0] as SipRequest, 200);
  t.tenants.set('acme', { ...t.tenants.get('acme')!, status: 'suspended' } as TenantContext);
  t.m.retainTenants();
  assert.is(t.m.size, 0);
  assert.is(getHeader(t.sent('NOTIFY').at(-1) as SipRequest, 'subscription-state'), 'terminated;reason=noresource');
});

test('a refresh with an old CSeq is refused (RFC 3261 §12.2.2); the NOTIFY goes to the Contact with our tag', () => {
  const t = setup();
  const tag = t.start();
  const n = t.sent('NOTIFY')[0] as SipRequest;
  assert.is(n.uri, 'sip:1001@192.0.2.10:5062');
  assert.match(getHeader(n, 'from')!, `;tag=${tag}`);
  assert.is(getHeader(n, 'to'), '<sip:1001@acme.example>;tag=sub1');
  const stale = t.subscribe(600, tag);
  (stale.message as SipRequest).headers.find((h) => h.name === 'cseq')!.value = '1 SUBSCRIBE';
  t.transactions.matchRequest(stale);
  t.m.refresh(stale, stale.message as SipRequest, '1001', SRC);
  assert.is(t.sent(500).length, 1);
  const other = t.subscribe(600, tag);
  t.transactions.matchRequest(other);
  t.m.refresh(other, other.message as SipRequest, '1002', SRC);
  assert.is(t.sent(403).length, 1, 'only its subscriber may refresh it');
});

test('a box that disappears ends its subscriptions: terminated;reason=noresource without a body', () => {
  const t = setup();
  t.start();
  t.answer(t.sent('NOTIFY')[0] as SipRequest, 200);
  t.boxes.delete('acme', '1001');
  t.m.changed('acme', 'message-summary', '1001');
  const last = t.sent('NOTIFY').at(-1) as SipRequest;
  assert.is(getHeader(last, 'subscription-state'), 'terminated;reason=noresource');
  assert.is(last.body.length, 0);
  assert.is(t.m.size, 0);
});

test('parseEvent: package case-insensitive, id kept exactly, junk refused', () => {
  assert.equal(parseEvent('Message-Summary'), { name: 'message-summary', id: undefined });
  assert.equal(parseEvent('message-summary ; id=AbC1'), { name: 'message-summary', id: 'AbC1' });
  assert.is(parseEvent(undefined), undefined);
  assert.is(parseEvent('message summary'), undefined);
  assert.is(parseEvent('message-summary;id=a b'), undefined);
  assert.is(parseEvent(''), undefined);
});

test.run();
