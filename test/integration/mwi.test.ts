// MWI over SUBSCRIBE/NOTIFY (RFC 6665, RFC 3842 message-summary) and unsolicited NOTIFY,
// against the real server in this process (its voicemail counts are the in-memory stand-in
// the voicemail service replaces), with raw UDP subscribers and phones over loopback.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryMailboxCounts } from '../../src/events/mailbox-counts.js';
import { getHeader } from '../../src/sip/message/headers.js';
import { silentLogger } from '../../src/util/logger.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import type { TestTenant } from '../support/pbx-process.js';
import { UdpSubscriber } from '../support/udp-subscriber.js';

const tenant = (id: string, exts: string[]): TestTenant => ({ id, domains: [`${id}.example`], extensions: exts.map((ext) => ({ ext, password: `${id}-${ext}-secret` })) });
const ACME: TestTenant = { ...tenant('acme', ['1001', '1002']), extensions: [...tenant('acme', ['1001', '1002']).extensions, { ext: '1003', password: 'acme-1003-secret', extraKeys: 'voicemail: { mwi: unsolicited }' }] };
const TENANTS = [ACME, tenant('globex', ['1001', '2001']), tenant('initech', ['3001']), tenant('umbrella', ['4001'])];

let pbx: InProcessPbx;
// The subscription machinery alone, on counts the test sets (test/integration/voicemail-e2e.test.ts
// has MWI driven by real deposits).
const boxes = new InMemoryMailboxCounts();
const subs: UdpSubscriber[] = [];

test.before(async () => {
  pbx = await InProcessPbx.start({
    name: 'mwi',
    tenants: TENANTS,
    logger: silentLogger,
    mailboxCounts: boxes,
    extraYaml: 'subscriptions: { minExpires: 1, maxExpires: 3600, defaultExpires: 600, ratePerSecond: 1, burst: 20, maxPerTenant: 3 }',
  });
  boxes.set('acme', '1001', { new: 0, old: 0 });
  boxes.set('acme', '1002', { new: 0, old: 0 });
  boxes.set('acme', 'sales', { new: 0, old: 0 }, ['1002']);
  boxes.set('globex', '2001', { new: 3, old: 0 });
  boxes.set('initech', '3001', { new: 0, old: 0 });
  boxes.set('umbrella', '4001', { new: 0, old: 0 });
});

test.after(async () => {
  for (const s of subs) s.close();
  await pbx.stop();
});

async function subscriber(t: string, user: string): Promise<UdpSubscriber> {
  const s = await UdpSubscriber.open({ user, domain: `${t}.example`, password: `${t}-${user}-secret`, server: { host: '127.0.0.1', port: pbx.port } });
  subs.push(s);
  return s;
}

const body = (m: { body: Buffer }) => m.body.toString();

test('subscribe to the own box: 200 with Expires, NOTIFY at once, on change, on refresh, and terminated on unsubscribe', async () => {
  const s = await subscriber('acme', '1001');
  const ok = await s.subscribe('1001', { expires: 7200 });
  assert.is(ok?.status, 200);
  assert.is(getHeader(ok!, 'expires'), '3600', 'shortened to maxExpires');
  const first = await s.nextNotify(0);
  assert.is(getHeader(first, 'event'), 'message-summary');
  assert.match(getHeader(first, 'subscription-state')!, /^active;expires=\d+$/);
  assert.is(getHeader(first, 'content-type'), 'application/simple-message-summary');
  assert.match(body(first), 'Messages-Waiting: no\r\n');
  assert.match(body(first), 'Voice-Message: 0/0 (0/0)');

  boxes.set('acme', '1001', { new: 2, old: 1, urgentNew: 1, urgentOld: 0 });
  const changed = await s.nextNotify(1);
  assert.match(body(changed), 'Messages-Waiting: yes');
  assert.match(body(changed), 'Message-Account: sip:1001@acme.example');
  assert.match(body(changed), 'Voice-Message: 2/1 (1/0)');

  const refreshed = await s.refresh(120);
  assert.is(refreshed?.status, 200);
  assert.is(getHeader(refreshed!, 'expires'), '120');
  const afterRefresh = await s.nextNotify(2);
  assert.match(getHeader(afterRefresh, 'subscription-state')!, /^active;expires=(119|120)$/);

  const bye = await s.refresh(0);
  assert.is(bye?.status, 200);
  assert.is(getHeader(bye!, 'expires'), '0');
  const last = await s.nextNotify(3);
  assert.is(getHeader(last, 'subscription-state'), 'terminated;reason=timeout');
  // Gone: a refresh now gets 481.
  assert.is((await s.refresh(120))?.status, 481);
  boxes.set('acme', '1001', { new: 0, old: 0 });
});

