import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { callActivityLegs, reportCallActivity, type CallActivityLeg } from './call-activity.js';
import type { Call } from './call.js';
import type { ForkState } from './fork.js';

/** The parts of a call that call-activity reads: its state, input, branches and winner. */
function call(o: { state: Call['state']; callerExt?: string; direction?: 'internal' | 'inbound' | 'outbound'; fromNumber?: string; toNumber?: string; forks: Array<{ ext?: string; state: ForkState }>; winner?: number; replaced?: { a?: string | null; b?: string | null } }): Call {
  const forks = o.forks.map((f) => ({ state: f.state, target: f.ext !== undefined ? { binding: { aor: f.ext } } : {} }));
  const winner = o.winner !== undefined ? forks[o.winner] : undefined;
  const now = (v: string | null | undefined, before: string | undefined) => (v === undefined ? before : (v ?? undefined));
  return {
    partyExt: (side: 'a' | 'b') => (side === 'a' ? now(o.replaced?.a, o.callerExt) : now(o.replaced?.b, (winner?.target as { binding?: { aor: string } } | undefined)?.binding?.aor)),
    id: 'call-1',
    state: o.state,
    input: { callerExt: o.callerExt, calleeExt: '1002', record: { direction: o.direction ?? 'internal', fromNumber: o.fromNumber, toNumber: o.toNumber } },
    branches: forks,
    winner,
  } as unknown as Call;
}

test('internal call: the caller is the initiator (trying, then early once a branch rings), each callee contact a recipient', () => {
  assert.equal(callActivityLegs(call({ state: 'proceeding', callerExt: '1001', forks: [{ ext: '1002', state: 'calling' }] })), [
    { resource: '1002', direction: 'recipient', phase: 'trying', peer: '1001' },
    { resource: '1001', direction: 'initiator', phase: 'trying', peer: '1002' },
  ]);
  const ringing = callActivityLegs(call({ state: 'proceeding', callerExt: '1001', forks: [{ ext: '1002', state: 'ringing' }, { ext: '1002', state: 'calling' }] }));
  assert.equal(ringing.map((l) => `${l.resource}:${l.direction}:${l.phase}`), ['1002:recipient:early', '1002:recipient:trying', '1001:initiator:early']);
});

test('answered: only the winner stays (confirmed), with the caller; a failed branch is gone; an ending call has no legs', () => {
  const legs = callActivityLegs(call({ state: 'answered', callerExt: '1001', forks: [{ ext: '1002', state: 'cancelled' }, { ext: '1003', state: 'answered' }], winner: 1 }));
  assert.equal(legs, [
    { resource: '1003', direction: 'recipient', phase: 'confirmed', peer: '1001' },
    { resource: '1001', direction: 'initiator', phase: 'confirmed', peer: '1003' },
  ]);
  assert.equal(callActivityLegs(call({ state: 'proceeding', callerExt: '1001', forks: [{ ext: '1002', state: 'failed' }] })).map((l) => l.resource), ['1001']);
  assert.equal(callActivityLegs(call({ state: 'ending', callerExt: '1001', forks: [{ ext: '1002', state: 'answered' }], winner: 0 })), []);
});

test('trunk calls: an inbound caller is a number (no initiator leg); an outbound call has no recipient extension', () => {
  assert.equal(callActivityLegs(call({ state: 'proceeding', direction: 'inbound', fromNumber: '+4930123456', forks: [{ ext: '1002', state: 'ringing' }] })), [{ resource: '1002', direction: 'recipient', phase: 'early', peer: '+4930123456' }]);
  assert.equal(callActivityLegs(call({ state: 'answered', callerExt: '1001', direction: 'outbound', toNumber: '+14155550100', forks: [{ state: 'answered' }], winner: 0 })), [{ resource: '1001', direction: 'initiator', phase: 'confirmed', peer: '+14155550100' }]);
});

test('after a transfer the extension now on each side is listed, not the one that left (issue 12)', () => {
  // 1001 called 1002; 1001 transferred its side to 1003 (replaceLeg on side a).
  assert.equal(callActivityLegs(call({ state: 'answered', callerExt: '1001', forks: [{ ext: '1002', state: 'answered' }], winner: 0, replaced: { a: '1003' } })), [
    { resource: '1002', direction: 'recipient', phase: 'confirmed', peer: '1003' },
    { resource: '1003', direction: 'initiator', phase: 'confirmed', peer: '1002' },
  ]);
  // An inbound trunk call answered by 1001, handed to an outside party (attended transfer through a trunk): no lamp is lit.
  assert.equal(callActivityLegs(call({ state: 'answered', direction: 'inbound', fromNumber: '+4930123456', forks: [{ ext: '1001', state: 'answered' }], winner: 0, replaced: { b: null } })), []);
  // An inbound call transferred from 1001 to 1002: 1002 is busy with the outside number.
  assert.equal(callActivityLegs(call({ state: 'answered', direction: 'inbound', fromNumber: '+4930123456', forks: [{ ext: '1001', state: 'answered' }], winner: 0, replaced: { b: '1002' } })), [
    { resource: '1002', direction: 'recipient', phase: 'confirmed', peer: '+4930123456' },
  ]);
});

test('reportCallActivity: legs while the call lives, callEnded when it has none', () => {
  const seen: string[] = [];
  const sink = { callLegs: (t: string, id: string, legs: readonly CallActivityLeg[]) => seen.push(`${t}/${id}:${legs.length}`), callEnded: (t: string, id: string) => seen.push(`${t}/${id}:ended`) };
  reportCallActivity(sink, 'acme', call({ state: 'proceeding', callerExt: '1001', forks: [{ ext: '1002', state: 'calling' }] }));
  reportCallActivity(sink, 'acme', call({ state: 'ended', callerExt: '1001', forks: [] }));
  assert.equal(seen, ['acme/call-1:2', 'acme/call-1:ended']);
});

test.run();
