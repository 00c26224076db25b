import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../util/fake-clock.js';
import { CallLimits, type CallLimitDecision, type CallLimitRequest, type CallLimitSpec } from './call-limits.js';

let seq = 0;
function call(tenantId: string, limits: CallLimitSpec, callerExt?: string, calleeExt?: string): CallLimitRequest {
  const c: CallLimitRequest = { callId: `call-${++seq}`, tenantId, limits };
  if (callerExt !== undefined) c.callerExt = callerExt;
  if (calleeExt !== undefined) c.calleeExt = calleeExt;
  return c;
}

function admitted(d: CallLimitDecision): () => void {
  if (!d.ok) throw new Error(`refused: ${d.status} ${d.reason}`);
  return d.release;
}

test('N calls pass, call N+1 gets 503 with a reason; a release frees a slot', () => {
  const limits = new CallLimits({ clock: new FakeClock() });
  const releases = Array.from({ length: 10 }, (_, i) => admitted(limits.tryStart(call('acme', { calls: 10 }, `10${i}`, `20${i}`))));
  assert.is(limits.activeCalls('acme'), 10);
  const refused = limits.tryStart(call('acme', { calls: 10 }, '1999', '2999'));
  assert.equal(refused, { ok: false, status: 503, reason: 'tenant call limit (10) reached' });
  releases[3]!();
  assert.is(limits.activeCalls('acme'), 9);
  assert.ok(limits.tryStart(call('acme', { calls: 10 }, '1999', '2999')).ok);
  assert.not.ok(limits.tryStart(call('acme', { calls: 10 })).ok);
});

test('release is idempotent: a second call of it frees nothing more', () => {
  const limits = new CallLimits({ clock: new FakeClock() });
  const r1 = admitted(limits.tryStart(call('acme', { calls: 2 }, '1001', '1002')));
  admitted(limits.tryStart(call('acme', { calls: 2 }, '1003', '1004')));
  r1();
  r1();
  r1();
  assert.is(limits.activeCalls('acme'), 1);
  assert.is(limits.activeForExtension('acme', '1001'), 0);
  assert.is(limits.activeForExtension('acme', '1003'), 1);
  admitted(limits.tryStart(call('acme', { calls: 2 })));
  assert.not.ok(limits.tryStart(call('acme', { calls: 2 })).ok, 'still capped at 2 after the repeated release');
});

test('an internal call between two extensions of the tenant counts once for the tenant and once for each extension', () => {
  const limits = new CallLimits({ clock: new FakeClock() });
  const r = admitted(limits.tryStart(call('acme', { calls: 1, perExtension: 1 }, '1001', '1002')));
  assert.is(limits.activeCalls('acme'), 1);
  assert.is(limits.activeForExtension('acme', '1001'), 1);
  assert.is(limits.activeForExtension('acme', '1002'), 1);
  r();
  // An extension calling itself (its other phone) is in the call once.
  const self = limits.tryStart(call('acme', { perExtension: 1 }, '1001', '1001'));
  assert.ok(self.ok);
  assert.is(limits.activeForExtension('acme', '1001'), 1);
});

test('per-extension cap: the caller over it gets 403, a callee over it 486 (busy)', () => {
  const limits = new CallLimits({ clock: new FakeClock() });
  const lim = { perExtension: 2 };
  const r1 = admitted(limits.tryStart(call('acme', lim, '1001', '1002')));
  admitted(limits.tryStart(call('acme', lim, '1001', '1003')));
  assert.equal(limits.tryStart(call('acme', lim, '1001', '1004')), { ok: false, status: 403, reason: 'extension 1001 call limit (2) reached' });
  assert.equal(limits.tryStart(call('acme', lim, '1005', '1001')), { ok: false, status: 486, reason: 'extension 1001 is busy (call limit 2)' });
  assert.ok(limits.tryStart(call('acme', lim, '1002', '1003')).ok, 'each of 1002 and 1003 is in one call so far');
  assert.is(limits.activeForExtension('acme', '1003'), 2);
  assert.equal(limits.tryStart(call('acme', lim, undefined, '1003')), { ok: false, status: 486, reason: 'extension 1003 is busy (call limit 2)' }, 'a call from a trunk too');
  r1();
  assert.ok(limits.tryStart(call('acme', lim, '1001', '1004')).ok);
  assert.is(limits.activeCalls('acme'), 3);
});

test('a refused call takes nothing: no slot, no extension, no token', () => {
  const clock = new FakeClock();
  const limits = new CallLimits({ clock });
  admitted(limits.tryStart(call('acme', { calls: 5, callsPerSecond: 2, perExtension: 1 }, '1001', '1002')));
  assert.not.ok(limits.tryStart(call('acme', { calls: 5, callsPerSecond: 2, perExtension: 1 }, '1003', '1002')).ok);
  assert.is(limits.activeCalls('acme'), 1);
  assert.is(limits.activeForExtension('acme', '1003'), 0);
  assert.ok(limits.tryStart(call('acme', { calls: 5, callsPerSecond: 2, perExtension: 1 }, '1003', '1004')).ok, 'the second token was still there');
});

