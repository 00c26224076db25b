/**
 * One-off probe of the memory a bridged call costs (issue 13 point 5: < 64 KiB per call),
 * not a test: the real server in this process (SIP stack, B2BUA, one media worker), SIPp as
 * the phones in processes of their own (so their memory is not counted): one SIPp answering
 * every call (RTP echo), one placing N calls with digest auth and a PCMU stream each, held
 * up. Measured before and after, per call:
 *   - main thread: V8 heap in use after a full GC (SIP dialogs, transactions, Call, SdpBridge, records);
 *   - media worker: its isolate's heap in use (the lowest of several samples: no GC can be forced there);
 *   - the process's RSS (both threads, sockets' buffers, native allocations).
 *
 * Short warm-up calls run first (their JIT code is not a call's memory).
 *
 *   node --expose-gc --import tsx bench/calls/call-memory.probe.ts [calls=200] [directMedia=off|on] [callsPerSecond=20]
 *   (PROBE_SNAPSHOTS=<dir> also writes main-thread heap snapshots before and after;
 *   PBX_PROBE_DIST=1 runs the server from dist/ (`npm run build` first) as production does: under
 *   tsx each function made carries esbuild's __name(fn, "name"), whose own `name` property gives
 *   every closure a property store, about 12 KiB of a call's main heap that dist/ does not have)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import type { PbxServer as PbxServerClass } from '../../src/app/pbx-server.js';
import type { MediaController } from '../../src/media/controller.js';
import type { createLogger as createLoggerFn } from '../../src/util/logger.js';
import { authFields, Callee } from '../../test/support/call-harness.js';
import { freePort } from '../../test/support/ports.js';
import { SippProcess } from '../../test/support/sipp-process.js';

const calls = Number(process.argv[2] ?? 200);
const direct = process.argv[3] === 'on';
const rate = Number(process.argv[4] ?? 20);
const built = process.env['PBX_PROBE_DIST'] === '1';
const src = built ? '../../dist' : '../../src';
const { PbxServer } = (await import(`${src}/app/pbx-server.js`)) as { PbxServer: typeof PbxServerClass };
const { createLogger } = (await import(`${src}/util/logger.js`)) as { createLogger: typeof createLoggerFn };
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sample(media: MediaController): Promise<{ heap: number; rss: number; workerHeap: number }> {
  gc!();
  await sleep(200);
  gc!();
  let workerHeap = Infinity;
  for (let i = 0; i < 5; i++) {
    const [l] = await media.loads();
    workerHeap = Math.min(workerHeap, l?.heapUsedBytes ?? Infinity);
    await sleep(400);
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss, workerHeap };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-call-memory-'));
  mkdirSync(join(dir, 'tenants'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'pbx.yaml'),
    [
      'dataDir: data',
      `sip: { listen: [ "udp://127.0.0.1:${port}" ] }`,
      `api: { listen: "127.0.0.1:${await freePort()}" }`,
      'rtp: { ports: 30000-39999, workers: 1 }',
      'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }',
      'registrar: { writeDelayMs: 0 }',
      'calls: { perExtension: 1000 }',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'tenants', 'acme.yaml'),
    ['id: acme', 'domains: [ acme.example ]', 'limits: { calls: 100000, callsPerExtension: 1000 }', 'extensions:', '  - { ext: "1001", password: "acme-1001-secret" }', '  - { ext: "1002", password: "acme-1002-secret" }', ...(direct ? ['media: { direct: true }'] : [])].join('\n') + '\n',
  );
  const server = await PbxServer.start(join(dir, 'pbx.yaml'), { logger: createLogger({ level: 'error' }), env: {} });
  // The probe reads the worker's load report (heapUsedBytes) through the server's own controller.
  const media = (server as unknown as { media: MediaController }).media;
  const remote = `127.0.0.1:${port}`;
  const WARMUP = 40;
  const callee = await Callee.start({ server: remote, party: { user: '1002', domain: 'acme.example', password: 'acme-1002-secret' }, calls: calls + WARMUP, timeoutSeconds: 600 });
  const callerFields = [...authFields({ user: '1001', domain: 'acme.example', password: 'acme-1001-secret' }), '1002@acme.example'];
  // Warm-up: short calls first, so the code V8 compiles for the call path (megabytes) is not counted per call.
  const warm = SippProcess.start({ scenario: 'call-uac.xml', remote, inject: [callerFields], calls: WARMUP, rate: 20, localPort: await freePort(), mediaPort: await freePort(), pauseMs: 1000, timeoutSeconds: 120 });
  await warm.done;
  await warm.dispose();
  await sleep(36_000); // their transactions' timers (64*T1) run out
  const before = await sample(media);
  // PROBE_SNAPSHOTS=<dir>: main-thread heap snapshots before and after, to see what a call holds.
  const snapshots = process.env['PROBE_SNAPSHOTS'];
  if (snapshots) writeHeapSnapshot(join(snapshots, 'before.heapsnapshot'));
  const caller = SippProcess.start({
    scenario: 'call-uac.xml',
    remote,
    inject: [callerFields],
    calls,
    rate,
    localPort: await freePort(),
    mediaPort: await freePort(),
    pauseMs: 600_000,
    timeoutSeconds: 600,
  });
  const end = Date.now() + 120_000;
  while (Date.now() < end) {
    const [l] = await media.loads();
    if ((l?.sessions ?? 0) >= calls) break;
    await sleep(500);
  }
  // Set-up leaves transactions behind for a while (RFC 3261 §17: Timer H/J, 64*T1 = 32 s, for
  // the 407'd INVITE and the REGISTERs): sampled once at once, and once when they are gone.
  await sleep(3000);
  const [load] = await media.loads();
  const live = load?.sessions ?? calls;
  const early = await sample(media);
  await sleep(36_000);
  const after = await sample(media);
  if (snapshots) writeHeapSnapshot(join(snapshots, 'after.heapsnapshot'));
  const [load2] = await media.loads();
  const per = (a: number, b: number) => ((a - b) / live / 1024).toFixed(1);
  const result = {
    callsPlaced: calls,
    directMedia: direct,
    liveCalls: live,
    liveCallsAtEnd: load2?.sessions,
    right_after_setup: { mainHeapKiBPerCall: per(early.heap, before.heap), workerHeapKiBPerCall: per(early.workerHeap, before.workerHeap), totalKiBPerCall: per(early.heap + early.workerHeap, before.heap + before.workerHeap) },
    mainHeapKiBPerCall: per(after.heap, before.heap),
    workerHeapKiBPerCall: per(after.workerHeap, before.workerHeap),
    rssKiBPerCall: per(after.rss, before.rss),
    totalKiBPerCall: per(after.heap + after.workerHeap, before.heap + before.workerHeap),
    server: built ? 'dist/' : 'tsx',
    node: process.version,
    loadavg: (await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' '),
  };
  console.log(JSON.stringify(result));
  await caller.dispose();
  await callee.stop();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
