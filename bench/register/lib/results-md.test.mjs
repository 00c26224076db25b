import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanBest, runSection } from './results-md.mjs';

const machine = { nproc: 2, cpuModel: 'X', memGiB: 1, kernel: 'k', node: 'v20', kamailio: '5.6.3', sipp: 'v3.6.1', loadavg: '0 0 0' };
const options = { sippProcs: 1, stepSeconds: 10, start: 1000, step: 1000, resolution: 250, recvTimeoutMs: 5000, quietPct: 30 };
const step = (rate, pass) => ({ rate, pass, achieved: rate, okPerSec: rate, failurePct: pass ? 0 : 5, failureKinds: pass ? {} : { TimeoutOnRecv: 50 }, retransPct: 0, callLengthMs: 1, serverCpuPct: 50, serverRss: 2 ** 20, serverPss: 2 ** 20, sippCpuPct: 10, otherCpuPct: 5, busyBeforePct: 5, problems: [] });
const result = (best) => ({
  ramp: { best, firstFail: best + 1000, stoppedBy: 'found', steps: [step(best, true), step(best + 1000, false)] },
  memory: { base: { rss: 0, pss: 0 }, after: { rss: 0, pss: 0 }, perContactPss: 900, perContactRss: 1000 },
  notes: [],
});

test('a section has a row per step, both headlines and their ratio', () => {
  const md = runSection({
    date: 'D', machine, options, userCount: 10000, tenants: 100, caveats: ['c1'], ratio: 0.5,
    sides: [{ title: 'PBX', config: ['p'], result: result(3000) }, { title: 'Kamailio 5.6.3', config: ['k'], result: result(6000) }],
  });
  assert.match(md, '| 3000 | 3000 | 3000 | 0.00 |');
  assert.match(md, 'fail (failures: TimeoutOnRecv 50)');
  assert.match(md, '- PBX: **3000/s**');
  assert.match(md, '- Kamailio 5.6.3: **6000/s**');
  assert.match(md, 'ratio PBX / Kamailio: **0.50**');
  assert.match(md, '**per contact: 900 bytes');
  assert.match(md, 'without signs of overload (passing, under 1 % SIPp retransmissions): 3000/s');
});

test('the clean figure skips passing steps that needed retransmissions', () => {
  const steps = [step(1000, true), { ...step(2000, true), retransPct: 30 }, step(3000, false)];
  assert.is(cleanBest({ steps }).rate, 1000);
  assert.is(cleanBest({ steps: [step(1000, false)] }), undefined);
});

test('a failed attempt on a busy machine is shown above its repetition', () => {
  const r = result(3000);
  r.ramp.steps[1] = { ...step(4000, true), disturbedAttempt: { ...step(4000, false), otherCpuPct: 80 } };
  const md = runSection({ date: 'D', machine, options, userCount: 1, tenants: 1, caveats: [], sides: [{ title: 'PBX', config: [], result: r }] });
  const busy = md.indexOf('the rest of the machine was busy: repeated below');
  assert.ok(busy > 0);
  assert.ok(md.indexOf('| 4000 |', busy) > busy, 'the repetition follows');
});

test('a side that could not run says why', () => {
  const md = runSection({ date: 'D', machine, options, userCount: 1, tenants: 1, caveats: [], sides: [{ title: 'PBX', config: [], skipped: 'bin/pbx missing' }] });
  assert.match(md, 'Not measured: bin/pbx missing');
  assert.not.match(md, 'ratio');
});

test.run();
