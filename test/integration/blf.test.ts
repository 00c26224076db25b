// BLF and presence (issue 12 point 5): the dialog event package (RFC 4235) and presence
// (RFC 3856, PIDF RFC 3863) against the real server in this process, with real calls
// between raw UDP phones over loopback and raw UDP subscribers watching them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeader } from '../../src/sip/message/headers.js';
import type { SipRequest } from '../../src/sip/message/types.js';
import { silentLogger } from '../../src/util/logger.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import type { TestTenant } from '../support/pbx-process.js';
import { UdpPhone } from '../support/udp-phone.js';
import { UdpSubscriber } from '../support/udp-subscriber.js';

const tenant = (id: string, exts: string[], extraYaml?: string): TestTenant => ({ id, domains: [`${id}.example`], extensions: exts.map((ext) => ({ ext, password: `${id}-${ext}-secret` })), ...(extraYaml ? { extraYaml } : {}) });
const TENANTS = [tenant('acme', ['1001', '1002', '1003', '1004', '1005'], 'conferences:\n  - { number: "800", name: "Bridge" }\n'), tenant('globex', ['1001', '2001', '2002', '2003']), tenant('initech', ['3001']), tenant('hooli', ['5001', '5002', '5003'], 'blf: { showPeers: true }')];

let pbx: InProcessPbx;
const closers: Array<{ close(): void }> = [];

test.before(async () => {
  pbx = await InProcessPbx.start({
    name: 'blf',
    tenants: TENANTS,
    logger: silentLogger,
    extraYaml: 'subscriptions: { minExpires: 1, maxExpires: 3600, defaultExpires: 600, ratePerSecond: 2, burst: 20, maxPerTenant: 50 }',
  });
});

test.after(async () => {
  for (const c of closers) c.close();
  await pbx.stop();
});

async function subscriber(t: string, user: string): Promise<UdpSubscriber> {
  const s = await UdpSubscriber.open({ user, domain: `${t}.example`, password: `${t}-${user}-secret`, server: { host: '127.0.0.1', port: pbx.port } });
  closers.push(s);
  return s;
}

async function phone(t: string, user: string): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user, domain: `${t}.example`, password: `${t}-${user}-secret`, server: { host: '127.0.0.1', port: pbx.port } });
  closers.push(p);
  assert.is(await p.register(600), 200);
  return p;
}

const body = (m: SipRequest) => m.body.toString();
const version = (m: SipRequest) => Number(/version="(\d+)"/.exec(body(m))?.[1]);
const states = (m: SipRequest) => [...body(m).matchAll(/<state>([a-z]+)<\/state>/g)].map((x) => x[1]);

/** The NOTIFYs of a subscriber from `from` on until one matches; returns it and its index. */
async function until(s: UdpSubscriber, from: number, match: (m: SipRequest) => boolean, timeoutMs = 8000): Promise<number> {
  const m = await s.nextNotify(from, timeoutMs, match);
  return s.notifies.indexOf(m);
}

