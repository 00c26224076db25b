import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isParkSlot, nearParkSlot, parkProblems, parkSlots, parseSlotRange } from './park-settings.js';
import { pickupGroupProblems, pickupPeers } from './pickup-groups.js';

test('pickupPeers: the other members of every group an extension is in, never itself; none outside the groups', () => {
  const groups = { desk: ['1001', '1002'], sales: ['1002', '1003'], far: ['1004'] };
  assert.equal([...pickupPeers(groups, '1002')].sort(), ['1001', '1003']);
  assert.equal([...pickupPeers(groups, '1001')], ['1002']);
  assert.equal([...pickupPeers(groups, '1004')], []);
  assert.equal([...pickupPeers(groups, '1009')], []);
});

test('pickupGroupProblems: bad names, non-members, duplicates, wrong shapes', () => {
  const exts = new Set(['1001', '1002']);
  assert.equal(pickupGroupProblems({ desk: ['1001', '1002'] }, exts), []);
  assert.equal(pickupGroupProblems(undefined, exts), []);
  assert.equal(pickupGroupProblems(['1001'], exts).map((p) => p.path), ['']);
  assert.equal(
    pickupGroupProblems({ 'bad name': ['1001'], desk: ['1001', '1009', '1001'], x: 'no' }, exts).map((p) => `${p.path}: ${p.message}`),
    ['bad name: a group name is 1-32 letters, digits, - or _', 'desk.1: 1009 is not an extension of this tenant', 'desk.2: 1001 is listed twice', 'x: must be a list of extensions'],
  );
});

test('slot ranges: parsed, listed with leading zeros kept, matched; numbers next to the range', () => {
  assert.equal(parseSlotRange('701-703'), { first: '701', last: '703' });
  assert.equal(parkSlots({ first: '098', last: '101' }), ['098', '099', '100', '101']);
  assert.type(parseSlotRange('701'), 'string');
  assert.type(parseSlotRange('0701-720'), 'string');
  assert.type(parseSlotRange('720-701'), 'string');
  assert.type(parseSlotRange('100-300'), 'string');
  assert.type(parseSlotRange(701), 'string');
  const s = { first: '701', last: '720' };
  assert.ok(isParkSlot(s, '701') && isParkSlot(s, '720'));
  assert.not.ok(isParkSlot(s, '721') || isParkSlot(s, '0701') || isParkSlot(s, '70a') || isParkSlot(s, '*701'));
  assert.ok(nearParkSlot(s, '799'));
  assert.not.ok(nearParkSlot(s, '710') || nearParkSlot(s, '899') || nearParkSlot(s, '7999'));
});

test('parkProblems: slots that are extensions, timeouts out of bounds, fallbacks; the shape alone when no extensions are given', () => {
  const ok = { first: '701', last: '705', timeoutSeconds: 120, fallback: { type: 'extension', ext: '1001' } };
  assert.equal(parkProblems(ok, new Set(['1001'])), []);
  assert.equal(parkProblems(ok, undefined), [], 'the store row: shape only');
  assert.equal(parkProblems({ ...ok, first: '700' }, new Set(['1001', '700'])).map((p) => p.path), ['slots']);
  assert.equal(parkProblems({ ...ok, timeoutSeconds: 1 }, new Set(['1001'])).map((p) => p.path), ['timeoutSeconds']);
  assert.equal(parkProblems({ ...ok, fallback: { type: 'voicemail', box: '1001' } }, new Set(['1001'])).map((p) => p.path), ['fallback']);
  assert.equal(parkProblems({ ...ok, fallback: { type: 'ringGroup', name: 'x' } }, new Set(['1001']), new Set(['sales'])).map((p) => p.path), ['fallback']);
  assert.equal(parkProblems({ ...ok, fallback: { type: 'hangup' } }, new Set()), []);
  assert.equal(parkProblems({ ...ok, extra: 1 }, undefined).map((p) => p.path), ['extra']);
});

test.run();
