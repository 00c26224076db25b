/**
 * The structured logger the layers use, written by `pino`: one line per event. JSON is one
 * object per line, `{"level","time","scope",…fields,"msg"}`, for log shippers; text (the
 * default) is `time LEVEL [scope] message key=value…`, made from pino's JSON line by
 * text-log-line.ts. Passed down explicitly; child() adds a scope, with() binds fields
 * (tenant, call) that every line then carries. Secrets are redacted in both formats
 * (log-redaction.ts).
 *
 * The default destination writes to stderr synchronously (pino.destination sync): a PBX logs
 * events, not packets, so the write cost is small (bench/logging), and a line logged just
 * before a crash or process.exit is never lost in a buffer.
 */
import pino, { type Logger as PinoLogger } from 'pino';
import { redaction, scrubSecrets } from './log-redaction.js';
import { textLogLine } from './text-log-line.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';

export interface LogSink {
  /** One line, without its newline. */
  write(line: string): void;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
  /** A logger whose every line carries these fields (a line's own fields win on a clash). */
  with(fields: Record<string, unknown>): Logger;
}

/** Keys pino writes itself; a field by that name is dropped rather than written twice. */
const RESERVED = new Set(['time', 'level', 'scope', 'msg']);

/** A field value as it is written: an Error by its message, a bigint as a string, undefined as null. */
function plain(v: unknown): unknown {
  if (v instanceof Error) return v.message;
  if (typeof v === 'bigint') return String(v);
  if (v === undefined) return null;
  return v;
}

/** The fields of one line, ready for pino; undefined when there are none. */
function lineFields(fields: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!fields) return undefined;
  let out: Record<string, unknown> | undefined;
  for (const k in fields) {
    if (!Object.hasOwn(fields, k) || RESERVED.has(k)) continue;
    (out ??= {})[k] = plain(fields[k]);
  }
  return out;
}

/** The pino destination over a sink: pino hands over lines ending in a newline. */
function sinkStream(sink: LogSink, format: LogFormat): { write(s: string): void } {
  return format === 'json'
    ? { write: (s) => sink.write(s.endsWith('\n') ? s.slice(0, -1) : s) }
    : { write: (s) => sink.write(textLogLine(s)) };
}

export function createLogger(
  opts: { level?: LogLevel; format?: LogFormat; sink?: LogSink; scope?: string; fields?: Record<string, unknown>; now?: () => number } = {},
): Logger {
  const format = opts.format ?? 'text';
  const now = opts.now ?? Date.now;
  let destination: { write(s: string): void };
  if (opts.sink) destination = sinkStream(opts.sink, format);
  else {
    const stderr = pino.destination({ fd: 2, sync: true });
    destination = format === 'json' ? stderr : sinkStream({ write: (l) => stderr.write(l + '\n') }, 'text');
  }
  const root: PinoLogger = pino(
    {
      level: opts.level ?? 'info',
      base: null,
      messageKey: 'msg',
      timestamp: () => `,"time":"${new Date(now()).toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      redact: redaction,
    },
    destination,
  );
  return new BoundLogger(root, opts.scope, opts.fields);
}

/**
 * A scope and bound fields over the root pino logger. The pino child that carries them is
 * made on the first line written at an enabled level: a logger bound per call (the B2BUA's
 * tenant and call fields) that never writes a line costs one small object, not a pino child
 * with its serialized bindings (issue 13: memory and CPU per call). Children never get a
 * level of their own, so the root's level is theirs.
 */
class BoundLogger implements Logger {
  private readonly bindings: Record<string, unknown> | undefined;
  private own: PinoLogger | undefined;

  constructor(
    private readonly root: PinoLogger,
    private readonly scope: string | undefined,
    private readonly bound: Record<string, unknown> | undefined,
  ) {
    this.bindings = lineFields(bound);
    if (scope === undefined && !this.bindings) this.own = root;
  }

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.emit('debug', msg, fields);
  }

  info(msg: string, fields?: Record<string, unknown>): void {
    this.emit('info', msg, fields);
  }

  warn(msg: string, fields?: Record<string, unknown>): void {
    this.emit('warn', msg, fields);
  }

  error(msg: string, fields?: Record<string, unknown>): void {
    this.emit('error', msg, fields);
  }

  child(scope: string): Logger {
    return new BoundLogger(this.root, this.scope ? `${this.scope}.${scope}` : scope, this.bound);
  }

  with(fields: Record<string, unknown>): Logger {
    return new BoundLogger(this.root, this.scope, { ...this.bound, ...fields });
  }

  private emit(lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    const { root, scope, bindings } = this;
    if (!root.isLevelEnabled(lvl)) return;
    const own = (this.own ??= root.child(scope !== undefined ? { scope, ...bindings } : bindings!));
    const text = scrubSecrets(msg);
    const f = lineFields(fields);
    if (!f) return own[lvl](text);
    // A line's field that a bound field also names: write the merged set from the root, so
    // the line has each key once and its own value wins.
    if (bindings) for (const k in f) if (k in bindings) return root[lvl]({ ...(scope !== undefined ? { scope } : {}), ...bindings, ...f }, text);
    own[lvl](f, text);
  }
}

/** A logger that drops everything; for tests that do not look at logs. */
export const silentLogger: Logger = createLogger({ sink: { write: () => {} }, level: 'error' });

/** A logger that keeps lines in memory, for tests that check what was logged. */
export function memoryLogger(level: LogLevel = 'debug', format: LogFormat = 'text'): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level, format, sink: { write: (l) => lines.push(l) } });
  return Object.assign(logger, { lines });
}