test('calls per second: a burst of one second worth, then one per 1/rate, refilled over time', () => {
  const clock = new FakeClock();
  const limits = new CallLimits({ clock });
  const lim = { callsPerSecond: 5 };
  for (let i = 0; i < 5; i++) admitted(limits.tryStart(call('acme', lim)))(); // short calls: ended at once
  assert.equal(limits.tryStart(call('acme', lim)), { ok: false, status: 503, reason: 'tenant call rate limit (5/s) reached' });
  clock.advance(199);
  assert.not.ok(limits.tryStart(call('acme', lim)).ok, 'not yet one token back');
  clock.advance(1);
  assert.ok(limits.tryStart(call('acme', lim)).ok, 'one token after 200 ms');
  assert.not.ok(limits.tryStart(call('acme', lim)).ok);
  clock.advance(10_000);
  let n = 0;
  while (limits.tryStart(call('acme', lim)).ok) n++;
  assert.is(n, 5, 'a long pause refills to the burst, never beyond');
});

test('a rate below one per second still lets one call through, then waits', () => {
  const clock = new FakeClock();
  const limits = new CallLimits({ clock });
  const lim = { callsPerSecond: 0.5 };
  assert.ok(limits.tryStart(call('acme', lim)).ok);
  assert.not.ok(limits.tryStart(call('acme', lim)).ok);
  clock.advance(1999);
  assert.not.ok(limits.tryStart(call('acme', lim)).ok);
  clock.advance(1);
  assert.ok(limits.tryStart(call('acme', lim)).ok);
});

test('a cap of 0 switches calling off: 403, not a 503 that invites a retry', () => {
  const limits = new CallLimits({ clock: new FakeClock() });
  const a = limits.tryStart(call('acme', { calls: 0 }, '1001', '1002'));
  assert.ok(!a.ok && a.status === 403 && /limit 0/.test(a.reason));
  const b = limits.tryStart(call('acme', { callsPerSecond: 0 }));
  assert.ok(!b.ok && b.status === 403);
  const c = limits.tryStart(call('acme', { perExtension: 0 }, '1001', '1002'));
  assert.ok(!c.ok && c.status === 403);
  assert.is(limits.trackedTenants, 0);
});

test('absent, negative or non-numeric limits mean no cap', () => {
  const limits = new CallLimits({ clock: new FakeClock() });
  for (const lim of [{}, { calls: -1, callsPerSecond: Number.NaN, perExtension: Infinity }]) {
    for (let i = 0; i < 50; i++) assert.ok(limits.tryStart(call('acme', lim, '1001', '1002')).ok);
  }
  assert.is(limits.activeCalls('acme'), 100);
});

test('tenants are independent: one at its caps leaves another untouched, same extension numbers', () => {
  const limits = new CallLimits({ clock: new FakeClock() });
  const lim = { calls: 1, callsPerSecond: 1, perExtension: 1 };
  admitted(limits.tryStart(call('acme', lim, '1001', '1002')));
  assert.not.ok(limits.tryStart(call('acme', lim, '1003', '1004')).ok);
  assert.ok(limits.tryStart(call('globex', lim, '1001', '1002')).ok, "1001@globex is not 1001@acme and acme's bucket is its own");
  assert.is(limits.activeCalls('acme'), 1);
  assert.is(limits.activeCalls('globex'), 1);
  assert.is(limits.activeForExtension('globex', '1001'), 1);
});

test('memory: a tenant is forgotten once its calls end and its bucket is full again', () => {
  const clock = new FakeClock();
  const limits = new CallLimits({ clock });
  const releases = [];
  for (let t = 0; t < 100; t++) releases.push(admitted(limits.tryStart(call(`t${t}`, { calls: 3, perExtension: 2 }, '1001', '1002'))));
  assert.is(limits.trackedTenants, 100);
  for (const r of releases) r();
  assert.is(limits.trackedTenants, 0, 'no rate limit: forgotten at release');

  const r = admitted(limits.tryStart(call('rated', { callsPerSecond: 2 }, '1001', '1002')));
  r();
  assert.is(limits.trackedTenants, 1, 'kept while its bucket is refilling, or a short call would reset the rate limit');
  assert.is(limits.activeForExtension('rated', '1001'), 0);
  clock.advance(10_000);
  limits.tryStart(call('other', {}));
  assert.is(limits.trackedTenants, 1, 'the sweep forgot the refilled one; only the call just started is kept');
  assert.is(limits.activeCalls('rated'), 0);
});

test('switching a rate limit on for a tenant with calls up starts from a full bucket', () => {
  const limits = new CallLimits({ clock: new FakeClock() });
  admitted(limits.tryStart(call('acme', {})));
  let n = 0;
  while (limits.tryStart(call('acme', { callsPerSecond: 3 })).ok) n++;
  assert.is(n, 3);
});

test.run();
