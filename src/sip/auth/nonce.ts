/**
 * Stateless nonces (RFC 7616 §3.3 leaves the nonce format to the server; §5.4 on
 * limiting its life). A nonce carries its issue time and a random part, and is bound
 * to this server and to the realm by a keyed SHA-256 under a server secret, so checking
 * one needs no lookup and issuing one creates no state:
 *
 *   base64url( issuedAt[6, ms, big-endian] | epoch[4] | random[12] | SHA-256(secret|tag|issuedAt|epoch|random|realm)[0..16] )
 *
 * The MAC is the secret-prefixed hash, truncated to 16 of its 32 bytes: one hash per check
 * instead of HMAC's two and its per-call key object (issue 13: the HMAC was ~20 µs of the
 * digest path, this ~2 µs). Length extension, the weakness of a prefix MAC, needs the whole
 * hash state, which the truncated output does not give away; the secret is 32 random bytes.
 *
 * The epoch names the server process that issued the nonce (it is bumped at every
 * start, see src/app/server-epoch.ts). The secret outlives a restart, but the
 * nonce-count record (nonce-counter.ts) does not: a nonce of an earlier epoch could be
 * replayed with an nc already used, so it is answered as stale (RFC 7616 §3.3: the
 * client retries with the fresh nonce, silently) and never accepted.
 *
 * The nonce is not bound to the client's address: phones behind NAT, on mobile
 * networks or reconnecting over TCP legitimately answer a challenge from another
 * address or port, and replay is stopped by the nonce-count record instead.
 */
