import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DialPatternError } from './dial-pattern-error.js';
import { compareDialPatterns, compileDialPattern, isLiteral, matchDialPattern, minLength } from './dial-pattern.js';

const m = (p: string, d: string) => matchDialPattern(compileDialPattern(p), d);

test('X N Z and sets match one digit each; the whole number must match', () => {
  assert.ok(m('NXXNXXXXXX', '4155550100'));
  assert.not.ok(m('NXXNXXXXXX', '1155550100'), 'N is 2-9');
  assert.not.ok(m('NXXNXXXXXX', '41555501001'), 'one digit too many');
  assert.not.ok(m('NXXNXXXXXX', '415555010'), 'one digit short');
  assert.ok(m('Z1', '91'));
  assert.not.ok(m('Z1', '01'));
  assert.ok(m('[1-37-9]X', '85'));
  assert.not.ok(m('[1-37-9]X', '55'));
  assert.ok(m('[135]', '5'));
  assert.ok(m('nxx', '211'), 'lower case classes');
});

test("a final '.' takes one or more further characters, never none", () => {
  assert.ok(m('011.', '01144'));
  assert.ok(m('011.', '0114'));
  assert.not.ok(m('011.', '011'));
  assert.ok(m('+.', '+4420'));
  assert.not.ok(m('+.', '4420'), "'+' matches itself only");
});

test('hostile dialled strings match nothing and cost one pass', () => {
  const p = compileDialPattern('X.');
  assert.not.ok(matchDialPattern(p, ''));
  assert.not.ok(matchDialPattern(p, 'abc'));
  assert.ok(matchDialPattern(p, '1'.repeat(100_000)), 'long digits still match X.');
  assert.not.ok(matchDialPattern(p, `1${'\u0000'.repeat(5)}`));
  assert.not.ok(matchDialPattern(p, undefined as unknown as string));
});

test('bad patterns name the problem and its position', () => {
  const bad = (p: string, pos: number) => {
    try {
      compileDialPattern(p);
      assert.unreachable(`${p} compiled`);
    } catch (e) {
      assert.instance(e, DialPatternError);
      assert.is((e as DialPatternError).position, pos, `${p}: ${(e as Error).message}`);
    }
  };
  bad('', 1);
  bad('1.2', 2);
  bad('1+', 2);
  bad('[5-1]', 2);
  bad('[12', 1);
  bad('1A', 2);
  bad('X'.repeat(65), 65);
});

test('minLength, isLiteral and the most-specific-first order', () => {
  assert.is(minLength(compileDialPattern('011.')), 4);
  assert.ok(isLiteral(compileDialPattern('911')));
  assert.not.ok(isLiteral(compileDialPattern('91X')));
  const sorted = ['X.', 'NXX', '911', '9[1-2]1'].map(compileDialPattern).sort(compareDialPatterns).map((p) => p.source);
  assert.equal(sorted, ['911', '9[1-2]1', 'NXX', 'X.']);
});

test.run();