test('a shared box for its members only; another extension\'s box 403; no such box 404', async () => {
  const member = await subscriber('acme', '1002');
  assert.is((await member.subscribe('sales', { expires: 60 }))?.status, 200);
  await member.nextNotify(0);
  assert.is((await member.refresh(0))?.status, 200);
  const other = await subscriber('acme', '1001');
  assert.is((await other.subscribe('sales', { expires: 60 }))?.status, 403);
  assert.is((await other.subscribe('1002', { expires: 60 }))?.status, 403);
  assert.is((await other.subscribe('7777', { expires: 60 }))?.status, 404);
  assert.is(other.notifies.length, 0);
});

test('tenant isolation: acme\'s 1001 cannot watch globex boxes, existing or not, and learns nothing from the answer', async () => {
  const s = await subscriber('acme', '1001');
  const existing = await s.subscribe('2001', { domain: 'globex.example', expires: 60 });
  const missing = await s.subscribe('9999', { domain: 'globex.example', expires: 60 });
  const sameNumber = await s.subscribe('1001', { domain: 'globex.example', expires: 60 });
  assert.is(existing?.status, 403);
  assert.is(missing?.status, 403);
  assert.is(sameNumber?.status, 403);
  assert.is(existing?.reason, missing?.reason);
  assert.is(s.notifies.length, 0);
  // A domain that is nobody's: 404 before any challenge.
  assert.is((await s.subscribe('1001', { domain: 'nobody.example', expires: 60 }))?.status, 404);
});

test('a refresh or unsubscribe in someone else\'s subscription dialog: 403 for another tenant (digest) and for another extension', async () => {
  const victim = await subscriber('acme', '1001');
  assert.is((await victim.subscribe('1001', { expires: 600 }))?.status, 200);
  await victim.nextNotify(0);
  const outsider = await subscriber('globex', '1001');
  outsider.hijack(victim);
  assert.is((await outsider.refresh(0))?.status, 403);
  const colleague = await subscriber('acme', '1002');
  colleague.hijack(victim);
  const r = await colleague.refresh(0);
  assert.is(r?.status, 403);
  assert.is(r?.reason, 'Forbidden: not your subscription');
  assert.is(outsider.notifies.length + colleague.notifies.length, 0);
  // Still the victim's, still alive.
  assert.is((await victim.refresh(0))?.status, 200);
});

test('bad requests: unknown Event 489 with Allow-Events, bad Accept 406, Expires 0 is a fetch', async () => {
  const s = await subscriber('acme', '1001');
  const bad = await s.subscribe('1001', { event: 'presence.winfo' });
  assert.is(bad?.status, 489);
  assert.is(getHeader(bad!, 'allow-events'), 'message-summary, dialog, presence');
  assert.is((await s.subscribe('1001', { accept: 'application/pidf+xml' }))?.status, 406);
  const zeroLen = await s.subscribe('1001', { expires: 0 });
  // Expires: 0 on a new subscription is a fetch: 200, one NOTIFY terminated, nothing kept.
  assert.is(zeroLen?.status, 200);
  const fetched = await s.nextNotify(0);
  assert.is(getHeader(fetched, 'subscription-state'), 'terminated;reason=timeout');
  assert.match(body(fetched), 'Voice-Message: 0/0');
});

test('hostile SUBSCRIBEs get a clear answer and leave nothing: no Contact, Contact *, a tel: Contact, a bad Expires, a bad Event', async () => {
  const s = await subscriber('acme', '1001');
  const before = pbx.server.events.subscriptions.size;
  assert.is((await s.subscribe('1001', { contact: null }))?.status, 400);
  assert.is((await s.subscribe('1001', { contact: '*' }))?.status, 400);
  assert.is((await s.subscribe('1001', { contact: '<tel:+4930123456>' }))?.status, 400);
  assert.is((await s.subscribe('1001', { rawExpires: '1e9' }))?.status, 400);
  assert.is((await s.subscribe('1001', { rawExpires: '99999999999' }))?.status, 400);
  assert.is((await s.subscribe('1001', { event: 'message-summary;id=\u0001' }))?.status, 489);
  assert.is((await s.subscribe('1001', { event: 'message-summary;id=' + 'x'.repeat(200) }))?.status, 489);
  assert.is((await s.subscribe('1001', { event: '../../etc' }))?.status, 489);
  assert.is(pbx.server.events.subscriptions.size, before);
  assert.is(s.notifies.length, 0);
});