import { createHmac, hash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../util/clock.js';
import { randomInto } from '../../util/ids.js';

const TIME_BYTES = 6;
const EPOCH_BYTES = 4;
const RANDOM_BYTES = 12;
const MAC_BYTES = 16;
const SIGNED_BYTES = TIME_BYTES + EPOCH_BYTES + RANDOM_BYTES;
const RAW_BYTES = SIGNED_BYTES + MAC_BYTES;
/** base64url length of RAW_BYTES (38 → 51 characters, no padding). */
export const NONCE_CHARS = Math.ceil((RAW_BYTES * 4) / 3);
const DOMAIN_TAG = Buffer.from('pbx-digest-nonce-v3\0');
const LEGACY_TAG = Buffer.from('pbx-digest-nonce-v2\0');
/** Realms up to this many UTF-8 bytes are hashed from the codec's scratch buffer without allocating. */
const SCRATCH_REALM_BYTES = 256;
const B64URL_RE = /^[A-Za-z0-9_-]+$/;
/** A nonce dated this far ahead of the clock is only accepted after the clock catches up. */
const MAX_FUTURE_MS = 2_000;

export type NonceCheck =
  | { status: 'valid'; issuedAt: number }
  /** Authentic but older than the TTL (or dated ahead of a clock that stepped back): answer stale=true. */
  | { status: 'expired'; issuedAt: number; reason: 'age' | 'epoch' }
  /** Not made by this server for this realm, or not a nonce at all. */
  | { status: 'forged' };

export interface NonceCodecOptions {
  secret: Buffer;
  clock: Clock;
  ttlSeconds: number;
  /** This process's epoch (uint32); nonces of any other epoch are answered stale. Default 0. */
  epoch?: number;
}

export class NonceCodec {
  private readonly secret: Buffer;
  /** secret | tag | signed bytes | realm: the MAC's input, rewritten per call (one thread). */
  private readonly scratch: Buffer;
  private readonly clock: Clock;
  private ttl: number;
  readonly epoch: number;

  constructor(opts: NonceCodecOptions) {
    if (opts.secret.length < 16) throw new RangeError('nonce secret must be at least 16 bytes');
    if (!(opts.ttlSeconds > 0)) throw new RangeError('nonce TTL must be positive');
    this.secret = Buffer.from(opts.secret);
    this.scratch = Buffer.alloc(this.secret.length + DOMAIN_TAG.length + SIGNED_BYTES + SCRATCH_REALM_BYTES);
    this.secret.copy(this.scratch, 0);
    DOMAIN_TAG.copy(this.scratch, this.secret.length);
    this.clock = opts.clock;
    this.ttl = opts.ttlSeconds * 1000;
    const epoch = opts.epoch ?? 0;
    if (!Number.isInteger(epoch) || epoch < 0 || epoch > 0xffff_ffff) throw new RangeError('nonce epoch must be a uint32');
    this.epoch = epoch;
  }

  get ttlMs(): number {
    return this.ttl;
  }

  /** A new lifetime (SIGHUP): it applies to the nonces already issued too, as they carry only their issue time. */
  setTtlSeconds(ttlSeconds: number): void {
    if (!(ttlSeconds > 0)) throw new RangeError('nonce TTL must be positive');
    this.ttl = ttlSeconds * 1000;
  }

  issue(realm: string): string {
    const raw = Buffer.allocUnsafe(RAW_BYTES); // every byte is written below
    raw.writeUIntBE(Math.max(0, Math.floor(this.clock.now())), 0, TIME_BYTES);
    raw.writeUInt32BE(this.epoch, TIME_BYTES);
    randomInto(raw, TIME_BYTES + EPOCH_BYTES, RANDOM_BYTES);
    this.mac(raw, realm).copy(raw, SIGNED_BYTES, 0, MAC_BYTES);
    return raw.toString('base64url');
  }

  check(nonce: string, realm: string): NonceCheck {
    if (nonce.length !== NONCE_CHARS || !B64URL_RE.test(nonce)) return { status: 'forged' };
    const raw = Buffer.from(nonce, 'base64url');
    // Only the canonical spelling is ours: the last character has spare bits, and two
    // spellings of one nonce must not count as two nonces in the nonce-count record.
    if (raw.length !== RAW_BYTES || raw.toString('base64url') !== nonce) return { status: 'forged' };
    const expected = this.mac(raw, realm).subarray(0, MAC_BYTES);
    const got = raw.subarray(SIGNED_BYTES);
    if (!timingSafeEqual(expected, got)) return this.checkLegacy(raw, realm);
    const issuedAt = raw.readUIntBE(0, TIME_BYTES);
    // Issued by an earlier process: its nonce counts were lost with it (see above).
    if (raw.readUInt32BE(TIME_BYTES) !== this.epoch) return { status: 'expired', issuedAt, reason: 'epoch' };
    const age = this.clock.now() - issuedAt;
    if (age > this.ttlMs || age < -MAX_FUTURE_MS) return { status: 'expired', issuedAt, reason: 'age' };
    return { status: 'valid', issuedAt };
  }

  /**
   * A nonce of the build before the keyed hash (HMAC, tag v2) can only come from an earlier
   * process: stale, so that phones holding one on an upgrade retry silently instead of
   * being refused (and counted as failures). Only nonces that fail the current MAC pay this.
   */
  private checkLegacy(raw: Buffer, realm: string): NonceCheck {
    const legacy = createHmac('sha256', this.secret).update(LEGACY_TAG).update(raw.subarray(0, SIGNED_BYTES)).update(realm, 'utf8').digest();
    if (!timingSafeEqual(legacy.subarray(0, MAC_BYTES), raw.subarray(SIGNED_BYTES))) return { status: 'forged' };
    return { status: 'expired', issuedAt: raw.readUIntBE(0, TIME_BYTES), reason: 'epoch' };
  }

  private mac(raw: Buffer, realm: string): Buffer {
    const at = this.secret.length + DOMAIN_TAG.length;
    raw.copy(this.scratch, at, 0, SIGNED_BYTES);
    const realmAt = at + SIGNED_BYTES;
    if (Buffer.byteLength(realm, 'utf8') <= SCRATCH_REALM_BYTES) {
      const n = this.scratch.write(realm, realmAt, 'utf8');
      return hash('sha256', this.scratch.subarray(0, realmAt + n), 'buffer');
    }
    return hash('sha256', Buffer.concat([this.scratch.subarray(0, realmAt), Buffer.from(realm, 'utf8')]), 'buffer');
  }
}
