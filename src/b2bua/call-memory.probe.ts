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
 *   node --expose-gc --import tsx src/b2bua/call-memory.probe.ts [calls=200] [directMedia=off|on]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PbxServer } from '../app/pbx-server.js';
import type { MediaController } from '../media/controller.js';
import { createLogger } from '../util/logger.js';
import { authFields, Callee } from '../../test/support/call-harness.js';
import { freePort } from '../../test/support/ports.js';
import { SippProcess } from '../../test/support/sipp-process.js';

const calls = Number(process.argv[2] ?? 200);
const direct = process.argv[3] === 'on';
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
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'tenants', 'acme.yaml'),
    ['id: acme', 'domains: [ acme.example ]', 'limits: { calls: 100000, callsPerExtension: 100000 }', 'extensions:', '  - { ext: "1001", password: "acme-1001-secret" }', '  - { ext: "1002", password: "acme-1002-secret" }', ...(direct ? ['media: { direct: true }'] : [])].join('\n') + '\n',
  );
  const server = await PbxServer.start(join(dir, 'pbx.yaml'), { logger: createLogger({ level: 'error' }), env: {} });
  // The probe reads the worker's load report (heapUsedBytes) through the server's own controller.
  const media = (server as unknown as { media: MediaController }).media;
  const remote = `127.0.0.1:${port}`;
  const callee = await Callee.start({ server: remote, party: { user: '1002', domain: 'acme.example', password: 'acme-1002-secret' }, calls, timeoutSeconds: 600 });
  await sleep(2000);
  const before = await sample(media);
  const caller = SippProcess.start({
    scenario: 'call-uac.xml',
    remote,
    inject: [[...authFields({ user: '1001', domain: 'acme.example', password: 'acme-1001-secret' }), '1002@acme.example']],
    calls,
    rate: 50,
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
  await sleep(3000);
  const [load] = await media.loads();
  const after = await sample(media);
  const per = (a: number, b: number) => ((a - b) / calls / 1024).toFixed(1);
  const result = {
    calls,
    directMedia: direct,
    workerSessions: load?.sessions,
    mainHeapKiBPerCall: per(after.heap, before.heap),
    workerHeapKiBPerCall: per(after.workerHeap, before.workerHeap),
    rssKiBPerCall: per(after.rss, before.rss),
    totalKiBPerCall: per(after.heap + after.workerHeap, before.heap + before.workerHeap),
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
