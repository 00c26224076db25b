import { randomBytes } from 'node:crypto';

/** RFC 3261 §8.1.1.7: branch ids start with the magic cookie z9hG4bK. */
export const BRANCH_COOKIE = 'z9hG4bK';

// A pool of random bytes refilled in bulk: ids are minted on every request, and
// randomBytes(8) per call costs a syscall each time.
let pool = Buffer.alloc(0);
let offset = 0;

function take(n: number): Buffer {
  if (offset + n > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  const out = pool.subarray(offset, offset + n);
  offset += n;
  return out;
}

/** Writes n random bytes from the pool into target at offset (no string, no Buffer of its own). */
export function randomInto(target: Buffer, offset: number, n: number): void {
  take(n).copy(target, offset);
}

export function randomToken(bytes = 8): string {
  return take(bytes).toString('hex');
}

export function newBranch(): string {
  return BRANCH_COOKIE + randomToken(8);
}

export function newTag(): string {
  return randomToken(6);
}

export function newCallId(host?: string): string {
  return host ? `${randomToken(10)}@${host}` : randomToken(12);
}
