/**
 * Web passwords (the console login of an extension or a provider account), kept apart from
 * SIP passwords: a salted scrypt hash with its parameters, `$scrypt$N=16384,r=8,p=1$<salt>$<key>`
 * (salt and key base64), never the password. Verification compares in constant time. A
 * hash may be given as it is (YAML, pbx.yaml `console.providers`); `pbx web-password-hash`
 * prints one.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

export const WEB_PASSWORD_MIN = 8;
export const WEB_PASSWORD_MAX = 128;
export const WEB_PASSWORD_PROBLEM = `must be ${WEB_PASSWORD_MIN} to ${WEB_PASSWORD_MAX} characters`;

/** scrypt cost: about 50 ms a hash here, 16 MiB of memory. */
const DEFAULT = { N: 16384, r: 8, p: 1 };
const KEY_BYTES = 32;
const HASH_RE = /^\$scrypt\$N=([0-9]{1,8}),r=([0-9]{1,2}),p=([0-9]{1,2})\$([A-Za-z0-9+/]{22,24}={0,2})\$([A-Za-z0-9+/]{43}=?)$/;

interface Parsed {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parse(hash: string): Parsed | undefined {
  const m = HASH_RE.exec(hash);
  if (!m) return undefined;
  const N = Number(m[1]);
  const r = Number(m[2]);
  const p = Number(m[3]);
  // Bounded so that a hash from a file cannot make a login cost seconds or gigabytes.
  if (N < 1024 || N > 1 << 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 4) return undefined;
  if (128 * N * r > 512 * 1024 * 1024) return undefined;
  const key = Buffer.from(m[5]!, 'base64');
  if (key.length !== KEY_BYTES) return undefined;
  return { N, r, p, salt: Buffer.from(m[4]!, 'base64'), key };
}

/** A password a person may choose: a string of 8 to 128 characters. */
export function webPasswordProblem(v: unknown): string | undefined {
  if (typeof v !== 'string') return 'must be a string';
  if (v.length < WEB_PASSWORD_MIN || v.length > WEB_PASSWORD_MAX) return WEB_PASSWORD_PROBLEM;
  if (/[\u0000-\u001f\u007f]/.test(v)) return 'must not contain control characters';
  return undefined;
}

/** A hash as hashWebPassword writes it (with sane parameters). */
export function isWebPasswordHash(v: unknown): v is string {
  return typeof v === 'string' && parse(v) !== undefined;
}

export function hashWebPassword(password: string, salt: Buffer = randomBytes(16)): string {
  const problem = webPasswordProblem(password);
  if (problem !== undefined) throw new RangeError(`web password ${problem}`);
  const key = scryptSync(password.normalize('NFC'), salt, KEY_BYTES, { ...DEFAULT, maxmem: 64 * 1024 * 1024 });
  return `$scrypt$N=${DEFAULT.N},r=${DEFAULT.r},p=${DEFAULT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Synchronous check (apply-time); false for anything malformed. */
export function verifyWebPasswordSync(password: string, hash: string | undefined): boolean {
  const h = hash === undefined ? undefined : parse(hash);
  if (!h || typeof password !== 'string' || password.length > WEB_PASSWORD_MAX) return false;
  const got = scryptSync(password.normalize('NFC'), h.salt, KEY_BYTES, { N: h.N, r: h.r, p: h.p, maxmem: 600 * 1024 * 1024 });
  return timingSafeEqual(got, h.key);
}

/** A hash nobody's password matches: verified against when the account is unknown, so both cost the same (made on first use). */
let dummy: Parsed | undefined;
const dummyHash = (): Parsed => (dummy ??= parse(hashWebPassword('not-a-password-of-anyone', Buffer.alloc(16, 7)))!);

/**
 * The login check, off the event loop (scrypt runs in libuv's pool). An unknown account
 * (hash undefined) costs the same as a wrong password and is false.
 */
export function verifyWebPassword(password: string, hash: string | undefined): Promise<boolean> {
  const h = (hash === undefined ? undefined : parse(hash)) ?? dummyHash();
  const real = hash !== undefined && parse(hash) !== undefined;
  if (typeof password !== 'string' || password.length > WEB_PASSWORD_MAX) return Promise.resolve(false);
  return new Promise((resolve) => {
    scrypt(password.normalize('NFC'), h.salt, KEY_BYTES, { N: h.N, r: h.r, p: h.p, maxmem: 600 * 1024 * 1024 }, (err, got) => {
      if (err) return resolve(false);
      resolve(timingSafeEqual(got, h.key) && real);
    });
  });
}
