import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mediaSection } from './results-md.mjs';

const step = (calls, cpu, ok, extra = {}) => ({ calls, ok, lossPct: 0, lateFramesPct: 0, engineCpuPct: cpu, generatorCpuPct: 5, maxLagMs: 3, perCallPss: 2048 * calls, ...extra });
const run = {
  date: new Date('2026-12-07T03:00:00Z'),
  machine: { cpuModel: 'Test CPU', nproc: 2, memGiB: 4, kernel: '6.1', loadavg: '0.10 0.10 0.10', revision: 'abc' },
  o: { quick: false, rtpengineThreads: 1, genThreads: 1, measureMs: 5000, warmupMs: 2000, start: 25 },
  pbxNode: 'v24.0.0',
  opusBackend: 'native',
  rtpengineVersion: '10.5',
  results: {
    g722: {
      pbx: { steps: [step(25, 20, true), step(50, 40, true), step(100, 90, false)], maxCalls: 50, firstFail: 100, best: step(50, 40, true), callsPerCore: 125 },
      rtpengine: { steps: [step(25, 10, true), step(50, 20, true, { extra: true })], maxCalls: 50, firstFail: undefined, best: step(50, 20, true), callsPerCore: 250 },
      transcoderMemory: { calls: 200, rssPerCall: 130 * 1024, heapPerCall: 20 * 1024, externalPerCall: 85 * 1024 },
    },
    relay: { pbx: { steps: [step(100, 10, true)], maxCalls: 100, firstFail: undefined, best: step(100, 10, true), callsPerCore: 1000 } },
    srtp: { pbx: { steps: [step(100, 25, true)], maxCalls: 100, firstFail: undefined, best: step(100, 25, true), callsPerCore: 400 } },
  },
};

test('the section gives both engines, the per-core ratio, the side-by-side ratio at equal calls, memory and every step', () => {
  const md = mediaSection(run);
  assert.match(md, /^## 2026-12-07 03:00 UTC: media: transcoding and relay per core\n/);
  assert.match(md, /Test CPU, 2 cores/);
  assert.match(md, /\| PBX PCMU↔G\.722 \| 50 \(fails at 100\) \| 40 % \| 125 \| 200\.0 KiB \(at 100\) \|/);
  assert.match(md, /\| rtpengine PCMU↔G\.722 \| ≥ 50 \(no failing step\) \| 20 % \| 250 \|/);
  assert.match(md, /PBX \/ rtpengine calls per core at each one's highest passing step = 0\.50 \(target ≥ 1\.0\)/);
  assert.match(md, /side by side at 50 calls each: PBX 40 % of a core, rtpengine 20 %: PBX \/ rtpengine per core = 0\.50/);
  assert.match(md, /transcoder state per call .*130\.0 KiB RSS, of which 20\.0 KiB JS heap and 85\.0 KiB Buffers/);
  assert.match(md, /\| PBX PCMU relay \(no transcoding\) \| ≥ 100/);
  assert.match(md, /\| PBX PCMU SRTP↔RTP \(SDES AES_CM_128_HMAC_SHA1_80 on one leg\) \| ≥ 100/);
  assert.match(md, /SRTP↔RTP \/ plain relay calls per core, same run: 400 \/ 1,000 = 0\.40/);
  assert.match(md, /Conference participants per core: measured by bench\/media\/conference\.mjs/);
  assert.is(md.split('\n').filter((l) => /^\| (pbx|rtpengine) (g722|relay|srtp) \|/.test(l)).length, 7, 'every step listed');
});

test.run();
