/**
 * Console sessions, kept in memory: an opaque random id (the `pbx_session` cookie; only its
 * SHA-256 is kept as the key), the CSRF token bound to it, and the principal it stands for.
 * A session ends after `idleMs` without a request, `maxMs` after the login, on logout, or
 * when its account stops being valid (the caller's `stillValid`, asked on every use).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../util/clock.js';
import type { Principal } from './api-types.js';

/** Who logged in, as the login check established it. */
export interface ConsoleAccount {
  principal: Principal;
  /** As typed at login, normalised: "1001@acme.example" or a provider account's name. */
  username: string;
  /** The password hash the login was checked against: a changed password ends the session. */
  passwordHash: string;
  /** The extension logged in as (a user or an extension marked webAdmin); absent for a provider. */
  ext?: string;
}

export interface ConsoleSession extends ConsoleAccount {
  /** The cookie value (kept only on the object handed out at creation; lookups find it by hash). */
  readonly key: string;
  readonly csrfToken: string;
  readonly createdAt: number;
  lastSeenAt: number;
}

export interface ConsoleSessionsOptions {
  clock: Clock;
  idleMs: number;
  maxMs: number;
  /** Sessions kept at most; past it the least recently used one ends. */
  maxSessions?: number;
  /** Asked on every lookup: false ends the session (tenant gone, extension removed, password or role changed). */
  stillValid?: (s: ConsoleSession) => boolean;
}

const DEFAULT_MAX_SESSIONS = 20_000;

export class ConsoleSessions {
  /** sha256(cookie) → session; Map order is the order of last use (refreshed on each use). */
  private readonly byHash = new Map<string, ConsoleSession>();
  /** principal.tokenId → sha256(cookie). */
  private readonly byTokenId = new Map<string, string>();

  constructor(private readonly o: ConsoleSessionsOptions) {}

  /** A new session; the returned id is the cookie value, shown once. */
  create(account: ConsoleAccount): { id: string; session: ConsoleSession } {
    this.sweep();
    const id = randomBytes(32).toString('base64url');
    const hash = sha256(id);
    const now = this.o.clock.now();
    const session: ConsoleSession = {
      ...account,
      // A per-session principal id: the audit log and request log name it, never the cookie.
      principal: { ...account.principal, tokenId: `web:${hash.slice(0, 12)}` },
      key: hash,
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
    };
    this.byHash.set(hash, session);
    this.byTokenId.set(session.principal.tokenId, hash);
    const max = this.o.maxSessions ?? DEFAULT_MAX_SESSIONS;
    while (this.byHash.size > max) this.drop(this.byHash.keys().next().value!);
    return { id, session };
  }

  /** The live session of a cookie value (its idle timer restarts), or undefined. */
  get(id: string): ConsoleSession | undefined {
    if (typeof id !== 'string' || id.length === 0 || id.length > 128) return undefined;
    const hash = sha256(id);
    const s = this.byHash.get(hash);
    if (!s) return undefined;
    const now = this.o.clock.now();
    if (now >= this.expiresAt(s) || (this.o.stillValid && !this.o.stillValid(s))) {
      this.drop(hash);
      return undefined;
    }
    s.lastSeenAt = now;
    this.byHash.delete(hash);
    this.byHash.set(hash, s);
    return s;
  }

  /** When the session ends unless used again. */
  expiresAt(s: ConsoleSession): number {
    return Math.min(s.lastSeenAt + this.o.idleMs, s.createdAt + this.o.maxMs);
  }

  /** Logout: the session is gone. */
  end(id: string): boolean {
    return this.drop(sha256(id));
  }

  /** Ends every session `pred` picks (a deleted tenant, a changed password); returns how many. */
  endWhere(pred: (s: ConsoleSession) => boolean): number {
    let n = 0;
    for (const [k, s] of this.byHash) {
      if (pred(s)) {
        this.drop(k);
        n++;
      }
    }
    return n;
  }

  /**
   * A web password changed (to `hash`): the sessions of that extension end, except the one
   * that changed it (`keepTokenId`), which goes on with the new hash.
   */
  passwordChanged(tenantId: string, ext: string, hash: string, keepTokenId?: string): number {
    return this.endWhere((s) => {
      if (s.principal.tenantId !== tenantId || s.ext !== ext) return false;
      if (s.principal.tokenId === keepTokenId) {
        s.passwordHash = hash;
        return false;
      }
      return true;
    });
  }

  /** Whether the session of this principal id is still live (event streams ask on each heartbeat). */
  isLive(tokenId: string): boolean {
    const hash = this.byTokenId.get(tokenId);
    const s = hash === undefined ? undefined : this.byHash.get(hash);
    if (!s) return false;
    if (this.o.clock.now() < this.expiresAt(s) && (!this.o.stillValid || this.o.stillValid(s))) return true;
    this.drop(hash!);
    return false;
  }

  get size(): number {
    return this.byHash.size;
  }

  /** Drops expired sessions (on each login, so memory follows the live ones). */
  sweep(): void {
    const now = this.o.clock.now();
    for (const [k, s] of this.byHash) if (now >= this.expiresAt(s)) this.drop(k);
  }

  private drop(hash: string): boolean {
    const s = this.byHash.get(hash);
    if (!s) return false;
    this.byHash.delete(hash);
    this.byTokenId.delete(s.principal.tokenId);
    return true;
  }
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