test('a real call 1001 → 1002: the BLF of 1002 goes idle → ringing (early) → busy (confirmed) → idle, in dialog-info XML', async () => {
  const caller = await phone('acme', '1001');
  const callee = await phone('acme', '1002');
  callee.answer = { kind: 'answer', ringMs: 1500 };
  const watcher = await subscriber('acme', '1003');
  const ok = await watcher.subscribe('1002', { event: 'dialog', accept: 'application/dialog-info+xml', expires: 600 });
  assert.is(ok?.status, 200);
  const idle = await watcher.nextNotify(0);
  assert.is(getHeader(idle, 'event'), 'dialog');
  assert.is(getHeader(idle, 'content-type'), 'application/dialog-info+xml');
  assert.match(getHeader(idle, 'subscription-state')!, /^active;expires=\d+$/);
  assert.match(body(idle), '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="0" state="full" entity="sip:1002@acme.example">');
  assert.not.match(body(idle), '<dialog ', 'idle: no dialogs');

  // The caller's watcher (presence) sees it open, then on the phone.
  const pres = await subscriber('acme', '1003');
  assert.is((await pres.subscribe('1001', { event: 'presence', accept: 'application/pidf+xml', expires: 600 }))?.status, 200);
  const presIdle = await pres.nextNotify(0);
  assert.is(getHeader(presIdle, 'content-type'), 'application/pidf+xml');
  assert.match(body(presIdle), '<basic>open</basic>');
  assert.not.match(body(presIdle), 'on-the-phone');

  const call = caller.call('1002');
  const ringingAt = await until(watcher, 1, (m) => states(m).includes('early'));
  const ringing = watcher.notifies[ringingAt]!;
  assert.match(body(ringing), /<dialog id="[^"]+" direction="recipient">/);
  assert.match(body(ringing), '<local><identity>sip:1002@acme.example</identity></local>');
  assert.not.match(body(ringing), '<remote>', 'privacy: the caller is not named by default');
  assert.not.match(body(ringing), '1001');

  const final = await call;
  assert.is(final.status, 200);
  const busyAt = await until(watcher, ringingAt + 1, (m) => states(m).includes('confirmed'));
  assert.equal(states(watcher.notifies[busyAt]!), ['confirmed']);
  const onPhone = await pres.nextNotify(1, 8000, (m) => body(m).includes('on-the-phone'));
  assert.match(body(onPhone), '<basic>open</basic>');

  assert.is((await caller.inDialog('BYE')).status, 200);
  // RFC 4235 §3.7.1: the ended dialog is told once as terminated (or, when NOTIFYs were
  // coalesced, the next full state simply has no dialog): the lamp is idle.
  const endedAt = await until(watcher, busyAt + 1, (m) => states(m).every((x) => x === 'terminated'));
  assert.match(body(watcher.notifies[endedAt]!), /<dialog-info [^>]*>\r\n(  <dialog id="[^"]+" direction="recipient">\r\n    <state>terminated<\/state>[\s\S]*)?<\/dialog-info>/);
  assert.is(pbx.server.events.extensions.lamp('acme', '1002'), 'idle');
  await pres.nextNotify(2, 8000, (m) => !body(m).includes('on-the-phone'));

  // Versions count up by one per NOTIFY of the subscription (RFC 4235 §4.1.2), all full state.
  assert.equal(watcher.notifies.map(version), watcher.notifies.map((_, i) => i));
  for (const n of watcher.notifies) assert.match(body(n), 'state="full"');
  assert.is(pbx.server.events.extensions.size, 0, 'nothing left in the tracker');
});

test('the caller side: an extension placing a call shows an initiator dialog; the caller\'s CANCEL ends both lamps', async () => {
  const caller = await phone('acme', '1004');
  const callee = await phone('acme', '1005');
  callee.answer = { kind: 'ring' };
  const watcher = await subscriber('acme', '1001');
  assert.is((await watcher.subscribe('1004', { event: 'dialog', expires: 60 }))?.status, 200);
  await watcher.nextNotify(0);
  const calleeWatcher = await subscriber('acme', '1001');
  assert.is((await calleeWatcher.subscribe('1005', { event: 'dialog', expires: 60 }))?.status, 200);
  await calleeWatcher.nextNotify(0);
  const res = caller.call('1005');
  const at = await until(watcher, 1, (m) => body(m).includes('direction="initiator"') && states(m).includes('early'));
  await until(calleeWatcher, 1, (m) => body(m).includes('direction="recipient"') && states(m).includes('early'));
  caller.cancel(caller.sentInvites[caller.sentInvites.length - 1]!);
  assert.is((await res).status, 487);
  await until(watcher, at + 1, (m) => states(m).every((x) => x === 'terminated'));
  await until(calleeWatcher, 2, (m) => states(m).every((x) => x === 'terminated'));
  assert.is(pbx.server.events.extensions.lamp('acme', '1004'), 'idle');
  assert.is(pbx.server.events.extensions.lamp('acme', '1005'), 'idle');
  assert.is((await watcher.refresh(0))?.status, 200);
});

test('an extension in a conference room is busy until it leaves', async () => {
  const p = await phone('acme', '1005');
  const watcher = await subscriber('acme', '1002');
  assert.is((await watcher.subscribe('1005', { event: 'dialog', expires: 60 }))?.status, 200);
  await watcher.nextNotify(0);
  assert.is((await p.call('800')).status, 200);
  const at = await until(watcher, 1, (m) => body(m).includes('direction="initiator"') && states(m).includes('confirmed'));
  assert.is(pbx.server.events.extensions.lamp('acme', '1005'), 'busy');
  assert.is((await p.inDialog('BYE')).status, 200);
  await until(watcher, at + 1, (m) => states(m).every((x) => x === 'terminated'));
  assert.is(pbx.server.events.extensions.lamp('acme', '1005'), 'idle');
});

test('cross-tenant: another tenant\'s extension and a missing one are the same 404; another tenant\'s domain fails the digest (403) whether it exists or not', async () => {
  const s = await subscriber('acme', '1003');
  for (const event of ['dialog', 'presence']) {
    const other = await s.subscribe('2001', { event, expires: 60 });
    const missing = await s.subscribe('9999', { event, expires: 60 });
    assert.is(other?.status, 404);
    assert.is(missing?.status, 404);
    assert.is(other?.reason, missing?.reason);
    const theirs = await s.subscribe('2001', { event, domain: 'globex.example', expires: 60 });
    const theirsMissing = await s.subscribe('9999', { event, domain: 'globex.example', expires: 60 });
    assert.is(theirs?.status, 403);
    assert.is(theirsMissing?.status, 403);
    assert.is(theirs?.reason, theirsMissing?.reason);
  }
  // Hostile names: escaped markup, an overlong user, a park-slot-like name: the same 404, no NOTIFY.
  for (const name of ['%3Cdialog%3E%26', '1'.repeat(300), 'park:701']) {
    const r = await s.subscribe(name, { event: 'dialog', expires: 60 });
    assert.is(r?.status, 404, name);
  }
  assert.is(s.notifies.length, 0);
});

test('cross-tenant: a call on globex\'s 1001 never lights acme\'s 1001', async () => {
  const acmeWatcher = await subscriber('acme', '1002');
  assert.is((await acmeWatcher.subscribe('1001', { event: 'dialog', expires: 60 }))?.status, 200);
  await acmeWatcher.nextNotify(0);
  const globexWatcher = await subscriber('globex', '2002');
  assert.is((await globexWatcher.subscribe('1001', { event: 'dialog', expires: 60 }))?.status, 200);
  await globexWatcher.nextNotify(0);
  const a = await phone('globex', '2001');
  await phone('globex', '1001');
  assert.is((await a.call('1001')).status, 200);
  await until(globexWatcher, 1, (m) => states(m).includes('confirmed'));
  assert.is((await a.inDialog('BYE')).status, 200);
  await until(globexWatcher, 2, (m) => states(m).every((x) => x === 'terminated'));
  assert.is(acmeWatcher.notifies.length, 1, 'acme\'s watcher heard nothing of globex\'s call');
  assert.not.match(body(globexWatcher.notifies[1]!), 'acme');
});

test('presence: closed without a registered contact, open after REGISTER, closed after un-REGISTER', async () => {
  const s = await subscriber('globex', '2002');
  assert.is((await s.subscribe('2003', { event: 'presence', expires: 60 }))?.status, 200);
  const first = await s.nextNotify(0);
  assert.match(body(first), '<basic>closed</basic>', 'never registered');
  const p = await UdpPhone.open({ user: '2003', domain: 'globex.example', password: 'globex-2003-secret', server: { host: '127.0.0.1', port: pbx.port } });
  closers.push(p);
  assert.is(await p.register(600), 200);
  const open = await s.nextNotify(1, 8000, (m) => body(m).includes('<basic>open</basic>'));
  assert.is(await p.register(0), 200);
  const last = await s.nextNotify(s.notifies.indexOf(open) + 1, 8000, (m) => body(m).includes('<basic>closed</basic>'));
  assert.match(body(last), 'entity="pres:2003@globex.example"');
});

test('showPeers in the tenant file: the watcher sees who is calling', async () => {
  const caller = await phone('hooli', '5001');
  const callee = await phone('hooli', '5002');
  callee.answer = { kind: 'answer', ringMs: 1000 };
  const watcher = await subscriber('hooli', '5003');
  assert.is((await watcher.subscribe('5002', { event: 'dialog', expires: 60 }))?.status, 200);
  await watcher.nextNotify(0);
  const call = caller.call('5002');
  const at = await until(watcher, 1, (m) => states(m).includes('early'));
  assert.match(body(watcher.notifies[at]!), '<remote><identity>sip:5001@hooli.example</identity></remote>');
  assert.is((await call).status, 200);
  assert.is((await caller.inDialog('BYE')).status, 200);
});

test('a subscription storm gets 503 with Retry-After and loses nothing already granted', async () => {
  const s = await subscriber('initech', '3001');
  const before = pbx.server.events.subscriptions.size;
  const answers = [];
  for (let i = 0; i < 40; i++) answers.push(await s.subscribe('3001', { event: 'dialog', expires: 60 }));
  const refused = answers.filter((r) => r?.status === 503);
  const granted = answers.filter((r) => r?.status === 200);
  assert.ok(refused.length > 0, 'some were refused');
  assert.ok(granted.length >= 20, "the burst was granted");
  for (const r of refused) assert.match(getHeader(r!, 'retry-after') ?? '', /^\d+$/);
  assert.is(pbx.server.events.subscriptions.size, before + granted.length, 'every granted subscription is still there');
  // Other tenants are not throttled by initech's storm.
  const other = await subscriber('acme', '1003');
  assert.is((await other.subscribe('1001', { event: 'dialog', expires: 60 }))?.status, 200);
});

test.run();
