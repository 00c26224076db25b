/**
 * Wrong-PIN lockout of voicemail boxes: after `maxFailures` wrong PINs in a row a box is
 * locked for `lockMs` (measured on the injected clock); while locked every login is
 * refused, right PIN or not, with the same answer as a wrong PIN. Keyed by tenant and box,
 * so one tenant's guessing never locks another tenant's box of the same number. In memory:
 * a restart forgets it (the lock is short; the auth-failure ban of the edge outlasts it).
 */
import type { Clock } from '../../util/clock.js';

export interface PinGuardOptions {
  clock: Clock;
  maxFailures?: number;
  lockMs?: number;
  /** Boxes remembered at once; the oldest entry is forgotten past it. */
  maxEntries?: number;
}

interface Entry {
  failures: number;
  lockedUntil: number;
}

export class PinGuard {
  private readonly entries = new Map<string, Entry>();
  private readonly maxFailures: number;
  private readonly lockMs: number;
  private readonly maxEntries: number;

  constructor(private readonly o: PinGuardOptions) {
    this.maxFailures = o.maxFailures ?? 3;
    this.lockMs = o.lockMs ?? 5 * 60_000;
    this.maxEntries = o.maxEntries ?? 100_000;
  }

  private key(tenantId: string, box: string): string {
    return `${tenantId}\u0000${box}`;
  }

  locked(tenantId: string, box: string): boolean {
    const e = this.entries.get(this.key(tenantId, box));
    return e !== undefined && e.lockedUntil > this.o.clock.now();
  }

  /** A wrong PIN; true when this one locked the box. */
  failed(tenantId: string, box: string): boolean {
    const k = this.key(tenantId, box);
    const now = this.o.clock.now();
    const e = this.entries.get(k) ?? { failures: 0, lockedUntil: 0 };
    if (e.lockedUntil !== 0 && e.lockedUntil <= now) {
      e.failures = 0;
      e.lockedUntil = 0;
    }
    e.failures++;
    this.entries.delete(k);
    this.entries.set(k, e);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    if (e.failures >= this.maxFailures && e.lockedUntil <= now) {
      e.lockedUntil = now + this.lockMs;
      return true;
    }
    return false;
  }

  succeeded(tenantId: string, box: string): void {
    this.entries.delete(this.key(tenantId, box));
  }
}
