/**
 * Where a prompt's file is, for one tenant: the tenant's own upload first
 * (`<dataDir>/tenants/<tenantId>/prompts/<name>.wav`), then the operator's set (`media.prompts`
 * in pbx.yaml: `<dir>/<name>.wav`, then the Asterisk name of the prompt, e.g. `digits/7.wav`),
 * then the built-in set that ships with the project (media/prompts/en).
 *
 * Safety (issue 10, "a prompt path outside the tenant's folder"): a name is only ever
 * `^[a-z0-9][a-z0-9_-]{0,63}$` (no '/', '.', NUL, nothing from the wire reaches a path
 * otherwise), and a candidate file is used only when its real path (symlinks resolved) lies
 * inside the folder it was looked up in: for a tenant, inside the tenant's own folder's
 * `prompts/` (a symlinked prompts folder pointing at another tenant is refused too). A file
 * that exists but escapes is refused with an error, not skipped: it is an attack or a
 * mistake, and the log should say so. The path returned is the real path, so the player
 * opens exactly what was checked.
 *
 * Synchronous and small (a few stat/realpath calls): run once per play command.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ASTERISK_SOUND_NAMES } from './asterisk-sound-names.js';
import { promptFileName, type PromptId } from './prompt-catalog.js';

/** A prompt name: what a tenant may call an uploaded prompt, and every built-in id. */
export const PROMPT_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Same rule as src/config/tenant-id.ts (media may not import config; a test checks they agree). */
export const MEDIA_TENANT_ID_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Asterisk sound names: an optional folder, then a name (vm-INBOX has capitals). */
const ASTERISK_NAME_RE = /^(?:[a-z0-9][a-z0-9_-]{0,63}\/)?[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/;

export type PromptPathErrorCode =
  /** The prompt name is not `^[a-z0-9][a-z0-9_-]{0,63}$`. */
  | 'bad-name'
  /** The tenant id is not a tenant id. */
  | 'bad-tenant'
  /** The file's real path is outside the folder it was looked up in (a symlink, most likely). */
  | 'outside-folder'
  /** The name exists but is not a regular file (a folder, a device, a socket). */
  | 'not-a-file'
  /** No set has it. */
  | 'not-found';

export class PromptPathError extends Error {
  constructor(
    readonly code: PromptPathErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PromptPathError';
  }
}

export type PromptSource = 'tenant' | 'operator' | 'builtin';

export interface ResolvedPrompt {
  name: string;
  /** The real path (symlinks resolved) of the file to open. */
  path: string;
  source: PromptSource;
}

export interface PromptFolders {
  /** pbx.yaml dataDir: tenants' folders are `<dataDir>/tenants/<id>/`. */
  dataDir: string;
  /** pbx.yaml media.prompts: the operator's set; absent, none. */
  operatorDir?: string;
  /** The built-in set; default builtinPromptDir(). */
  builtinDir?: string;
}

let builtinCache: string | undefined;

/**
 * The built-in set, media/prompts/en at the package root: three levels above this module
 * both in src/media/prompts and in dist/media/prompts.
 */
export function builtinPromptDir(): string {
  builtinCache ??= join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'media', 'prompts', 'en');
  return builtinCache;
}

/** The default music-on-hold class shipped with the project (media/moh/default). */
export function builtinMohDir(): string {
  return join(builtinPromptDir(), '..', '..', 'moh', 'default');
}

/** Throws PromptPathError('bad-name') unless `name` is a prompt name. */
export function assertPromptName(name: string): string {
  if (typeof name !== 'string' || !PROMPT_NAME_RE.test(name)) {
    throw new PromptPathError('bad-name', `'${printable(name)}' is not a prompt name (1-64 of a-z 0-9 _ -, starting with a letter or digit)`);
  }
  return name;
}

/** A tenant's own prompts folder (it may not exist). */
export function tenantPromptDir(dataDir: string, tenantId: string): string {
  if (typeof tenantId !== 'string' || !MEDIA_TENANT_ID_RE.test(tenantId)) throw new PromptPathError('bad-tenant', `'${printable(tenantId)}' is not a tenant id`);
  return join(dataDir, 'tenants', tenantId, 'prompts');
}

/**
 * Finds `name` for `tenantId` (undefined: no tenant folder is searched, e.g. system prompts).
 * Throws PromptPathError.
 */
export function resolvePrompt(name: string, tenantId: string | undefined, folders: PromptFolders): ResolvedPrompt {
  assertPromptName(name);
  const file = promptFileName(name);
  if (tenantId !== undefined) {
    const dir = tenantPromptDir(folders.dataDir, tenantId);
    // The fence is the tenant's own folder, so `prompts` itself may not lead elsewhere either.
    const hit = candidate(join(dir, file), join(dir, '..'), 'prompts');
    if (hit) return { name, path: hit, source: 'tenant' };
  }
  if (folders.operatorDir !== undefined) {
    const hit = candidate(join(folders.operatorDir, file), folders.operatorDir);
    if (hit) return { name, path: hit, source: 'operator' };
    const asterisk = ASTERISK_SOUND_NAMES[name as PromptId];
    if (asterisk !== undefined && ASTERISK_NAME_RE.test(asterisk)) {
      const alt = candidate(join(folders.operatorDir, `${asterisk}.wav`), folders.operatorDir);
      if (alt) return { name, path: alt, source: 'operator' };
    }
  }
  const builtin = folders.builtinDir ?? builtinPromptDir();
  const hit = candidate(join(builtin, file), builtin);
  if (hit) return { name, path: hit, source: 'builtin' };
  throw new PromptPathError('not-found', `no prompt '${name}'${tenantId !== undefined ? ` for tenant ${tenantId}` : ''}`);
}

/**
 * The real path of `path` when it exists and lies inside `fence` (itself resolved), below
 * `fence/sub` when `sub` is given; undefined when it does not exist.
 */
export function candidate(path: string, fence: string, sub?: string): string | undefined {
  if (!existsSync(path)) {
    // A dangling symlink is absent too; anything else unreadable is simply not this set's.
    return undefined;
  }
  let real: string;
  let fenceReal: string;
  try {
    real = realpathSync(path);
    fenceReal = realpathSync(fence);
  } catch {
    return undefined;
  }
  const inside = sub === undefined ? fenceReal + sep : join(fenceReal, sub) + sep;
  if (!real.startsWith(inside)) throw new PromptPathError('outside-folder', `prompt file ${path} leads outside its folder (to ${real})`);
  let isFile = false;
  try {
    isFile = statSync(real).isFile();
  } catch {
    return undefined;
  }
  if (!isFile) throw new PromptPathError('not-a-file', `prompt ${path} is not a regular file`);
  return real;
}

/** For messages: a name from anywhere, without control characters, cut short. */
function printable(s: unknown): string {
  return String(s)
    .slice(0, 80)
    .replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
