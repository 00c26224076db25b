import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const FILE = 'server.epoch';

/**
 * The epoch of this server process: a counter in `<dataDir>/server.epoch`, read and
 * bumped at every start (not at stop, so a kill -9 or a power cut bumps it too), and
 * written durably (temp file, fsync, rename) before any nonce is issued. Digest nonces
 * carry it (src/sip/auth/nonce.ts): a nonce of an earlier process is answered stale,
 * because the record of the nonce counts it has used died with that process.
 *
 * A missing or unreadable file starts from a random epoch rather than 0, so that
 * losing the file (restoring an old backup, say) is unlikely to reuse an earlier one.
 */
export function bumpServerEpoch(dataDir: string): number {
  const file = join(dataDir, FILE);
  let previous: number | undefined;
  try {
    const text = readFileSync(file, 'utf8').trim();
    if (/^[0-9]{1,10}$/.test(text) && Number(text) <= 0xffff_ffff) previous = Number(text);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const next = previous === undefined ? Math.floor(Math.random() * 0x1_0000_0000) >>> 0 : (previous + 1) >>> 0;
  mkdirSync(dataDir, { recursive: true, mode: 0o750 });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${next}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  return next;
}
