import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { atEqualLoad, limitedBy, mediaSection } from './results-md.mjs';

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

test('browser legs beside the plain relay, their handshake cost, and the relay beside the bare Node relay per core and in total', () => {
  const hs = { connected: 40, wallMs: 2000, engineCpuMs: 400, generatorCpuMs: 600, dtlsMsMedian: 30, dtlsMsMax: 90, iceMsMax: 2, concurrency: 4, gapMs: 5 };
  const r2 = {
    ...run,
    cores: 2,
    results: {
      relay: run.results.relay,
      webrtc: { pbx: { steps: [step(40, 10, true, { handshake: hs, srtpOpened: 80, srtpOpenFailed: 0 }), step(80, 30, false, { lossPct: 1, maxLagMs: 40, otherCpuPct: 70, generatorCpuPct: 20 })], maxCalls: 40, firstFail: 80, best: step(40, 10, true), callsPerCore: 400 } },
      bare: { pbx: { steps: [step(100, 8, true)], maxCalls: 100, best: step(100, 8, true), callsPerCore: 1250, threads: 1 } },
      'relay-all': { pbx: { steps: [step(150, 18, true)], maxCalls: 150, firstFail: 300, best: step(150, 18, true), callsPerCore: 833, threads: 2 } },
    },
  };
  const md = mediaSection(r2);
  assert.match(md, /\| PBX PCMU browser leg \(ICE-lite, DTLS-SRTP AES_CM_128_HMAC_SHA1_80, rtcp-mux\) ↔ RTP \| 40 \(fails at 80\) \| 10 % \| 400 \|/);
  assert.match(md, /DTLS-SRTP browser legs \/ plain relay calls per core, same run: 400 \/ 1,000 = 0\.40/);
  assert.match(md, /at 40 legs, 4 handshakes at a time .* engine CPU 10\.0 ms per handshake \(≈ 100 handshakes per core-second/);
  assert.match(md, /\| bare Node dgram relay \| 1 \| 100 \(no failing step\) \| 8 % \| 1,250 \| – \|/);
  assert.match(md, /\| PBX media worker relay \| 1 \/ 2 \| 100 \(no failing step\) \| 10 % \| 1,000 \| 150 \(fails at 300\) with 2 threads at 18 % CPU \|/);
  assert.match(md, /PBX relay \/ bare Node relay, calls per core, same run: 1,000 \/ 1,250 = 0\.80 \(target ≥ 0\.9\)/);
  assert.match(md, /\| pbx webrtc \| 80 \| no \| 1\.000 % \| 0\.000 % \| 30 % \| 20 % \| 40\.0 ms \| 50 % \| .* \| generator behind \(lag 40\.0 ms\) \|/);
  assert.match(md, /\| bare bare \| 100 \| yes \|/);
});

test('side by side at equal calls: the largest count both passed, superseded steps left out', () => {
  const a = { steps: [step(25, 10, true), step(50, 20, true), step(100, 30, false), step(75, 25, false, { superseded: true }), step(75, 26, true)] };
  const b = { steps: [step(25, 5, true), step(50, 8, true), step(75, 13, true)] };
  assert.equal(atEqualLoad(a, b), { calls: 75, xCpu: 26, yCpu: 13, ratio: 0.5 });
  assert.is(atEqualLoad(a, { steps: [step(30, 5, true)] }), undefined);
});

test('what limited a step: the engine, the generator, or the busy machine', () => {
  assert.is(limitedBy({ ok: false, lossPct: 0.5, lateFramesPct: 0.3, maxLagMs: 2, engineCpuPct: 95 }), 'engine frames late, engine at a full core');
  assert.is(limitedBy({ ok: false, lossPct: 0.5, lateFramesPct: 0, maxLagMs: 2, engineCpuPct: 30, otherCpuPct: 120, generatorCpuPct: 20 }), 'loss with the machine busy (rest 100 %)');
  assert.is(limitedBy({ ok: true, lossPct: 0, maxLagMs: 1, engineCpuPct: 30 }), 'passed');
  assert.is(limitedBy({ ok: false, lossPct: 0, maxLagMs: 1, engineCpuPct: 30, srtpOpenFailed: 2 }), '2 SRTP packets did not open');
  assert.is(limitedBy({ ok: false, lossPct: 5, maxLagMs: 1, engineCpuPct: 30, handshake: { failed: 1, failures: ['DTLS handshake timed out'] } }), '1 browser legs did not connect (DTLS handshake timed out)');
});

test.run();
