import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { PbxMetrics } from '../util/pbx-metrics.js';

/** One write of a call record (start, answer or end), kept to be tried again. */
export interface SpooledWrite {
  what: 'start' | 'answer' | 'end';
  run(): void;
  /** An outbound call's end: what it counts against the daily outbound-minutes cap. */
  outbound?: { startedAt: number; billableS: number };
}

export interface RecordSpoolOptions {
  clock: Clock;
  logger: Logger;
  /** How often queued writes are tried again. */
  retryMs: number;
  /** Queued writes kept per tenant; past it the oldest is dropped (and counted as lost). */
  maxPerTenant: number;
  /** pbx_call_records_pending, pbx_call_record_write_failures_total, pbx_call_records_lost_total. */
  metrics: Pick<PbxMetrics, 'recordsPending' | 'recordWriteFailures' | 'recordsLost'>;
}


/**
 * Call record writes (active-call rows and CDRs) that the tenant store refused for a
 * reason that may pass (a full disk, an I/O error, a busy file) are kept in memory, in
 * order, and tried again every retryMs (issue 16, finding 7): nothing is silently lost,
 * and while a tenant has writes queued its records "cannot be written", which the B2BUA
 * reads to refuse new outbound trunk calls; queued outbound records still count against
 * the daily minutes cap. A write refused for any other reason (an unusable record) is
 * logged and dropped, as it could never succeed.
 */
export class RecordSpool {
  private readonly queues = new Map<string, SpooledWrite[]>();
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly o: RecordSpoolOptions) {}

  /** Write now, or queue behind the tenant's earlier writes (their order is kept). */
  write(tenantId: string, w: SpooledWrite): void {
    const q = this.queues.get(tenantId);
    if (q) {
      this.enqueue(tenantId, q, w);
      return;
    }
    try {
      w.run();
    } catch (e) {
      if (!mayPass(e)) {
        this.o.logger.error(`call record: ${w.what} failed`, { tenant: tenantId, error: e });
        this.o.metrics.recordsLost.inc({ tenant: tenantId });
        return;
      }
      this.o.logger.error('call records cannot be written: queued in memory and retried; new outbound calls are refused meanwhile', { tenant: tenantId, error: e });
      const fresh: SpooledWrite[] = [];
      this.queues.set(tenantId, fresh);
      this.enqueue(tenantId, fresh, w);
    }
  }

  /** True while the tenant has writes queued: its records cannot be written right now. */
  blocked(tenantId: string): boolean {
    return this.queues.has(tenantId);
  }

  /** Queued writes of one tenant, or of all. */
  pending(tenantId?: string): number {
    if (tenantId !== undefined) return this.queues.get(tenantId)?.length ?? 0;
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /** Billable seconds of the tenant's queued outbound records that started at or after sinceMs. */
  pendingOutboundSecondsSince(tenantId: string, sinceMs: number): number {
    let s = 0;
    for (const w of this.queues.get(tenantId) ?? []) if (w.outbound && w.outbound.startedAt >= sinceMs) s += w.outbound.billableS;
    return s;
  }

  /** Try every queue again, in order; a queue stops at its first write that still fails. */
  retry(): void {
    this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const [tenantId, q] of this.queues) {
      let error: unknown;
      while (q.length > 0) {
        try {
          q[0]!.run();
        } catch (e) {
          if (mayPass(e)) {
            error = e;
            break;
          }
          this.o.logger.error(`call record: ${q[0]!.what} failed`, { tenant: tenantId, error: e });
          this.o.metrics.recordsLost.inc({ tenant: tenantId });
        }
        q.shift();
      }
      if (q.length === 0) {
        this.queues.delete(tenantId);
        this.o.logger.info('call records written again: the queue is empty', { tenant: tenantId });
      } else {
        this.o.logger.debug('call records still cannot be written', { tenant: tenantId, pending: q.length, error });
      }
      this.o.metrics.recordsPending.set({ tenant: tenantId }, q.length);
    }
    this.schedule();
  }

  /** A graceful stop: one last try; what is still queued is logged as lost. */
  stop(): void {
    this.retry();
    this.stopped = true;
    this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const [tenantId, q] of this.queues) {
      this.o.logger.error('call records lost at stop: the store could not take them', { tenant: tenantId, records: q.length });
      this.o.metrics.recordsLost.inc({ tenant: tenantId }, q.length);
    }
  }

  private enqueue(tenantId: string, q: SpooledWrite[], w: SpooledWrite): void {
    this.o.metrics.recordWriteFailures.inc({ tenant: tenantId });
    q.push(w);
    if (q.length > this.o.maxPerTenant) {
      const dropped = q.shift()!;
      this.o.metrics.recordsLost.inc({ tenant: tenantId });
      this.o.logger.error('call record queue full: the oldest queued write is dropped', { tenant: tenantId, what: dropped.what, max: this.o.maxPerTenant });
    }
    this.o.metrics.recordsPending.set({ tenant: tenantId }, q.length);
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || this.timer !== undefined || this.queues.size === 0) return;
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      this.retry();
    }, this.o.retryMs);
  }
}

/** SQLite result codes of trouble that may pass: space, I/O, locks, memory, a file that could not be opened. */
const PASSING = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|NOMEM|CANTOPEN|READONLY|PROTOCOL)/;

function mayPass(e: unknown): boolean {
  for (let c: unknown = e, depth = 0; c && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && PASSING.test(code)) return true;
    if (/disk is full|database or disk is full|disk I\/O error/i.test((c as Error).message ?? '')) return true;
  }
  return false;
}
