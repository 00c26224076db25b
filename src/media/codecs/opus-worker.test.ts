import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { loadNativeOpus } from './opus-backend.js';

// The media workers are worker_threads: the codec (and the native addon, which must be
// context-aware to load in more than one thread) has to work there. Each worker loads the codec
// from the TypeScript sources, round-trips a 1 kHz tone and reports what it measured.

const native = loadNativeOpus();
if (typeof native === 'string') console.log(`SKIPPED: Opus native backend in worker threads: ${native}`);
const names = typeof native === 'string' ? ['opusscript'] : ['native', 'opusscript'];

interface WorkerReport {
  backend: string;
  frames: number;
  samples: number;
  toneDb: number;
  concealed: number;
  threadId: number;
}

const body = `
  const { parentPort, workerData, threadId } = await import('node:worker_threads');
  const { chooseOpusBackend } = await import(${JSON.stringify(new URL('./opus-backend.ts', import.meta.url).href)});
  const { OpusEncoder, OpusDecoder } = await import(${JSON.stringify(new URL('./opus.ts', import.meta.url).href)});
  const { goertzelPower, meanPower, powerDb } = await import(${JSON.stringify(new URL('../dsp/goertzel.ts', import.meta.url).href)});
  const { writeSine } = await import(${JSON.stringify(new URL('../dsp/tone.ts', import.meta.url).href)});
  const { backend } = chooseOpusBackend(workerData.prefer);
  const enc = new OpusEncoder(backend);
  const dec = new OpusDecoder(backend);
  let phase = 0, samples = 0, last;
  for (let k = 0; k < 25; k++) {
    const f = new Int16Array(960);
    phase = writeSine(f, { sampleRate: 48000, frequency: 1000, amplitude: 8000, phase });
    last = dec.decode(enc.encode(f));
    samples += last.length;
  }
  const concealed = dec.decodeOrConceal(null).pcm.length;
  enc.close(); dec.close();
  parentPort.postMessage({ backend: backend.name, frames: 25, samples, concealed, threadId,
    toneDb: powerDb(goertzelPower(last, 48000, 1000), meanPower(last)) });
`;

function runInWorker(prefer: string): Promise<WorkerReport> {
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then(async (m) => { m.register(); ${body} });`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { prefer } });
    let report: WorkerReport | undefined;
    w.once('message', (m: WorkerReport) => (report = m));
    w.once('error', reject);
    w.once('exit', (code) => (report ? resolve(report) : reject(new Error(`worker exited with ${code} without a report`))));
  });
}

for (const name of names) {
  test(`${name}: the codec loads and round-trips a tone inside worker threads (two at once, then a fresh one)`, async () => {
    const first = await Promise.all([runInWorker(name), runInWorker(name)]);
    const again = await runInWorker(name);
    for (const r of [...first, again]) {
      assert.is(r.backend, name);
      assert.is(r.samples, r.frames * 960);
      assert.is(r.concealed, 960);
      assert.ok(r.toneDb > -1, `1 kHz dominates the decoded frame (${r.toneDb.toFixed(2)} dB)`);
      assert.ok(r.threadId > 0);
    }
    assert.is(new Set([...first, again].map((r) => r.threadId)).size, 3, 'three distinct threads');
  });
}

test.run();
