import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FeatureCodeMatcher } from './feature-code-matcher.js';

function run(m: FeatureCodeMatcher, digits: string, stepMs = 200, from = 0): number[] {
  const hits: number[] = [];
  [...digits].forEach((d, i) => {
    if (m.push(d, from + i * stepMs)) hits.push(i);
  });
  return hits;
}

test('*1 matches at its last digit; again after a match', () => {
  assert.equal(run(new FeatureCodeMatcher('*1'), '*1'), [1]);
  assert.equal(run(new FeatureCodeMatcher('*1'), '*1*1'), [1, 3]);
});

test('digits around the code: only the code matches', () => {
  assert.equal(run(new FeatureCodeMatcher('*1'), '123*4*1'), [6]);
  assert.equal(run(new FeatureCodeMatcher('*1'), '**1'), [2], 'a repeated star starts over');
  assert.equal(run(new FeatureCodeMatcher('*1'), '1*2#1'), []);
});

test('longer codes and codes that overlap themselves', () => {
  assert.equal(run(new FeatureCodeMatcher('*9*'), '*9*9*'), [2]);
  assert.equal(run(new FeatureCodeMatcher('##5'), '###5'), [3]);
});

test('a pause longer than the gap between two digits forgets the start', () => {
  const m = new FeatureCodeMatcher('*1', 3000);
  assert.is(m.push('*', 0), false);
  assert.is(m.push('1', 3001), false);
  assert.is(m.push('*', 10_000), false);
  assert.is(m.push('1', 12_999), true);
});

test.run();
