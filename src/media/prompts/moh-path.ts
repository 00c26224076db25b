/**
 * Which files a music-on-hold class plays for a tenant: the tenant's own class folder
 * (`<dataDir>/tenants/<tenantId>/moh/<class>/*.wav`, files in name order, played as one loop),
 * else the project's default (media/moh/default), so a held caller never hears silence.
 *
 * Same fences as prompts (prompt-path.ts): the class is a prompt name, file names must be
 * prompt names plus `.wav`, and each file's real path must lie in the tenant's own folder
 * below `moh/`; a file escaping it is refused (PromptPathError 'outside-folder'), other names
 * in the folder are ignored.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PromptPathError, assertPromptName, builtinMohDir, candidate, tenantPromptDir } from './prompt-path.js';

/** The most files one class plays (a folder of thousands is a mistake, not music). */
export const MAX_MOH_FILES = 100;
const MOH_FILE_RE = /^[a-z0-9][a-z0-9_-]{0,63}\.wav$/;

export interface ResolvedMoh {
  className: string;
  source: 'tenant' | 'builtin';
  /** Real paths, in play order. */
  files: string[];
}

export function resolveMohClass(className: string, tenantId: string | undefined, opts: { dataDir: string; builtinDir?: string }): ResolvedMoh {
  assertPromptName(className);
  if (tenantId !== undefined) {
    const tenantDir = join(tenantPromptDir(opts.dataDir, tenantId), '..');
    const dir = join(tenantDir, 'moh', className);
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => MOH_FILE_RE.test(n)).sort().slice(0, MAX_MOH_FILES);
    } catch {
      names = [];
    }
    const files: string[] = [];
    for (const n of names) {
      const real = candidate(join(dir, n), tenantDir, 'moh');
      if (real) files.push(real);
    }
    if (files.length > 0) return { className, source: 'tenant', files };
  }
  const builtin = opts.builtinDir ?? builtinMohDir();
  let names: string[];
  try {
    names = readdirSync(builtin).filter((n) => MOH_FILE_RE.test(n)).sort();
  } catch {
    names = [];
  }
  const files = names.map((n) => candidate(join(builtin, n), builtin)).filter((f): f is string => f !== undefined);
  if (files.length === 0) throw new PromptPathError('not-found', `no music on hold in ${builtin}`);
  return { className, source: 'builtin', files };
}
