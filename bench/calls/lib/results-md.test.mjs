import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { callsPerCore, callsSection } from './results-md.mjs';

const relayRamp = {
  best: 400,
  firstFail: 450,
  generatorBound: 450,
  steps: [
    { rate: 200, pass: true, pps: 20000, sent: 1, received: 1, lossPct: 0, p50Us: 250, p99Us: 1500, relayCpuPct: 25, generatorCpuPct: 40, latePct: 0, memDuring: 2 ** 20, perCallPss: 100 },
    { rate: 400, pass: true, pps: 40000, sent: 1, received: 1, lossPct: 0, p50Us: 350, p99Us: 5700, relayCpuPct: 50, generatorCpuPct: 66, latePct: 0, memDuring: 2 ** 21, perCallPss: 90 },
    { rate: 450, pass: false, generatorBound: true, pps: 45000, lossPct: 0, p50Us: 5000, p99Us: 30000, relayCpuPct: 60, generatorCpuPct: 93, latePct: 4.5 },
  ],
};

test('calls per core comes from the best passing step, not from a step the generator could not drive', () => {
  assert.equal(callsPerCore(relayRamp)?.perCore, 800);
  assert.is(callsPerCore({ best: 0, steps: [] }), undefined);
});

test('the section names both systems, the generator limit, the added delay and the caveats', () => {
  const machine = { nproc: 2, cpuModel: 'x', memGiB: 1, kernel: 'k', node: 'v20', kamailio: '5.6.3', sipp: 'v3.6.1', loadavg: '0', revision: 'abc' };
  const options = { tenants: 1, callMs: 1000, stepSeconds: 10, cpsStart: 500, cpsStep: 500, cpsResolution: 125, genThreads: 2, relayWarmupSeconds: 2, relaySeconds: 10, relayStart: 100, relayStep: 100, relayResolution: 50 };
  const md = callsSection({
    date: 'D',
    machine,
    rtpengineVersion: '10.5',
    options,
    pairs: 10,
    cps: [{ title: 'PBX', config: [], skipped: 'no B2BUA yet' }],
    cpsMedia: [],
    relay: [{ title: 'rtpengine 10.5 (userspace)', config: ['c'], result: { ramp: relayRamp, baseline: { p50Us: 300, p99Us: 900 }, notes: [] } }],
    summary: ['s1'],
    caveats: ['c1'],
  });
  assert.match(md, '## D: calls: setup rate and media relay');
  assert.match(md, 'Not measured: no B2BUA yet');
  assert.match(md, 'the search stopped at 450 calls because the load generator could not keep its schedule');
  assert.match(md, '**800 calls per core**');
  assert.match(md, 'added delay at 400 calls: p50 0.05 ms, p99 4.80 ms');
  assert.match(md, '| 450 | 45000 |');
  assert.match(md, '### Caveats\n\n- c1');
});

test.run();
