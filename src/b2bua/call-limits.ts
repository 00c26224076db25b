import type { Clock } from '../util/clock.js';

/** The caps that apply to one call; absent = no cap. */
export interface CallLimitSpec {
  /** Concurrent calls of the tenant (limits.calls). */
  calls?: number;
  /** New calls per second of the tenant, as a token bucket holding one second's worth (at least 1). */
  callsPerSecond?: number;
  /** Concurrent calls each extension may be in, as caller or callee. */
  perExtension?: number;
}

export interface CallLimitRequest {
  /** For the caller's logs only: every tryStart counts as one call, whatever its id. */
  callId: string;
  tenantId: string;
  /** The tenant's extension that calls (absent for a call from a trunk). */
  callerExt?: string;
  /** The tenant's extension that is called (absent for a call to a trunk). */
  calleeExt?: string;
  limits: CallLimitSpec;
}

export type CallLimitDecision =
  | { ok: true; release: () => void }
  | {
      ok: false;
      status: 503 | 486 | 403;
      /** For the Reason header (RFC 3326), e.g. "tenant call limit (10) reached". */
      reason: string;
    };

interface TenantState {
  active: number;
  /** Calls each extension is in now; an extension leaves the map when it reaches 0. */
  exts: Map<string, number>;
  /** Token bucket: the rate it was last used with (undefined = none), tokens left as of refilledAt. */
  rate: number | undefined;
  tokens: number;
  refilledAt: number;
}

/** How often idle tenants whose bucket has refilled are forgotten. */
const PRUNE_EVERY_MS = 10_000;

/**
 * Counts the calls in progress per tenant and per extension, and meters new calls per
 * tenant. A call is counted once for its tenant, however many of the tenant's extensions
 * it joins (an internal call between two of them included), and once for each extension
 * in it (an extension calling itself is in it once).
 *
 * Checks, in this order: tenant concurrent calls (503), tenant calls per second (503),
 * the caller's extension (403: the caller may not place another call), the callee's
 * extension (486: busy). A cap of 0 refuses with 403 (calling is switched off, no retry
 * helps). A refused call takes nothing, no token either.
 *
 * Memory: a tenant is forgotten when its last call ends and its bucket is full again,
 * checked on release and, for the rest, by a sweep at most every 10 s during tryStart.
 */
export class CallLimits {
  private readonly clock: Clock;
  private readonly tenants = new Map<string, TenantState>();
  private lastPrune: number;

  constructor(opts: { clock: Clock }) {
    this.clock = opts.clock;
    this.lastPrune = this.clock.now();
  }

  tryStart(call: CallLimitRequest): CallLimitDecision {
    const now = this.clock.now();
    if (now - this.lastPrune >= PRUNE_EVERY_MS) this.prune(now);
    const { limits } = call;
    const calls = cap(limits.calls);
    const cps = limits.callsPerSecond !== undefined && Number.isFinite(limits.callsPerSecond) && limits.callsPerSecond >= 0 ? limits.callsPerSecond : undefined;
    const perExt = cap(limits.perExtension);
    const exts = uniqueExts(call.callerExt, call.calleeExt);

    const t = this.tenants.get(call.tenantId);
    const active = t?.active ?? 0;
    if (calls !== undefined && active >= calls) {
      return calls === 0 ? refuse(403, 'calls are disabled for this tenant (call limit 0)') : refuse(503, `tenant call limit (${calls}) reached`);
    }
    let tokens = 0;
    if (cps !== undefined) {
      if (cps === 0) return refuse(403, 'calls are disabled for this tenant (0 calls per second)');
      tokens = t ? refill(t, cps, now) : burstOf(cps);
      if (tokens < 1) return refuse(503, `tenant call rate limit (${cps}/s) reached`);
    }
    if (perExt !== undefined) {
      if (call.callerExt !== undefined && (t?.exts.get(call.callerExt) ?? 0) >= perExt) {
        return refuse(403, `extension ${call.callerExt} call limit (${perExt}) reached`);
      }
      if (call.calleeExt !== undefined && call.calleeExt !== call.callerExt && (t?.exts.get(call.calleeExt) ?? 0) >= perExt) {
        return refuse(486, `extension ${call.calleeExt} is busy (call limit ${perExt})`);
      }
    }

    // Admitted: take a slot, a token and the extensions.
    const state = t ?? this.newTenant(call.tenantId, now);
    state.active++;
    state.rate = cps;
    state.tokens = cps === undefined ? 0 : tokens - 1;
    state.refilledAt = now;
    for (const x of exts) state.exts.set(x, (state.exts.get(x) ?? 0) + 1);

    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.release(call.tenantId, state, exts);
      },
    };
  }

  /** Calls of the tenant in progress. */
  activeCalls(tenantId: string): number {
    return this.tenants.get(tenantId)?.active ?? 0;
  }

  /** Calls the extension of the tenant is in now. */
  activeForExtension(tenantId: string, ext: string): number {
    return this.tenants.get(tenantId)?.exts.get(ext) ?? 0;
  }

  /** Tenants with state kept (calls up, or a bucket not yet refilled). */
  get trackedTenants(): number {
    return this.tenants.size;
  }

  private newTenant(tenantId: string, now: number): TenantState {
    const s: TenantState = { active: 0, exts: new Map(), rate: undefined, tokens: 0, refilledAt: now };
    this.tenants.set(tenantId, s);
    return s;
  }

  private release(tenantId: string, s: TenantState, exts: readonly string[]): void {
    s.active = Math.max(0, s.active - 1);
    for (const x of exts) {
      const n = (s.exts.get(x) ?? 0) - 1;
      if (n > 0) s.exts.set(x, n);
      else s.exts.delete(x);
    }
    // A state is forgotten only with no call up, so while this call counted, `s` was the live one.
    if (s.active === 0 && this.tenants.get(tenantId) === s && bucketFull(s, this.clock.now())) this.tenants.delete(tenantId);
  }

  private prune(now: number): void {
    this.lastPrune = now;
    for (const [id, s] of this.tenants) {
      if (s.active === 0 && bucketFull(s, now)) this.tenants.delete(id);
    }
  }
}

/** Burst size: one second's worth of calls, at least one. */
function burstOf(cps: number): number {
  return Math.max(1, cps);
}

/** Tokens now at rate cps; a bucket last used without a rate (limit just switched on) starts full. */
function refill(s: TenantState, cps: number, now: number): number {
  if (s.rate === undefined) return burstOf(cps);
  const elapsed = Math.max(0, now - s.refilledAt);
  return Math.min(burstOf(cps), s.tokens + (elapsed * cps) / 1000);
}

function bucketFull(s: TenantState, now: number): boolean {
  return s.rate === undefined || refill(s, s.rate, now) >= burstOf(s.rate);
}

/** A concurrency cap as a whole number; absent, negative or not a number = no cap. */
function cap(v: number | undefined): number | undefined {
  return v !== undefined && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
}

function uniqueExts(a: string | undefined, b: string | undefined): string[] {
  if (a === undefined) return b === undefined ? [] : [b];
  return b === undefined || b === a ? [a] : [a, b];
}

function refuse(status: 503 | 486 | 403, reason: string): CallLimitDecision {
  return { ok: false, status, reason };
}
