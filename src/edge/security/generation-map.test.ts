import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GenerationMap } from './generation-map.js';

test('a key untouched for two idle periods is forgotten; one in use is kept', () => {
  const m = new GenerationMap<number>(100, 1000, 0);
  m.add('busy', 1, 0);
  m.add('idle', 2, 0);
  for (let t = 100; t <= 5000; t += 100) assert.is(m.get('busy', t), 1, `busy at ${t}`);
  assert.is(m.get('idle', 5000), undefined);
  assert.is(m.size, 1);
});

test('a key touched within the idle period survives a time rotation', () => {
  const m = new GenerationMap<string>(100, 1000, 0);
  m.add('a', 'x', 0);
  assert.is(m.get('a', 1500), 'x'); // rotated once at 1500; 'a' moved back to current
  assert.is(m.get('a', 2900), 'x');
  assert.is(m.get('a', 4500), 'x');
});

test('after a long silence both generations are dropped', () => {
  const m = new GenerationMap<number>(100, 1000, 0);
  for (let i = 0; i < 10; i++) m.add(`k${i}`, i, 0);
  m.tick(2000);
  assert.is(m.size, 0);
});

test('size never exceeds maxSize under a stream of new keys; drops are reported', () => {
  let reported = 0;
  const m = new GenerationMap<number>(1000, 60_000, 0, (n) => (reported += n));
  for (let i = 0; i < 10_000; i++) {
    m.add(`k${i}`, i, 0);
    assert.ok(m.size <= 1000, `size ${m.size} after ${i}`);
  }
  assert.ok(reported >= 8000, `reported ${reported}`);
  assert.is(m.capacityDrops, reported);
  // The most recent keys are still there.
  assert.is(m.get('k9999', 0), 9999);
});

test('a key that keeps being used survives a spray of new keys', () => {
  const m = new GenerationMap<string>(1000, 60_000, 0);
  m.add('flooder', 'state', 0);
  for (let i = 0; i < 50_000; i++) {
    m.add(`spoof${i}`, '', 0);
    if (i % 100 === 0) assert.is(m.get('flooder', 0), 'state', `lost after ${i}`);
  }
});

test('a clock stepping backwards does not stop rotation', () => {
  const m = new GenerationMap<number>(100, 1000, 10_000);
  m.add('a', 1, 10_000);
  m.tick(5_000); // stepped back
  assert.is(m.get('a', 5_000), 1);
  m.tick(7_100);
  assert.is(m.get('a', 7_100), undefined);
});

test.run();
