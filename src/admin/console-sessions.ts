/**
 * Console sessions: an opaque random id (the `pbx_session` cookie; only its SHA-256 is kept
 * as the key), the CSRF token bound to it, and the principal it stands for. A session ends
 * after `idleMs` without a request, `maxMs` after the login, on logout, or when its account
 * stops being valid (the caller's `stillValid`, asked on every use).
 *
 * Kept in memory and, with `rows` (system.sqlite's console_sessions), written through so that
 * a restart keeps users logged in: rows are read back at construction; login, logout, expiry
 * and a changed password write at once; the last use is written at most once a minute per
 * session (a write per API request is too many), so after a restart a session may end up to
 * that much earlier than it would have. A sweep on a timer of the injectable clock
 * (startSweeping) deletes expired sessions from both.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ConsoleSessionRecord } from '../store/console-session-table.js';
import type { Clock, TimerHandle } from '../util/clock.js';
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
  /** Where sessions persist (system.sqlite console_sessions); without it they live in memory only. */
  rows?: ConsoleSessionRows;
}

/** The persistence port (ConsoleSessionTable in src/tenant). */
export interface ConsoleSessionRows {
  all(): ConsoleSessionRecord[];
  insert(r: ConsoleSessionRecord): boolean;
  touch(key: string, at: number): void;
  setPasswordHash(key: string, hash: string): void;
  delete(key: string): void;
  deleteExpired(idleBefore: number, createdBefore: number): number;
}

const DEFAULT_MAX_SESSIONS = 20_000;
/** The last use of a session is written to its row at most this often. */
export const TOUCH_GRANULARITY_MS = 60_000;

export class ConsoleSessions {
  /** sha256(cookie) → session; Map order is the order of last use (refreshed on each use). */
  private readonly byHash = new Map<string, ConsoleSession>();
  /** principal.tokenId → sha256(cookie). */
  private readonly byTokenId = new Map<string, string>();

  /** sha256(cookie) → the last-use time its row holds. */
  private readonly rowSeen = new Map<string, number>();
  private sweepTimer: TimerHandle | undefined;

  constructor(private readonly o: ConsoleSessionsOptions) {
    if (o.rows) this.load(o.rows);
  }

  /** The stored sessions, expired ones deleted first; past maxSessions only the most recently used. */
  private load(rows: ConsoleSessionRows): void {
    const now = this.o.clock.now();
    rows.deleteExpired(now - this.o.idleMs, now - this.o.maxMs);
    const all = rows.all();
    const max = this.o.maxSessions ?? DEFAULT_MAX_SESSIONS;
    for (const r of all.slice(0, Math.max(0, all.length - max))) rows.delete(r.key);
    for (const r of all.slice(-max)) {
      const principal = { role: r.role, tokenId: r.tokenId, ...(r.tenantId !== undefined ? { tenantId: r.tenantId } : {}), ...(r.ext !== undefined && r.role === 'user' ? { ext: r.ext } : {}) };
      const session: ConsoleSession = {
        principal,
        username: r.username,
        passwordHash: r.passwordHash,
        ...(r.ext !== undefined ? { ext: r.ext } : {}),
        key: r.key,
        csrfToken: r.csrfToken,
        createdAt: r.createdAt,
        lastSeenAt: r.lastSeenAt,
      };
      this.byHash.set(r.key, session);
      this.byTokenId.set(r.tokenId, r.key);
      this.rowSeen.set(r.key, r.lastSeenAt);
    }
  }

  /** Sweeps expired sessions every `intervalMs` on the clock until stop(). */
  startSweeping(intervalMs: number): void {
    this.stop();
    const arm = () => {
      this.sweepTimer = this.o.clock.setTimeout(() => {
        this.sweep();
        arm();
      }, intervalMs);
    };
    arm();
  }

  stop(): void {
    this.o.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
  }

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
    if (this.o.rows?.insert(toRecord(session))) this.rowSeen.set(hash, now);
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
    const seen = this.rowSeen.get(hash);
    if (seen !== undefined && now - seen >= TOUCH_GRANULARITY_MS) {
      this.o.rows!.touch(hash, now);
      this.rowSeen.set(hash, now);
    }
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
        if (this.rowSeen.has(s.key)) this.o.rows!.setPasswordHash(s.key, hash);
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

  /** Drops expired sessions, in memory and stored (on each login and on the sweep timer); returns how many rows went. */
  sweep(): number {
    const now = this.o.clock.now();
    for (const [k, s] of this.byHash) if (now >= this.expiresAt(s)) this.drop(k);
    return this.o.rows?.deleteExpired(now - this.o.idleMs, now - this.o.maxMs) ?? 0;
  }

  private drop(hash: string): boolean {
    const s = this.byHash.get(hash);
    if (!s) return false;
    this.byHash.delete(hash);
    this.byTokenId.delete(s.principal.tokenId);
    if (this.rowSeen.delete(hash)) this.o.rows!.delete(hash);
    return true;
  }
}

function toRecord(s: ConsoleSession): ConsoleSessionRecord {
  return {
    key: s.key,
    tokenId: s.principal.tokenId,
    role: s.principal.role,
    ...(s.principal.tenantId !== undefined ? { tenantId: s.principal.tenantId } : {}),
    ...(s.ext !== undefined ? { ext: s.ext } : {}),
    username: s.username,
    passwordHash: s.passwordHash,
    csrfToken: s.csrfToken,
    createdAt: s.createdAt,
    lastSeenAt: s.lastSeenAt,
  };
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
