import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { merge, newHistogram, percentile, record } from './histogram.mjs';

test('percentiles to within one 10 µs bucket, across merged histograms', () => {
  const a = newHistogram();
  const b = newHistogram();
  for (let i = 0; i < 99; i++) record(a, 95); // 99 samples at 95 µs
  record(b, 5000); // one at 5 ms
  const h = merge(a, b);
  assert.is(percentile(h, 0.5), 100);
  assert.is(percentile(h, 0.99), 100);
  assert.is(percentile(h, 1), 5010);
  assert.is(percentile(newHistogram(), 0.5), undefined);
  // out of range values land in the end buckets instead of throwing
  record(h, -3);
  record(h, 1e9);
  assert.is(percentile(h, 1), 200010);
});

test.run();
