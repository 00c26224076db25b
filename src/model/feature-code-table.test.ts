import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FEATURE_CODE_DEFAULTS, featureCodeProblems, featureCodeTable, matchFeatureCode } from './feature-code-table.js';

test('the defaults of every id; a rename and a disable', () => {
  const t = featureCodeTable();
  assert.equal(Object.fromEntries(t.map((e) => [e.id, e.code])), { ...FEATURE_CODE_DEFAULTS });
  assert.equal(t.filter((e) => e.arg).map((e) => e.id), ['forwardOn', 'forwardBusyOn', 'forwardNoAnswerOn', 'timeConditionToggle', 'queueLogin', 'queueLogout']);
  const mine = featureCodeTable({ forwardOn: '*21', dndOn: false });
  assert.is(mine.find((e) => e.id === 'forwardOn')!.code, '*21');
  assert.is(mine.find((e) => e.id === 'forwardOn')!.default, '*72');
  assert.is(mine.find((e) => e.id === 'dndOn')!.code, null);
});

test('matching: exact codes, codes with digits after them, in-call and disabled codes never, other numbers not', () => {
  const t = featureCodeTable({ dndOn: false });
  assert.equal(matchFeatureCode(t, '*73'), { id: 'forwardOff' });
  assert.equal(matchFeatureCode(t, '*72'), { id: 'forwardOn' });
  assert.equal(matchFeatureCode(t, '*720301234567'), { id: 'forwardOn', arg: '0301234567' });
  assert.equal(matchFeatureCode(t, '*922001'), { id: 'forwardNoAnswerOn', arg: '2001' });
  assert.is(matchFeatureCode(t, '*731'), undefined, 'forwardOff takes no digits');
  assert.is(matchFeatureCode(t, '*72+4930'), undefined, 'only digits after a code');
  assert.is(matchFeatureCode(t, '*72' + '1'.repeat(33)), undefined, 'at most 32 digits');
  assert.is(matchFeatureCode(t, '*78'), undefined, 'disabled');
  assert.is(matchFeatureCode(t, '*1'), undefined, 'recordToggle is pressed during a call, not dialled');
  assert.is(matchFeatureCode(t, '1001'), undefined);
  assert.is(matchFeatureCode(t, ''), undefined);
});

test('refused: unknown ids, bad codes, recordToggle off, two ids on one code, a code that begins another or an extension', () => {
  const msgs = (o: Record<string, unknown>, exts: string[] = []) => featureCodeProblems(o, exts).map((p) => `${p.id}: ${p.message}`);
  assert.equal(msgs({ vmail: '*97' }), [`vmail: unknown feature code (known: ${Object.keys(FEATURE_CODE_DEFAULTS).join(', ')})`]);
  assert.match(msgs({ dndOn: '78' })[0]!, /^dndOn: must be a feature code/);
  assert.match(msgs({ dndOn: true })[0]!, /^dndOn: must be a feature code, or false/);
  assert.equal(msgs({ recordToggle: false }), ['recordToggle: recordToggle cannot be disabled (set the recording policy instead)']);
  assert.equal(msgs({ dndOn: '*97' }), ['dndOn: *97 is the code of both voicemail and dndOn']);
  assert.equal(msgs({ dndOn: '*7' }), ['dndOn: *7 (dndOn) is the beginning of *72 (forwardOn): *72 could never be dialled', 'dndOn: *7 (dndOn) is the beginning of *73 (forwardOff): *73 could never be dialled', 'dndOn: *7 (dndOn) is the beginning of *79 (dndOff): *79 could never be dialled']);
  assert.equal(msgs({ dndOff: '*789' }), ['dndOff: *78 (dndOn) is the beginning of *789 (dndOff): *789 could never be dialled']);
  assert.equal(msgs({ dndOn: '#5' }, ['#55']), ['dndOn: #5 (dndOn) is the beginning of extension #55']);
  // Disabling frees the code for another id; the in-call code may equal a dialled one.
  assert.equal(msgs({ voicemail: false, dndOn: '*97' }), []);
  assert.equal(msgs({ recordToggle: '*97' }), []);
});

test.run();
