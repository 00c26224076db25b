import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_SAID_NUMBER, PROMPT_IDS, isPromptId, promptFileName, sayDigits, sayMessageCounts, sayNumber, type PromptId } from './prompt-catalog.js';
import { PROMPT_NAME_RE } from './prompt-path.js';

const TEXTS: Record<string, string> = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'media', 'prompts', 'en', 'texts.json'), 'utf8'));
/** What a sequence says, from the texts the built-in files were made of. */
const spoken = (ids: PromptId[]): string => ids.map((id) => TEXTS[id]).join(' ');

test('sayNumber: English words, American style (no "and")', () => {
  const cases: Array<[number, string]> = [
    [0, 'zero'],
    [7, 'seven'],
    [13, 'thirteen'],
    [19, 'nineteen'],
    [20, 'twenty'],
    [42, 'forty two'],
    [99, 'ninety nine'],
    [100, 'one hundred'],
    [105, 'one hundred five'],
    [110, 'one hundred ten'],
    [999, 'nine hundred ninety nine'],
    [1000, 'one thousand'],
    [1001, 'one thousand one'],
    [2016, 'two thousand sixteen'],
    [12_345, 'twelve thousand three hundred forty five'],
    [999_999, 'nine hundred ninety nine thousand nine hundred ninety nine'],
  ];
  for (const [n, words] of cases) assert.is(spoken(sayNumber(n)), words, String(n));
});

test('sayNumber: every number 0..999 is a distinct sequence of known prompts', () => {
  const seen = new Map<string, number>();
  for (let n = 0; n <= 999; n++) {
    const ids = sayNumber(n);
    for (const id of ids) assert.ok(isPromptId(id), `${n}: ${id}`);
    assert.ok(ids.length >= 1 && ids.length <= 4, `${n}: ${ids.length} prompts`);
    const key = ids.join(' ');
    assert.is(seen.get(key), undefined, `${n} and ${seen.get(key)} sound the same`);
    seen.set(key, n);
  }
  // And on through the thousands, sampled.
  for (let n = 1000; n <= MAX_SAID_NUMBER; n += 997) {
    const key = sayNumber(n).join(' ');
    assert.is(seen.get(key), undefined, `${n} and ${seen.get(key)} sound the same`);
    seen.set(key, n);
  }
});

test('sayNumber: refuses what it cannot say', () => {
  for (const bad of [-1, 1.5, MAX_SAID_NUMBER + 1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => sayNumber(bad), (e: unknown) => e instanceof RangeError, String(bad));
  }
});

test('sayDigits: one key at a time, star and pound', () => {
  assert.equal(sayDigits('1001'), ['num-1', 'num-0', 'num-0', 'num-1']);
  assert.is(spoken(sayDigits('*98#')), 'star nine eight pound');
  assert.equal(sayDigits(''), []);
  assert.is(sayDigits('0123456789').length, 10);
  for (const bad of ['12a', '1 2', '+1', '٣', 'x'.repeat(2)]) assert.throws(() => sayDigits(bad), (e: unknown) => e instanceof RangeError, bad);
  assert.throws(() => sayDigits('1'.repeat(33)), (e: unknown) => e instanceof RangeError);
});

test('sayMessageCounts: singular, plural, none, both', () => {
  assert.is(spoken(sayMessageCounts({ new: 0, saved: 0 })), 'You have no messages.');
  assert.is(spoken(sayMessageCounts({ new: 1, saved: 0 })), 'You have one new message');
  assert.is(spoken(sayMessageCounts({ new: 3, saved: 1 })), 'You have three new messages and one saved message');
  assert.is(spoken(sayMessageCounts({ new: 0, saved: 12 })), 'You have twelve saved messages');
});

test('catalog: every id is a valid prompt name, unique, and its own file name', () => {
  assert.is(new Set(PROMPT_IDS).size, PROMPT_IDS.length);
  for (const id of PROMPT_IDS) {
    assert.ok(PROMPT_NAME_RE.test(id), id);
    assert.is(promptFileName(id), `${id}.wav`);
  }
  assert.not.ok(isPromptId('no-such-prompt'));
});

test('catalog: the spoken ids are exactly the texts of the built-in set, plus the tones', () => {
  const tones = ['beep', 'conf-join', 'conf-leave'];
  assert.equal([...PROMPT_IDS].sort(), [...Object.keys(TEXTS), ...tones].sort());
});

test.run();
