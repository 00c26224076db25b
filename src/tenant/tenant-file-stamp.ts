import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';

export type Env = Record<string, string | undefined>;

/**
 * size:mtimeNs:inode of a file, or undefined when it cannot be read. An editor that
 * rewrites a file (in place or by rename) changes at least one of them; a file whose
 * stamp is unchanged is not read again (its content key is trusted).
 */
export function fileStamp(file: string): string | undefined {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.size}:${s.mtimeNs}:${s.ino}`;
  } catch {
    return undefined;
  }
}

/** The names of the environment variables a YAML text refers to as `${NAME}` or `${NAME:-fallback}` (a superset is harmless). */
export function envNamesIn(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!);
  return [...names].sort();
}

/** A digest of the values of those variables now (unset and empty told apart). */
export function envDigest(names: readonly string[], env: Env): string {
  const h = createHash('sha256');
  for (const n of names) {
    const v = env[n];
    h.update(n).update(v === undefined ? '\u0000unset' : `=${v}`).update('\u0000');
  }
  return h.digest('hex');
}

/**
 * What decides a tenant file's meaning: its text and the values of the environment
 * variables it names, as `<sha256 of the text>:<envDigest>`. Two reads with the same key
 * apply to the same spec.
 */
export function contentKey(text: string, env: Env): { hash: string; envNames: string[] } {
  const envNames = envNamesIn(text);
  return { hash: `${createHash('sha256').update(text).digest('hex')}:${envDigest(envNames, env)}`, envNames };
}

/** Whether the environment variables a key's text named still have the values they had (no need to read the text). */
export function sameEnv(hash: string, envNames: readonly string[], env: Env): boolean {
  return hash.slice(hash.indexOf(':') + 1) === envDigest(envNames, env);
}
