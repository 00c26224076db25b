/**
 * Sources that proved who they are: flows (address + port) from which a request
 * authenticated, each with an expiry (its binding's, for a REGISTER). The guards use
 * it so that a ban of an address never blocks a registered phone's own flow (issue 16
 * finding 6: spoofed failed logins from a phone's address banned the phone), and so
 * that global admission serves known addresses first (finding 9).
 *
 * Only successful authentications add entries, so an unauthenticated sender cannot
 * fill the table. It is bounded all the same: at most maxFlowsPerAddress flows per
 * address (the oldest goes), which also bounds what one valid account can exempt
 * from a ban of its address, and at most maxAddresses addresses (the oldest goes).
 * Expiry is lazy: checked on lookup, collected a few at a time on add.
 */
export interface KnownSourcesOptions {
  maxAddresses?: number;
  maxFlowsPerAddress?: number;
}

export class KnownSources {
  /** Address key → (port → until, ms), addresses in order of their last refresh. */
  private readonly byAddress = new Map<string, Map<number, number>>();
  private readonly maxAddresses: number;
  private readonly maxFlows: number;

  constructor(o: KnownSourcesOptions = {}) {
    this.maxAddresses = Math.max(1, o.maxAddresses ?? 100_000);
    this.maxFlows = Math.max(1, o.maxFlowsPerAddress ?? 32);
  }

  /** Addresses with at least one flow recorded (live or not yet collected). */
  get size(): number {
    return this.byAddress.size;
  }

  /** The flow `key`/`port` is known until `until` (kept if it was known longer). */
  add(key: string, port: number, until: number, now: number): void {
    let flows = this.byAddress.get(key);
    if (flows === undefined) {
      this.collect(now, 4);
      while (this.byAddress.size >= this.maxAddresses) {
        const oldest = this.byAddress.keys().next();
        if (oldest.done) break;
        this.byAddress.delete(oldest.value);
      }
      flows = new Map();
    } else {
      this.byAddress.delete(key); // re-inserted below: most recently refreshed last
    }
    this.byAddress.set(key, flows);
    const had = flows.get(port);
    flows.delete(port);
    flows.set(port, had !== undefined && had > until ? had : until);
    // At most maxFlows + 1 entries: a full scan is cheap.
    for (const [p, t] of flows) if (t <= now) flows.delete(p);
    while (flows.size > this.maxFlows) flows.delete(flows.keys().next().value!);
  }

  /** Forget one flow (its requests failed authentication too often). */
  forget(key: string, port: number): void {
    const flows = this.byAddress.get(key);
    if (flows === undefined) return;
    flows.delete(port);
    if (flows.size === 0) this.byAddress.delete(key);
  }

  hasFlow(key: string, port: number, now: number): boolean {
    const until = this.byAddress.get(key)?.get(port);
    return until !== undefined && now < until;
  }

  /** Whether any live flow comes from this address. */
  hasAddress(key: string, now: number): boolean {
    const flows = this.byAddress.get(key);
    if (flows === undefined) return false;
    for (const [port, until] of flows) {
      if (now < until) return true;
      flows.delete(port);
    }
    this.byAddress.delete(key);
    return false;
  }

  clear(): void {
    this.byAddress.clear();
  }

  /** Drop up to `max` addresses from the old end whose flows have all expired. */
  private collect(now: number, max: number): void {
    let n = 0;
    for (const key of this.byAddress.keys()) {
      if (n++ >= max) return;
      if (this.hasAddress(key, now)) return;
    }
  }
}
