/**
 * Entry point of a media worker thread. Wires the RelayEngine to the MessagePort:
 * requests in, one response per request, events out, and the inactivity timer.
 * Imports nothing that runs on the main thread (DESIGN.md).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MediaError } from '../media-error.js';
import { PortBatch, unbatch } from '../port-batch.js';
import type { MediaRequest, WireError, WorkerInit, WorkerMessage } from '../protocol.js';
import { portLogger } from './port-logger.js';
import { RelayEngine } from './relay-engine.js';

const port = parentPort;
if (!port) throw new Error('worker-main runs only as a worker thread');
const init = workerData as WorkerInit;

/** Responses, events and log lines, in batches (port-batch.ts); one that cannot be cloned is logged (its request times out). */
const out = new PortBatch<WorkerMessage>(
  (m) => port.postMessage(m),
  (m, err) => {
    if (m.kind !== 'log') log.error('media worker message not posted', { kind: m.kind, error: err });
  },
);

function post(m: WorkerMessage): void {
  out.send(m);
}

/** The worker's logger: lines go to the main thread, which writes them (port-logger.ts). */
const log = portLogger(post);

function toWire(err: unknown): WireError {
  if (err instanceof MediaError) return { code: err.code, message: err.message };
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}

const engine = new RelayEngine({
  address: init.address,
  portMin: init.portMin,
  portMax: init.portMax,
  rtpTimeoutMs: init.rtpTimeoutMs,
  emit: (event) => post({ kind: 'event', event }),
});

port.on('message', (batch: MediaRequest | MediaRequest[]) => {
  for (const req of unbatch(batch)) onRequest(req);
});

function onRequest(req: MediaRequest): void {
  const id = typeof req?.id === 'number' ? req.id : -1;
  if (req?.cmd?.op === 'crash') {
    post({ kind: 'response', id, ok: true, result: null });
    // Fault injection: an exception nobody catches ends the thread, as a bug would.
    setImmediate(() => {
      throw new Error(`media worker ${init.index}: crash requested`);
    });
    return;
  }
  if (req?.cmd?.op === 'stall') {
    const until = Date.now() + Math.min(10_000, Math.max(0, Number(req.cmd.ms) || 0));
    while (Date.now() < until) {
      // Fault injection: a worker too busy to answer.
    }
    post({ kind: 'response', id, ok: true, result: null });
    return;
  }
  engine.handle(req?.cmd).then(
    (result) => post({ kind: 'response', id, ok: true, result: result ?? null }),
    (err: unknown) => {
      const wire = toWire(err);
      // A MediaError is an answer (bad request, no ports); anything else is a bug worth a line.
      if (wire.code === 'internal') log.error('media command failed', { op: String(req?.cmd?.op), error: err, stack: err instanceof Error ? err.stack : undefined });
      post({ kind: 'response', id, ok: false, error: wire });
    },
  );
}

const checker = setInterval(() => engine.checkInactivity(), Math.max(10, init.checkIntervalMs));
port.on('close', () => {
  clearInterval(checker);
  engine.close();
});

log.debug('media worker started', { ports: `${init.portMin}-${init.portMax}`, address: init.address });
post({ kind: 'ready' });
