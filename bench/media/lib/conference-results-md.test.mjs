import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { conferenceSection } from './conference-results-md.mjs';

const room = (n, cpu, ok, extra = {}) => ({ n, ok, participants: n * 10, lossPct: 0, lateFramesPct: 0, engineCpuPct: cpu, generatorCpuPct: 5, maxLagMs: 2, rssBefore: 0, rssDuring: n * 10 * 2048, ...extra });
const call = (n, cpu, ok) => ({ n, ok, lossPct: 0, lateFramesPct: 0, engineCpuPct: cpu, generatorCpuPct: 5, maxLagMs: 2 });
const run = (g711Cpu) => ({
  date: new Date('2026-12-07T04:00:00Z'),
  machine: { cpuModel: 'Test CPU', nproc: 2, memGiB: 4, kernel: '6.1', loadavg: '0.1 0.1 0.1', revision: 'abc' },
  o: { quick: true, size: 10, talkers: 3, startRooms: 2, measureMs: 3000, warmupMs: 1500, genThreads: 1 },
  pbxNode: 'v24.0.0',
  opusBackend: 'native',
  results: {
    relay: { steps: [call(100, 10, true), call(200, 25, false)], max: 100, firstFail: 200, best: call(100, 10, true) },
    g711: { steps: [room(2, g711Cpu / 2, true), room(4, g711Cpu, true), room(8, 90, false, { lateFramesPct: 0.5 })], max: 4, firstFail: 8, best: room(4, g711Cpu, true) },
  },
});

test('participants per core beside relay calls per core, the 0.8× verdict, memory and every step', () => {
  const md = conferenceSection(run(5));
  assert.match(md, /^## 2026-12-07 04:00 UTC: media: conference participants per core \(quick\)\n/);
  assert.match(md, /\| PCMU relay calls \(reference\) \| 100 calls \| 200 \| 10 % \| 1,000 \| – \|/);
  assert.match(md, /\| G\.711 \(PCMU\) rooms of 10 \| 40 participants \| 80 \| 5 % \| 800 \| 2\.0 KiB \(at 80\) \|/);
  assert.match(md, /\| Opus rooms of 10 \| not run \|/);
  assert.match(md, /relay calls per core = 0\.80 \(target ≥ 0\.8\): \*\*met\*\*/);
  assert.is(md.split('\n').filter((l) => /^\| (relay|g711) \| \d+ \|/.test(l)).length, 5);
  assert.match(md, /\| g711 \| 8 \| 80 \| no \| 0\.000 % \| 0\.500 % \|/);
});

test('below 0.8× the target is reported not met', () => {
  assert.match(conferenceSection(run(10)), /= 0\.40 \(target ≥ 0\.8\): \*\*not met\*\*/);
});

test.run();
