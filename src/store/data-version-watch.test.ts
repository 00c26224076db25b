import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataVersionWatch } from './data-version-watch.js';

function harness() {
  let version = 1;
  let reads = 0;
  let ends: Array<() => void> = [];
  const watch = new DataVersionWatch(
    () => {
      reads++;
      return version;
    },
    (fn) => ends.push(fn),
  );
  return {
    watch,
    commitElsewhere: () => version++,
    reads: () => reads,
    endTick: () => {
      const due = ends;
      ends = [];
      for (const fn of due) fn();
    },
  };
}

test('asks the pragma once per tick, however many requests the tick handles', () => {
  const h = harness();
  assert.is(h.reads(), 1, 'the starting version');
  for (let i = 0; i < 100; i++) assert.is(h.watch.changed(), false);
  assert.is(h.reads(), 2);
  h.endTick();
  h.watch.changed();
  assert.is(h.reads(), 3);
});

test('a commit of another connection is reported once, from the next tick on', () => {
  const h = harness();
  assert.is(h.watch.changed(), false);
  h.commitElsewhere();
  assert.is(h.watch.changed(), false, 'same tick: the answer of this tick stands');
  h.endTick();
  assert.is(h.watch.changed(), true);
  h.endTick();
  assert.is(h.watch.changed(), false, 'reported once');
});

test.run();
