import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parsePbxConfig, parseTenantConfig, type TenantParseOptions } from '../config/index.js';
import type { PbxConfig, TenantConfig } from '../config/types.js';
import { ConfigError, ConfigErrors } from '../util/errors.js';

export type Env = Record<string, string | undefined>;

/** Read and check pbx.yaml. Throws ConfigErrors (file:line:col) or a ConfigError for an unreadable file. */
export function readPbxConfig(file: string, env: Env = process.env): PbxConfig {
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new ConfigErrors([new ConfigError(abs, 1, 1, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)]);
  }
  return parsePbxConfig(text, abs, env);
}

/** One tenant file as read: its content hash, and the config or the error. */
export interface TenantFile {
  file: string;
  hash: string;
  /** The file's text, to place problems found after decoding (specProblemsAt). */
  text?: string;
  config?: TenantConfig;
  error?: ConfigErrors;
}

/** Every *.yaml / *.yml file of the tenants directory, sorted by name; each parsed independently. */
export function readTenantFiles(dir: string, env: Env = process.env, opts: TenantParseOptions = {}): TenantFile[] {
  return tenantFilePaths(dir).map((file) => readTenantFile(file, env, opts));
}

/** The paths of the *.yaml / *.yml files of the tenants directory, sorted by name; none when it does not exist. */
export function tenantFilePaths(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.ya?ml$/.test(n) && !n.startsWith('.')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ConfigErrors([new ConfigError(dir, 1, 1, `cannot read tenants directory: ${(e as Error).message}`)]);
  }
  return names.map((n) => join(dir, n));
}

export function readTenantFile(file: string, env: Env = process.env, opts: TenantParseOptions = {}): TenantFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { file, hash: '', error: new ConfigErrors([new ConfigError(file, 1, 1, `cannot read: ${(e as Error).message}`)]) };
  }
  const hash = createHash('sha256').update(text).digest('hex');
  try {
    return { file, hash, text, config: parseTenantConfig(text, file, env, opts) };
  } catch (e) {
    if (e instanceof ConfigErrors) return { file, hash, error: e };
    if (e instanceof ConfigError) return { file, hash, error: new ConfigErrors([e]) };
    throw e;
  }
}
