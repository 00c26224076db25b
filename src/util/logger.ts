/**
 * A small structured logger: one line per event. Text (the default) is
 * `time level [scope] message key=value…`; JSON is one object per line,
 * `{"time","level","scope","msg",…fields}`, for log shippers. Passed down explicitly;
 * child() adds a scope, with() binds fields (tenant, call) that every line then carries.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogSink {
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

function formatValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === 'string') return /^[\w.:@/-]+$/.test(v) ? v : JSON.stringify(v);
  if (v === undefined) return 'undefined';
  if (typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return JSON.stringify(String(v));
  }
}

function jsonValue(v: unknown): unknown {
  if (v instanceof Error) return v.message;
  if (typeof v === 'bigint') return String(v);
  if (v === undefined) return null;
  return v;
}

function jsonLine(record: Record<string, unknown>): string {
  try {
    return JSON.stringify(record, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v instanceof Error ? v.message : v));
  } catch {
    // A circular or otherwise unserialisable field: keep the line, say what it was.
    const safe: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) {
      try {
        JSON.stringify(v);
        safe[k] = v;
      } catch {
        safe[k] = String(v);
      }
    }
    return JSON.stringify(safe);
  }
}

export function createLogger(
  opts: { level?: LogLevel; format?: LogFormat; sink?: LogSink; scope?: string; fields?: Record<string, unknown>; now?: () => number } = {},
): Logger {
  const level = ORDER[opts.level ?? 'info'];
  const json = opts.format === 'json';
  const sink = opts.sink ?? { write: (line: string) => process.stderr.write(line + '\n') };
  const now = opts.now ?? Date.now;
  const make = (scope: string | undefined, bound: Record<string, unknown> | undefined): Logger => {
    const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
      if (ORDER[lvl] < level) return;
      const all = bound ? (fields ? { ...bound, ...fields } : bound) : fields;
      if (json) {
        const record: Record<string, unknown> = { time: new Date(now()).toISOString(), level: lvl };
        if (scope) record.scope = scope;
        record.msg = msg;
        if (all) for (const [k, v] of Object.entries(all)) if (!(k in record)) record[k] = jsonValue(v);
        sink.write(jsonLine(record));
        return;
      }
      let line = `${new Date(now()).toISOString()} ${lvl.toUpperCase()}${scope ? ` [${scope}]` : ''} ${msg}`;
      if (all) for (const [k, v] of Object.entries(all)) line += ` ${k}=${formatValue(v)}`;
      sink.write(line);
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

/** A logger that drops everything; for tests that do not look at logs. */
export const silentLogger: Logger = createLogger({ sink: { write: () => {} }, level: 'error' });

/** A logger that keeps lines in memory, for tests that check what was logged. */
export function memoryLogger(level: LogLevel = 'debug', format: LogFormat = 'text'): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level, format, sink: { write: (l) => lines.push(l) } });
  return Object.assign(logger, { lines });
}
