/**
 * The Logger of a media worker thread: the same interface the main thread's layers use, each
 * line posted over the worker's MessagePort as plain data ({kind:'log'}); the main thread
 * writes it with its own logger (pino, redaction and all) as scope `media.worker.<scope>`
 * with the worker's index (worker-slot.ts). A worker has no log destination of its own, so
 * its lines keep their order with the main thread's and are never written twice.
 */
import type { LogLevel, Logger } from '../../util/logger.js';
import type { WorkerMessage } from '../protocol.js';

export type WorkerLogMessage = Extract<WorkerMessage, { kind: 'log' }>;

/** A field value that survives structured cloning and reads well: Errors by message, functions and symbols as text. */
function cloneable(v: unknown): unknown {
  if (v instanceof Error) return v.message;
  if (typeof v === 'function' || typeof v === 'symbol') return String(v);
  return v;
}

export function portLogger(post: (m: WorkerLogMessage) => void, opts: { level?: LogLevel; scope?: string; fields?: Record<string, unknown> } = {}): Logger {
  const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
  const min = order[opts.level ?? 'debug'];
  const make = (scope: string | undefined, bound: Record<string, unknown> | undefined): Logger => {
    const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
      if (order[level] < min) return;
      const all = bound || fields ? { ...bound, ...fields } : undefined;
      const m: WorkerLogMessage = { kind: 'log', level, msg: String(msg) };
      if (scope) m.scope = scope;
      if (all) m.fields = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, cloneable(v)]));
      try {
        post(m);
      } catch {
        // A field structured cloning refuses (a class instance with a port, say): keep the line.
        post({ ...m, fields: Object.fromEntries(Object.entries(m.fields ?? {}).map(([k, v]) => [k, typeof v === 'object' && v !== null ? String(v) : v])) });
      }
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (s) => make(scope ? `${scope}.${s}` : s, bound),
      with: (f) => make(scope, { ...bound, ...f }),
    };
  };
  return make(opts.scope, opts.fields);
}
