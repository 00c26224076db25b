import type { Clock, TimerHandle } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';

export interface AuthFailLogOptions {
  clock: Clock;
  logger: Logger;
  /** One detailed line per source per interval; the rest are summed up. Default 60 s. */
  intervalMs?: number;
  /** Sources remembered at once; the oldest is summed up early when full. Default 10,000. */
  maxSources?: number;
  /** Detailed lines per interval over all sources (a spray of spoofed addresses). Default 100. */
  maxLinesPerInterval?: number;
}

interface Window {
  source: string;
  tenant: string | undefined;
  start: number;
  more: number;
}

/**
 * The log of failed logins, throttled (issue 16 finding 10a: 16k bad packets wrote
 * 2.1 MB of log). Per source address and tenant (so that each tenant's operator sees
 * the failures against it), the first failure of an interval is logged in
 * full; the ones after it in that interval are counted and written as one line when
 * the interval ends:
 *
 *   "N more failures from X in the last T s"
 *
 * Over all sources at most maxLinesPerInterval detailed lines are written per interval;
 * failures beyond that are summed in one line too. So the log grows by a bounded number
 * of lines per interval whatever arrives. Summaries are written by one timer, armed
 * only while a window is open, and on close().
 */
export class AuthFailLog {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly intervalMs: number;
  private readonly maxSources: number;
  private readonly maxLines: number;
  /** Open windows in order of their start (a re-opened window is re-inserted). */
  private readonly windows = new Map<string, Window>();
  private linesStart = -Infinity;
  private lines = 0;
  private overflow = 0;
  private overflowSources = new Set<string>();
  private timer: TimerHandle | undefined;

  constructor(o: AuthFailLogOptions) {
    this.clock = o.clock;
    this.logger = o.logger;
    this.intervalMs = Math.max(1, o.intervalMs ?? 60_000);
    this.maxSources = Math.max(1, o.maxSources ?? 10_000);
    this.maxLines = Math.max(1, o.maxLinesPerInterval ?? 100);
  }

  /** Sources with an open window. */
  get size(): number {
    return this.windows.size;
  }

  /** One failed login from `source` against `tenant`; `fields` describe it (method, detail). */
  failed(source: string, fields: Record<string, unknown>, tenant?: string): void {
    const now = this.clock.now();
    this.flush(now);
    const key = tenant === undefined ? source : `${source} ${tenant}`;
    const open = this.windows.get(key);
    if (open !== undefined) {
      open.more++;
      this.arm();
      return;
    }
    if (now - this.linesStart >= this.intervalMs) {
      this.linesStart = now;
      this.lines = 0;
    }
    if (this.lines >= this.maxLines) {
      this.overflow++;
      if (this.overflowSources.size < this.maxSources) this.overflowSources.add(source);
      this.arm();
      return;
    }
    this.lines++;
    this.write('info', 'authentication failed', { ...(tenant !== undefined ? { tenant } : {}), ...fields, from: source });
    this.windows.set(key, { source, tenant, start: now, more: 0 });
    if (this.windows.size > this.maxSources) {
      const [oldest, w] = this.windows.entries().next().value!;
      this.windows.delete(oldest);
      this.summary(w, now);
    }
    this.arm();
  }

  /** Write every summary now (at stop). */
  close(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.clock.now();
    for (const w of this.windows.values()) this.summary(w, now);
    this.windows.clear();
    this.summaryOverflow(now);
  }

  /** Sum up the windows and the line budget that have ended by `now`. */
  private flush(now: number): void {
    for (const [key, w] of this.windows) {
      if (now - w.start < this.intervalMs) break;
      this.windows.delete(key);
      this.summary(w, now);
    }
    if (now - this.linesStart >= this.intervalMs) this.summaryOverflow(now);
  }

  private summary(w: Window, now: number): void {
    if (w.more === 0) return;
    const seconds = Math.max(1, Math.round((now - w.start) / 1000));
    this.write('info', `${w.more} more failures from ${w.source} in the last ${seconds} s`, { ...(w.tenant !== undefined ? { tenant: w.tenant } : {}), from: w.source, failures: w.more, seconds });
  }

  private summaryOverflow(now: number): void {
    if (this.overflow === 0) return;
    const seconds = Math.max(1, Math.round((now - this.linesStart) / 1000));
    const sources = this.overflowSources.size;
    this.write('warn', `${this.overflow} more failures from ${sources}${sources >= this.maxSources ? '+' : ''} other sources in the last ${seconds} s (not logged one by one)`, {
      failures: this.overflow,
      sources,
      seconds,
    });
    this.overflow = 0;
    this.overflowSources = new Set();
  }

  /** One timer, for the oldest open window (it ends first) or the line budget. O(1). */
  private arm(): void {
    if (this.timer !== undefined) return;
    let due = Infinity;
    const head = this.windows.values().next();
    if (!head.done) due = head.value.start + this.intervalMs;
    if (this.overflow > 0) due = Math.min(due, this.linesStart + this.intervalMs);
    if (due === Infinity) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.flush(this.clock.now());
      this.arm();
    }, Math.max(0, due - this.clock.now()));
  }

  // A failing log sink must not fail the request that is being refused.
  private write(level: 'info' | 'warn', msg: string, fields: Record<string, unknown>): void {
    try {
      this.logger[level](msg, fields);
    } catch {
      // nothing sensible to do
    }
  }
}
