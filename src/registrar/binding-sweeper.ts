import type { TenantStorePool } from '../store/store-pool.js';
import type { SystemStore } from '../store/system-store.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/**
 * Deletes expired registrations. Lookups already ignore expired rows; this keeps the
 * stores from growing. It visits only the stores that are open (the active tenants),
 * so it costs nothing for idle ones; a store that opens later is swept on its next
 * visit, and its expired rows are invisible until then.
 */
export class BindingSweeper {
  private timer: TimerHandle | undefined;
  private running = false;

  constructor(private readonly o: { system: SystemStore; pool: TenantStorePool; clock: Clock; logger: Logger; intervalMs?: number; onExpired?: (tenantId: string, aor: string) => void }) {}

  start(): void {
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.o.clock.clearTimeout(this.timer);
  }

  /** One pass; returns how many bindings were removed. */
  sweepOnce(): number {
    const now = this.o.clock.now();
    let removed = 0;
    for (const t of this.o.system.listTenants({ status: ['active', 'suspended'] })) {
      // peek: the sweep is not a use, so it does not keep an idle tenant's store open.
      const store = this.o.pool.peek(t.id);
      if (!store) continue;
      try {
        const gone = store.deleteExpiredBindings(now);
        // Heartbeat for calls in progress: after a crash they are recorded as ended here.
        store.touchActiveCalls(now);
        removed += gone.length;
        for (const g of gone) this.o.logger.debug('registration expired', { tenant: t.id, aor: g.aor, contact: g.contact });
        // Presence watchers of an extension whose contacts expired hear of it (once per extension).
        for (const aor of new Set(gone.map((g) => g.aor))) this.o.onExpired?.(t.id, aor);
      } catch (e) {
        this.o.logger.error('expiry sweep failed', { tenant: t.id, error: e });
      }
    }
    return removed;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.o.clock.setTimeout(() => {
      this.sweepOnce();
      this.schedule();
    }, this.o.intervalMs ?? 30_000);
  }
}
