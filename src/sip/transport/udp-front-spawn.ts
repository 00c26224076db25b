import { Worker } from 'node:worker_threads';
import type { UdpFrontInit } from './udp-front-protocol.js';

/**
 * Start a SIP front thread. Built, the entry is dist/sip/transport/udp-front-main.js; run
 * from the TypeScript sources (tsx, in tests) the thread registers tsx's loader itself
 * before importing udp-front-main.ts (as src/media/worker-spawn.ts does).
 */
export function spawnUdpFront(init: UdpFrontInit): Worker {
  const name = `sip-${init.index}`;
  if (import.meta.url.endsWith('.ts')) {
    const entry = new URL('./udp-front-main.ts', import.meta.url).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(code, { eval: true, workerData: init, name });
  }
  return new Worker(new URL('./udp-front-main.js', import.meta.url), { workerData: init, name });
}
