import type { BanList } from './ban-list.js';
import { GenerationMap } from './generation-map.js';

export interface AuthFailBanPolicy {
  /** Failures within the window that ban the source; 0 = never ban. */
  attempts: number;
  windowSeconds: number;
  banSeconds: number;
}

interface Window {
  start: number;
  count: number;
}

/**
 * Counts authentication failures per source key and bans a source that reaches
 * `attempts` failures within `windowSeconds`.
 *
 * The window is fixed and opens at the source's first failure (not aligned to the
 * clock); when it has passed, the next failure opens a new one. So a source gets at most
 * attempts - 1 failures per window without a ban, and in the long run no more than
 * (attempts - 1) / windowSeconds guesses a second; a sliding log would bound any one
 * window tighter but costs `attempts` timestamps per source.
 *
 * authSucceeded() deliberately does NOT clear the count. In a multi-tenant PBX any
 * customer holds a valid account: if a success reset the count, one working login
 * interleaved between guesses would let its owner brute-force other tenants'
 * passwords from the same address at full speed. The cost: a misconfigured phone
 * behind a NAT shared with working phones still gets that NAT banned after `attempts`
 * failures; the remedy is to fix the phone or list the NAT in security.trusted.
 *
 * What counts as a failure is the caller's call: a first request without credentials,
 * or a stale nonce (RFC 7616 §3.3 stale=true), is a challenge, not a failure.
 */
export class AuthFailTracker {
  private readonly table: GenerationMap<Window>;
  private policy: AuthFailBanPolicy;
  private readonly bans: BanList;

  constructor(opts: { policy: AuthFailBanPolicy; maxTracked: number; bans: BanList; now: number; onCapacity?: (dropped: number) => void }) {
    this.policy = { ...opts.policy };
    this.bans = opts.bans;
    this.table = new GenerationMap<Window>(opts.maxTracked, windowMs(this.policy), opts.now, opts.onCapacity);
  }

  get size(): number {
    return this.table.size;
  }

  /** New thresholds apply from the next failure; counts so far are kept. */
  reconfigure(policy: AuthFailBanPolicy): void {
    this.policy = { ...policy };
    this.table.setIdleMs(windowMs(this.policy));
  }

  /** Record one failure. Returns true when it banned the source. */
  failed(key: string, now: number): boolean {
    const { attempts, banSeconds } = this.policy;
    if (attempts <= 0) return false;
    // Already banned (a request that was in flight when the ban began): nothing to add.
    if (this.bans.isBanned(key, now)) return false;
    const span = windowMs(this.policy);
    let w = this.table.get(key, now);
    if (w === undefined) {
      w = { start: now, count: 0 };
      this.table.add(key, w, now);
    } else if (now - w.start >= span || now < w.start) {
      w.start = now;
      w.count = 0;
    }
    w.count++;
    if (w.count < attempts) return false;
    const failures = w.count;
    if (!this.bans.ban(key, 'auth-fail', banSeconds, now, { failures, windowSeconds: this.policy.windowSeconds })) return false;
    this.table.delete(key);
    return true;
  }

  /** A success from this source. Kept as the hook for policy, but it clears nothing (see above). */
  succeeded(_key: string, _now: number): void {}

  /** The failures counted in the source's open window (0 if none). */
  failures(key: string, now: number): number {
    const w = this.table.get(key, now);
    return w === undefined || now - w.start >= windowMs(this.policy) ? 0 : w.count;
  }

  /** Let idle entries age out without a failure arriving (cheap: one compare most times). */
  tick(now: number): void {
    this.table.tick(now);
  }

  forget(key: string): void {
    this.table.delete(key);
  }

  clear(): void {
    this.table.clear();
  }
}

function windowMs(p: AuthFailBanPolicy): number {
  return Math.max(1, p.windowSeconds * 1000);
}
