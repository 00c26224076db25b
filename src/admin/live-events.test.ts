import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ExtensionStates } from '../events/extension-states.js';
import { LiveEvents, liveCallSink, visibleTo, wireOf, type LiveEvent } from './live-events.js';
import type { Principal } from './api-types.js';

const provider: Principal = { role: 'provider', tokenId: 'p' };
const adminA: Principal = { role: 'tenant-admin', tokenId: 'a', tenantId: 'acme' };
const userA1: Principal = { role: 'user', tokenId: 'u', tenantId: 'acme', ext: '1001' };

test('who sees what: provider all, tenant admin its tenant, a user its own extension only', () => {
  const reg = (tenantId: string, ext: string): LiveEvent => ({ type: 'registration', tenantId, ext, contacts: 1 });
  const call = (tenantId: string, exts: string[]): LiveEvent => ({ type: 'call', tenantId, callId: 'c', state: 'early', exts });
  assert.ok(visibleTo(provider, reg('globex', '1001')));
  assert.ok(visibleTo(adminA, reg('acme', '1002')));
  assert.not.ok(visibleTo(adminA, reg('globex', '1001')));
  assert.ok(visibleTo(userA1, reg('acme', '1001')));
  assert.not.ok(visibleTo(userA1, reg('acme', '1002')));
  assert.not.ok(visibleTo(userA1, reg('globex', '1001')), 'the same number in another tenant');
  assert.ok(visibleTo(userA1, call('acme', ['1002', '1001'])));
  assert.not.ok(visibleTo(userA1, call('acme', ['1002'])));
  assert.not.ok(visibleTo(userA1, call('globex', ['1001'])));
  assert.not.ok(visibleTo({ role: 'tenant-admin', tokenId: 'x' }, reg('acme', '1')), 'no tenant: nothing');
  assert.equal(wireOf(call('acme', ['1001'])), { tenantId: 'acme', callId: 'c', state: 'early' });
});

test('the call sink tells the lamps and the live events: state, from, to, then terminated', () => {
  const states = new ExtensionStates();
  const live = new LiveEvents();
  const got: LiveEvent[] = [];
  live.subscribe((e) => got.push(e));
  const sink = liveCallSink(states, live);
  sink.callLegs('acme', 'c1', [{ resource: '1001', direction: 'initiator', phase: 'trying', peer: '1002' }, { resource: '1002', direction: 'recipient', phase: 'early', peer: '1001' }]);
  assert.is(states.lamp('acme', '1002'), 'ringing');
  sink.callLegs('acme', 'c1', [{ resource: '1001', direction: 'initiator', phase: 'confirmed', peer: '1002' }, { resource: '1002', direction: 'recipient', phase: 'confirmed', peer: '1001' }]);
  sink.callEnded('acme', 'c1');
  assert.is(states.lamp('acme', '1002'), 'idle');
  assert.equal(got.map((e) => (e.type === 'call' ? [e.state, e.from, e.to, e.exts] : e.type)), [
    ['early', '1001', '1002', ['1001', '1002']],
    ['confirmed', '1001', '1002', ['1001', '1002']],
    ['terminated', '1001', '1002', ['1001', '1002']],
  ]);
  // An outside caller: from is the number the PBX knows.
  sink.callLegs('acme', 'c2', [{ resource: '1001', direction: 'recipient', phase: 'early', peer: '+14155550100' }]);
  const last = got.at(-1)!;
  assert.equal(last.type === 'call' ? [last.from, last.to, last.exts] : [], ['+14155550100', '1001', ['1001']]);
});

test('a listener that throws does not stop the others', () => {
  const live = new LiveEvents();
  let n = 0;
  live.subscribe(() => {
    throw new Error('broken');
  });
  live.subscribe(() => n++);
  live.publish({ type: 'registration', tenantId: 'acme', ext: '1', contacts: 0 });
  assert.is(n, 1);
});

test.run();