test('expiry: a subscription that is not refreshed ends with a terminated NOTIFY', async () => {
  // This file's server accepts 1 s (423 below minExpires: the SIPp test mwi-sipp.test.ts).
  const s = await subscriber('acme', '1002');
  const ok = await s.subscribe('1002', { expires: 1 });
  assert.is(ok?.status, 200);
  // Expiry: the subscription ends by itself with a terminated NOTIFY.
  const ended = await s.nextNotify(0, 5000, (m) => (getHeader(m, 'subscription-state') ?? '').startsWith('terminated'));
  assert.is(getHeader(ended, 'subscription-state'), 'terminated;reason=timeout');
  assert.is((await s.refresh(60))?.status, 481);
});

test('a NOTIFY answered 481 ends the subscription; the refresh then gets 481', async () => {
  const s = await subscriber('acme', '1001');
  assert.is((await s.subscribe('1001', { expires: 600 }))?.status, 200);
  await s.nextNotify(0);
  s.notifyStatus = 481;
  boxes.set('acme', '1001', { new: 1, old: 0 });
  await s.nextNotify(1);
  // The server may take a moment to process the 481; the refresh is sent after it.
  await new Promise((r) => setTimeout(r, 200));
  s.notifyStatus = 200;
  assert.is((await s.refresh(600))?.status, 481);
  boxes.set('acme', '1001', { new: 0, old: 0 });
  assert.is(s.notifies.length, 2, 'no NOTIFY after the failure');
});

test('a subscription storm gets 503 with Retry-After; other tenants go on', async () => {
  const s = await subscriber('initech', '3001');
  const answers: number[] = [];
  let retryAfter: string | undefined;
  for (let i = 0; i < 30; i++) {
    const r = await s.subscribe('3001', { expires: 0 });
    answers.push(r?.status ?? 0);
    if (r?.status === 503) retryAfter = getHeader(r, 'retry-after');
  }
  assert.ok(answers.includes(503), answers.join(','));
  assert.ok(answers.slice(0, 20).every((a) => a === 200), 'the burst passes');
  assert.match(retryAfter ?? '', /^\d+$/);
  const g = await subscriber('globex', '2001');
  assert.is((await g.subscribe('2001', { expires: 0 }))?.status, 200);
});

test('the cap per tenant: the fourth live subscription gets 503', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const s = await subscriber('umbrella', '4001');
    statuses.push((await s.subscribe('4001', { expires: 600 }))?.status ?? 0);
  }
  assert.equal(statuses, [200, 200, 200, 503]);
});

test('unsolicited MWI: an extension set so in the tenant YAML (voicemail: { mwi: unsolicited }) gets NOTIFY at registration and on change, without subscribing', async () => {
  boxes.set('acme', '1003', { new: 1, old: 4 });
  const phone = await pbx.phone('acme', '1003');
  const mark = phone.mark();
  assert.is(await phone.register(), 200);
  const atRegister = (await phone.next((m) => m.kind === 'request' && m.method === 'NOTIFY', 5000, mark)) as { body: Buffer; headers: Array<{ name: string; value: string }> };
  assert.is(getHeader(atRegister, 'event'), 'message-summary');
  assert.match(atRegister.body.toString(), 'Messages-Waiting: yes');
  assert.match(atRegister.body.toString(), 'Voice-Message: 1/4');
  const mark2 = phone.mark();
  boxes.set('acme', '1003', { new: 0, old: 5 });
  const onChange = (await phone.next((m) => m.kind === 'request' && m.method === 'NOTIFY', 5000, mark2)) as { body: Buffer };
  assert.match(onChange.body.toString(), 'Messages-Waiting: no');
  // 1001 (default: subscribe) gets nothing unsolicited.
  const other = await pbx.phone('acme', '1002');
  const m3 = other.mark();
  assert.is(await other.register(), 200);
  boxes.set('acme', '1002', { new: 1, old: 0 });
  await new Promise((r) => setTimeout(r, 300));
  assert.not.ok(other.received.slice(m3).some((m) => m.kind === 'request' && m.method === 'NOTIFY'));
});

test.run();
