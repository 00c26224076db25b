import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE = 'server.secret';

/**
 * The server's HMAC key for digest nonces, kept in `<dataDir>/server.secret` (0600) so
 * that nonces issued before a restart stay valid after it: a phone that reuses its
 * nonce must not be counted as a failed login (and banned) because we restarted.
 */
export function loadServerSecret(dataDir: string): Buffer {
  const file = join(dataDir, FILE);
  try {
    const hex = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(hex)) return Buffer.from(hex, 'hex');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32);
  writeFileSync(file, secret.toString('hex') + '\n', { mode: 0o600 });
  return secret;
}
