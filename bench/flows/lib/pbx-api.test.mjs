import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pacerDelta, parsePacerCounters } from './pbx-api.mjs';

const scrape = (p0, l0, p1, l1) => `# HELP pbx_media_worker_frames_paced_total 20 ms frame ticks
# TYPE pbx_media_worker_frames_paced_total counter
pbx_media_worker_frames_paced_total{worker="0"} ${p0}
pbx_media_worker_frames_paced_total{worker="1"} ${p1}
# TYPE pbx_media_worker_frames_late_total counter
pbx_media_worker_frames_late_total{worker="0"} ${l0}
pbx_media_worker_frames_late_total{worker="1"} ${l1}
pbx_media_worker_packets_relayed_total{worker="0"} 999
`;

test('the pacer counters of every worker are read from the exposition, other metrics ignored', () => {
  const m = parsePacerCounters(scrape(100, 2, 50, 0));
  assert.equal([...m.entries()], [
    ['0', { paced: 100, late: 2 }],
    ['1', { paced: 50, late: 0 }],
  ]);
});

test('late frames are the delta over the run, per worker and in total', () => {
  const d = pacerDelta(parsePacerCounters(scrape(100, 2, 50, 0)), parsePacerCounters(scrape(1100, 3, 2050, 1)));
  assert.equal(d.workers, [
    { worker: '0', paced: 1000, late: 1 },
    { worker: '1', paced: 2000, late: 1 },
  ]);
  assert.is(d.paced, 3000);
  assert.is(d.late, 2);
  assert.ok(Math.abs(d.latePct - 100 * (2 / 3000)) < 1e-9);
});

test('a worker that appears only after the start counts from zero; no frames is 0 %, not NaN', () => {
  const d = pacerDelta(new Map(), parsePacerCounters(scrape(10, 1, 0, 0)));
  assert.is(d.paced, 10);
  assert.is(pacerDelta(new Map(), new Map()).latePct, 0);
});

test.run();
