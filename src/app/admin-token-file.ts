import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE = 'admin-token';

/** A token read from the file that cannot be one (the API takes 1-512 characters, no spaces). */
export class AdminTokenFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'AdminTokenFileError';
  }
}

/**
 * The provider's admin token when pbx.yaml sets none (api.adminToken): made on the first
 * start as `<dataDir>/admin-token` (0600, readable by the server's user only), reused on
 * every later start, and read by the CLI on the same machine. api.adminToken, when set,
 * wins and the file is neither made nor read.
 */
export function adminTokenFile(dataDir: string): string {
  return join(dataDir, FILE);
}

/** The token in `<dataDir>/admin-token`, or undefined when there is no such file. */
export function readAdminTokenFile(dataDir: string): string | undefined {
  const file = adminTokenFile(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AdminTokenFileError(file, `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const token = text.trim();
  if (token === '') return undefined;
  if (token.length > 512 || /\s/.test(token)) throw new AdminTokenFileError(file, 'not a token (one line of at most 512 characters without spaces)');
  return token;
}

/** Reads the token file, or makes it (random, 256 bits) when there is none or it is empty. */
export function ensureAdminTokenFile(dataDir: string): { file: string; token: string; created: boolean } {
  const file = adminTokenFile(dataDir);
  const existing = readAdminTokenFile(dataDir);
  if (existing !== undefined) return { file, token: existing, created: false };
  mkdirSync(dataDir, { recursive: true, mode: 0o750 });
  const token = `pbx_admin_${randomBytes(32).toString('base64url')}`;
  // Written whole under another name and renamed: a reader never sees half a token.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, token + '\n', { mode: 0o600 });
  renameSync(tmp, file);
  return { file, token, created: true };
}
