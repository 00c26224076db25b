import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTcpdumpCounts } from './music-capture.mjs';

test('parseTcpdumpCounts reads the three summary lines', () => {
  const text = 'tcpdump: listening on lo, link-type EN10MB\n51234 packets captured\n51240 packets received by filter\n6 packets dropped by kernel\n';
  assert.equal(parseTcpdumpCounts(text), { captured: 51234, received: 51240, dropped: 6 });
});

test('parseTcpdumpCounts: a tcpdump that never started yields nothing', () => {
  assert.equal(parseTcpdumpCounts('tcpdump: lo: You don\'t have permission to capture on that device\n'), { captured: undefined, received: undefined, dropped: undefined });
});

test.run();
