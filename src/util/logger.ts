/**
 * A small structured logger: one line per event, `time level [scope] message key=value…`.
 * Passed down explicitly; child() adds a scope.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

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
}

function formatValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === 'string') return /^[\w.:@/-]+$/.test(v) ? v : JSON.stringify(v);
  if (v === undefined) return 'undefined';
  return JSON.stringify(v) ?? String(v);
}

export function createLogger(opts: { level?: LogLevel; sink?: LogSink; scope?: string; now?: () => number } = {}): Logger {
  const level = ORDER[opts.level ?? 'info'];
  const sink = opts.sink ?? { write: (line: string) => process.stderr.write(line + '\n') };
  const now = opts.now ?? Date.now;
  const make = (scope: string | undefined): Logger => {
    const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
      if (ORDER[lvl] < level) return;
      let line = `${new Date(now()).toISOString()} ${lvl.toUpperCase()}${scope ? ` [${scope}]` : ''} ${msg}`;
      if (fields) for (const [k, v] of Object.entries(fields)) line += ` ${k}=${formatValue(v)}`;
      sink.write(line);
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (s) => make(scope ? `${scope}.${s}` : s),
    };
  };
  return make(opts.scope);
}

/** A logger that drops everything; for tests that do not look at logs. */
export const silentLogger: Logger = createLogger({ sink: { write: () => {} }, level: 'error' });

/** A logger that keeps lines in memory, for tests that check what was logged. */
export function memoryLogger(level: LogLevel = 'debug'): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level, sink: { write: (l) => lines.push(l) } });
  return Object.assign(logger, { lines });
}
