import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ExtensionStates } from './extension-states.js';

function tracker() {
  const s = new ExtensionStates();
  const seen: string[] = [];
  s.onChange((t, r) => seen.push(`${t}/${r}:${s.lamp(t, r)}:${s.dialogs(t, r).map((d) => `${d.direction[0]}.${d.phase}`).join(',')}`));
  return { s, seen };
}

test('idle → ringing → busy → idle for both ends of an internal call, terminated told once', () => {
  const { s, seen } = tracker();
  s.callLegs('acme', 'c1', [
    { resource: '1001', direction: 'initiator', phase: 'trying', peer: '1002' },
    { resource: '1002', direction: 'recipient', phase: 'trying', peer: '1001' },
  ]);
  s.callLegs('acme', 'c1', [
    { resource: '1001', direction: 'initiator', phase: 'early', peer: '1002' },
    { resource: '1002', direction: 'recipient', phase: 'early', peer: '1001' },
  ]);
  assert.is(s.lamp('acme', '1002'), 'ringing');
  assert.is(s.lamp('acme', '1001'), 'busy', 'placing a call is busy');
  s.callLegs('acme', 'c1', [
    { resource: '1001', direction: 'initiator', phase: 'confirmed', peer: '1002' },
    { resource: '1002', direction: 'recipient', phase: 'confirmed', peer: '1001' },
  ]);
  assert.is(s.lamp('acme', '1002'), 'busy');
  s.callEnded('acme', 'c1');
  assert.is(s.lamp('acme', '1002'), 'idle');
  assert.equal(s.dialogs('acme', '1002'), [], 'a terminated dialog is forgotten after it was told');
  assert.equal(seen, [
    'acme/1001:busy:i.trying',
    'acme/1002:ringing:r.trying',
    'acme/1001:busy:i.early',
    'acme/1002:ringing:r.early',
    'acme/1001:busy:i.confirmed',
    'acme/1002:busy:r.confirmed',
    'acme/1001:idle:i.terminated',
    'acme/1002:idle:r.terminated',
  ]);
  assert.is(s.size, 0);
});

test('calls are counted per extension: one ends, the other keeps the lamp busy', () => {
  const { s } = tracker();
  s.callLegs('acme', 'c1', [{ resource: '1002', direction: 'recipient', phase: 'confirmed' }]);
  s.callLegs('acme', 'c2', [{ resource: '1002', direction: 'recipient', phase: 'early' }]);
  assert.is(s.dialogs('acme', '1002').length, 2);
  assert.is(s.lamp('acme', '1002'), 'busy');
  s.callEnded('acme', 'c1');
  assert.is(s.lamp('acme', '1002'), 'ringing');
  s.callEnded('acme', 'c2');
  assert.is(s.lamp('acme', '1002'), 'idle');
});

test('several contacts of one extension ringing for one call are one dialog (the most advanced)', () => {
  const { s, seen } = tracker();
  s.callLegs('acme', 'c1', [
    { resource: '1002', direction: 'recipient', phase: 'trying' },
    { resource: '1002', direction: 'recipient', phase: 'early' },
  ]);
  assert.equal(s.dialogs('acme', '1002').map((d) => d.phase), ['early']);
  // The same report again changes nothing and tells nobody.
  s.callLegs('acme', 'c1', [{ resource: '1002', direction: 'recipient', phase: 'early' }]);
  assert.is(seen.length, 1);
});

test('a branch that stops ringing (lost to another member) ends on that extension only', () => {
  const { s } = tracker();
  s.callLegs('acme', 'c1', [
    { resource: '1002', direction: 'recipient', phase: 'early' },
    { resource: '1003', direction: 'recipient', phase: 'early' },
  ]);
  s.callLegs('acme', 'c1', [{ resource: '1003', direction: 'recipient', phase: 'confirmed' }]);
  assert.is(s.lamp('acme', '1002'), 'idle');
  assert.is(s.lamp('acme', '1003'), 'busy');
});

test('the same extension number in two tenants is two resources', () => {
  const { s } = tracker();
  s.callLegs('acme', 'c1', [{ resource: '1001', direction: 'recipient', phase: 'confirmed' }]);
  assert.is(s.lamp('globex', '1001'), 'idle');
  assert.equal(s.dialogs('globex', '1001'), []);
  // A call id is only meaningful inside its tenant: globex ending "c1" touches nothing of acme.
  s.callEnded('globex', 'c1');
  assert.is(s.lamp('acme', '1001'), 'busy');
});

test('a throwing listener does not stop the others', () => {
  const s = new ExtensionStates();
  let heard = 0;
  s.onChange(() => {
    throw new Error('boom');
  });
  s.onChange(() => heard++);
  s.callLegs('acme', 'c1', [{ resource: 'park:701', direction: 'recipient', phase: 'confirmed' }]);
  assert.is(heard, 1);
  assert.is(s.lamp('acme', 'park:701'), 'busy');
});

test.run();
