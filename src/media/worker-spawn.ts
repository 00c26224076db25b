import { Worker } from 'node:worker_threads';
import type { WorkerInit } from './protocol.js';

/**
 * Start the media worker script. Built, this file is dist/media/worker-spawn.js and the
 * worker dist/media/worker/worker-main.js. Run from the TypeScript sources (tsx, in
 * tests), a worker thread does not inherit tsx's loader on Node 20, so the thread
 * registers it itself before importing worker-main.ts.
 */
export function spawnMediaWorker(init: WorkerInit): Worker {
  const name = `media-${init.index}`;
  if (import.meta.url.endsWith('.ts')) {
    const entry = new URL('./worker/worker-main.ts', import.meta.url).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(code, { eval: true, workerData: init, name });
  }
  return new Worker(new URL('./worker/worker-main.js', import.meta.url), { workerData: init, name });
}
