/**
 * Brute-force guard of the console login: failed logins are counted per source address and
 * per username in a sliding window; an address past `attempts` is refused for `banSeconds`
 * (429), a username past `userAttempts` likewise (so a spread-out attack on one account
 * stops too, without telling whether the account exists: unknown names are counted the
 * same). Failures are also handed to `onFailure` (the SIP edge's SourceGuard: the same ban
 * for both doors). Memory is bounded: at most `maxTracked` keys of each kind.
 */
import type { Clock } from '../util/clock.js';

export interface LoginGuardPolicy {
  attempts: number;
  windowSeconds: number;
  banSeconds: number;
  userAttempts: number;
}

export type LoginVerdict = { ok: true } | { ok: false; retryAfterSeconds: number; why: 'address' | 'username' };

interface Track {
  failures: number[];
  bannedUntil: number;
}

const DEFAULT_MAX_TRACKED = 50_000;

export class LoginGuard {
  private readonly byAddress = new Map<string, Track>();
  private readonly byUser = new Map<string, Track>();

  constructor(
    private readonly o: {
      clock: Clock;
      policy: () => LoginGuardPolicy;
      /** Never refused nor counted (security.trusted). */
      isTrusted?: (address: string) => boolean;
      /** An address the SIP edge has banned is refused here too. */
      isBanned?: (address: string) => boolean;
      onFailure?: (address: string) => void;
      maxTracked?: number;
    },
  ) {}

  /** Before checking the password: may this address try this username now? */
  check(address: string, username: string): LoginVerdict {
    if (this.o.isTrusted?.(address)) return { ok: true };
    const now = this.o.clock.now();
    const a = this.byAddress.get(address);
    if (a && a.bannedUntil > now) return { ok: false, retryAfterSeconds: Math.ceil((a.bannedUntil - now) / 1000), why: 'address' };
    if (this.o.isBanned?.(address)) return { ok: false, retryAfterSeconds: this.o.policy().banSeconds, why: 'address' };
    const u = this.byUser.get(userKey(username));
    if (u && u.bannedUntil > now) return { ok: false, retryAfterSeconds: Math.ceil((u.bannedUntil - now) / 1000), why: 'username' };
    return { ok: true };
  }

  /** A wrong username or password. */
  failed(address: string, username: string): void {
    if (this.o.isTrusted?.(address)) return;
    const p = this.o.policy();
    this.count(this.byAddress, address, p.attempts, p);
    this.count(this.byUser, userKey(username), p.userAttempts, p);
    this.o.onFailure?.(address);
  }

  /** A good login clears the username's count (not the address's: one good account must not reset an attack from there). */
  succeeded(username: string): void {
    this.byUser.delete(userKey(username));
  }

  private count(m: Map<string, Track>, key: string, limit: number, p: LoginGuardPolicy): void {
    const now = this.o.clock.now();
    let t = m.get(key);
    if (!t) {
      const max = this.o.maxTracked ?? DEFAULT_MAX_TRACKED;
      if (m.size >= max) this.prune(m, now, p);
      // Still full of live bans: forget the oldest entry rather than grow without bound.
      if (m.size >= max) m.delete(m.keys().next().value!);
      t = { failures: [], bannedUntil: 0 };
      m.set(key, t);
    }
    const from = now - p.windowSeconds * 1000;
    t.failures = t.failures.filter((at) => at > from);
    t.failures.push(now);
    if (t.failures.length >= limit) {
      t.bannedUntil = now + p.banSeconds * 1000;
      t.failures = [];
    }
  }

  private prune(m: Map<string, Track>, now: number, p: LoginGuardPolicy): void {
    const from = now - p.windowSeconds * 1000;
    for (const [k, t] of m) if (t.bannedUntil <= now && t.failures.every((at) => at <= from)) m.delete(k);
  }
}

function userKey(username: string): string {
  return username.slice(0, 320).toLowerCase();
}
