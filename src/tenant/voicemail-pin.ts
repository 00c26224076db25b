/**
 * Voicemail PINs: digits only, 4 to 16 of them, kept as a salted scrypt hash
 * (`scrypt$<N>$<salt b64>$<hash b64>`), never as the PIN. A PIN has few possible values, so
 * the hash alone would not hold out long against someone with the file: the real guard is
 * the lockout after three wrong tries (apps/voicemail/pin-guard.ts); the hash keeps the PIN
 * out of backups, exports and logs. Verification compares in constant time.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

export const VOICEMAIL_PIN_RE = /^[0-9]{4,16}$/;
export const VOICEMAIL_PIN_PROBLEM = 'must be 4 to 16 digits (0-9), nothing else';
/** scrypt cost: about 10 ms a hash, so applying a tenant of a thousand boxes stays quick. */
const N = 4096;
const KEY_BYTES = 32;
const HASH_RE = /^scrypt\$([0-9]{1,7})\$([A-Za-z0-9+/]{22,24}={0,2})\$([A-Za-z0-9+/]{43}=?)$/;

export function isValidPin(pin: unknown): pin is string {
  return typeof pin === 'string' && VOICEMAIL_PIN_RE.test(pin);
}

/** A hash as hashPin writes it (what `pbx tenant export` writes as pinHash). */
export function isPinHash(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const m = HASH_RE.exec(v);
  if (!m) return false;
  const n = Number(m[1]);
  return n >= 1024 && n <= 1 << 20 && (n & (n - 1)) === 0;
}

export function hashPin(pin: string, salt: Buffer = randomBytes(16)): string {
  if (!isValidPin(pin)) throw new RangeError(`PIN ${VOICEMAIL_PIN_PROBLEM}`);
  const key = scryptSync(pin, salt, KEY_BYTES, { N, r: 8, p: 1 });
  return `scrypt$${N}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when `pin` is the PIN of `hash`; false for anything malformed. */
export function verifyPin(pin: string, hash: string | undefined): boolean {
  if (hash === undefined || !isValidPin(pin)) return false;
  const m = HASH_RE.exec(hash);
  if (!m || !isPinHash(hash)) return false;
  const want = Buffer.from(m[3]!, 'base64');
  if (want.length !== KEY_BYTES) return false;
  const got = scryptSync(pin, Buffer.from(m[2]!, 'base64'), KEY_BYTES, { N: Number(m[1]), r: 8, p: 1, maxmem: 256 * 1024 * 1024 });
  return timingSafeEqual(got, want);
}
