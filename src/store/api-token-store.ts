import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Clock } from '../util/clock.js';
import { StoreError } from '../util/errors.js';

export type TokenRole = 'provider' | 'tenant-admin' | 'user';

/** A token as stored: never its secret, only the SHA-256 of it. */
export interface ApiTokenRecord {
  id: string;
  role: TokenRole;
  tenantId?: string;
  ext?: string;
  label: string;
  createdAt: number;
  /** The id of the token that created it ('admin' for api.adminToken). */
  createdBy: string;
  revokedAt?: number;
  lastUsedAt?: number;
}

export interface NewApiToken {
  role: TokenRole;
  tenantId?: string;
  ext?: string;
  label?: string;
  createdBy: string;
}

interface TokenRow {
  id: string;
  hash: Buffer;
  role: TokenRole;
  tenant_id: string | null;
  ext: string | null;
  label: string;
  created_at: number;
  created_by: string;
  revoked_at: number | null;
  last_used_at: number | null;
}

/** `pbx_<16 hex>_<43 base64url>`: the id has no '_', so the first two split it. */
const TOKEN_TEXT = /^pbx_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/;
/** last_used_at is written at most this often per token (a write per request is too many). */
const LAST_USED_GRANULARITY_MS = 60_000;

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Compares two secrets in constant time (over their SHA-256, so lengths may differ). */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/**
 * API tokens in system.sqlite (issue 5). The token text `pbx_<id>_<secret>` (secret: 32
 * random bytes, base64url) is returned once, at creation; the table keeps the SHA-256 of
 * the secret, compared in constant time. A revoked token stays listed and never verifies;
 * a tenant's tokens go with its row (ON DELETE CASCADE).
 */
export class ApiTokenStore {
  private readonly st;

  constructor(
    db: Database.Database,
    private readonly clock: Clock,
    private readonly onWrite: () => void = () => {},
  ) {
    this.st = {
      insert: db.prepare<[string, Buffer, string, string | null, string | null, string, number, string]>(
        'INSERT INTO api_tokens (id, hash, role, tenant_id, ext, label, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      get: db.prepare<[string], TokenRow>('SELECT * FROM api_tokens WHERE id = ?'),
      all: db.prepare<[], TokenRow>('SELECT * FROM api_tokens ORDER BY created_at, id'),
      ofTenant: db.prepare<[string], TokenRow>('SELECT * FROM api_tokens WHERE tenant_id = ? ORDER BY created_at, id'),
      revoke: db.prepare<[number, string]>('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      touch: db.prepare<[number, string]>('UPDATE api_tokens SET last_used_at = ? WHERE id = ?'),
    };
  }

  /** Creates a token; the answer's `token` is the only time its secret exists outside the caller. */
  create(input: NewApiToken): { token: string; record: ApiTokenRecord } {
    if ((input.role === 'provider') !== (input.tenantId === undefined)) throw new StoreError('a provider token has no tenant; any other token has one');
    if ((input.role === 'user') !== (input.ext !== undefined)) throw new StoreError('a user token has an extension; no other token has one');
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    try {
      this.onWrite();
      this.st.insert.run(id, sha256(secret), input.role, input.tenantId ?? null, input.ext ?? null, input.label ?? '', now, input.createdBy);
    } catch (e) {
      throw new StoreError(`cannot create token: ${(e as Error).message}`, { cause: e });
    }
    return { token: `pbx_${id}_${secret}`, record: this.get(id)! };
  }

  /**
   * The record of a token text if it is well-formed, known, not revoked and its secret
   * matches (constant-time); else undefined. Records when it was last used.
   */
  verify(text: string): ApiTokenRecord | undefined {
    const m = TOKEN_TEXT.exec(text);
    if (!m) return undefined;
    const row = this.st.get.get(m[1]!);
    if (!row) return undefined;
    const ok = timingSafeEqual(sha256(m[2]!), row.hash);
    if (!ok || row.revoked_at !== null) return undefined;
    const now = this.clock.now();
    if (row.last_used_at === null || now - row.last_used_at >= LAST_USED_GRANULARITY_MS) {
      try {
        this.st.touch.run(now, row.id);
        row.last_used_at = now;
      } catch {
        // A busy database must not refuse a valid token.
      }
    }
    return toRecord(row);
  }

  get(id: string): ApiTokenRecord | undefined {
    const row = this.st.get.get(id);
    return row ? toRecord(row) : undefined;
  }

  /** Every token, or a tenant's; revoked ones included. */
  list(opts: { tenantId?: string } = {}): ApiTokenRecord[] {
    return (opts.tenantId !== undefined ? this.st.ofTenant.all(opts.tenantId) : this.st.all.all()).map(toRecord);
  }

  /** Revokes a token; false when it does not exist or was revoked already. */
  revoke(id: string): boolean {
    this.onWrite();
    return this.st.revoke.run(this.clock.now(), id).changes > 0;
  }
}

function toRecord(r: TokenRow): ApiTokenRecord {
  return {
    id: r.id,
    role: r.role,
    ...(r.tenant_id !== null ? { tenantId: r.tenant_id } : {}),
    ...(r.ext !== null ? { ext: r.ext } : {}),
    label: r.label,
    createdAt: r.created_at,
    createdBy: r.created_by,
    ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
    ...(r.last_used_at !== null ? { lastUsedAt: r.last_used_at } : {}),
  };
}
