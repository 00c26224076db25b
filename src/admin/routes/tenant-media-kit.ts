/**
 * What the prompt and music-on-hold upload routes share (issue 10, items 4 and 7): the name
 * rule, the tenant's media folders, the storage quota, and the upload itself.
 *
 * An upload is streamed (never buffered whole) into a hidden temp file in the folder it is
 * meant for, with the smaller of the server's cap (api.uploadLimitMB, 413) and what the
 * tenant has left of limits.storageMB (507 storage_full) as its limit; the file is then
 * checked as a WAV the player accepts (422 with the WavError code), and only then renamed
 * over `<name>.wav` (atomic in one folder: a player sees the old file or the new one, never
 * half of either). Any refusal removes the temp file: nothing is written, nothing existing
 * is lost.
 *
 * Names come from the request, so each is checked against NAME_RE before it is joined to
 * a path (`..`, `%2e%2e`, NUL, '/', capitals: 422), and the folder is `<dataDir>/tenants/
 * <id>/` of the tenant the server already scoped the token to.
 *
 * Media is data, not configuration: a file-managed tenant (its YAML re-applied at every
 * start) may upload prompts and music too; its YAML says nothing of them and an apply
 * leaves the folders alone.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { TenantContext } from '../../tenant/tenant-context.js';
import { tenantDir } from '../../store/tenant-id.js';
import { folderBytes } from '../folder-bytes.js';
import { ApiError, validationError, type ApiRequest, type JsonSchema } from '../api-types.js';
import type { TenantResourceDeps } from './tenant-resource-kit.js';

/** A prompt, a music class or a music file name: media/prompts/prompt-path.ts PROMPT_NAME_RE (a test checks they agree). */
export const MEDIA_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const MEDIA_NAME: JsonSchema = { type: 'string', pattern: MEDIA_NAME_RE.source, description: '1-64 of a-z 0-9 _ -, starting with a letter or digit' };
export const WAV_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'] as const;
const MIB = 1024 * 1024;
/** The most files one music class may hold (media/prompts/moh-path.ts MAX_MOH_FILES plays no more). */
export const MAX_MOH_FILES = 100;

/** What an uploaded file is, once the media engine has read its header. */
export interface WavProbe {
  /** e.g. 'pcm16/8000', 'mulaw/8000'. */
  format: string;
  durationMs: number;
}

/** The media engine's judgement of a file, wired by the composition root (src/app/media-probe.ts). */
export interface MediaFiles {
  /** The file as the player would read it, or a refusal with the WavError code and message. */
  probe(path: string): WavProbe | { refused: string; message: string };
  /** Every prompt id of the built-in set. */
  builtinPromptIds: readonly string[];
}

/** A name from the path, or 422 naming the parameter; nothing else ever reaches a path. */
export function mediaName(req: ApiRequest<unknown>, param: string): string {
  const v = req.params[param] ?? '';
  if (!MEDIA_NAME_RE.test(v)) throw validationError([{ path: `/${param}`, message: 'must be 1-64 of a-z 0-9 _ -, starting with a letter or digit' }]);
  return v;
}

export function promptsDir(dataDir: string, t: TenantContext): string {
  return join(tenantDir(dataDir, t.id), 'prompts');
}

export function mohDir(dataDir: string, t: TenantContext): string {
  return join(tenantDir(dataDir, t.id), 'moh');
}

/** A regular file (symbolic links are not followed and count as absent), or undefined. */
export function regularFile(path: string): { size: number; mtimeMs: number } | undefined {
  try {
    const st = lstatSync(path);
    return st.isFile() ? { size: st.size, mtimeMs: st.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

/** The `<name>.wav` files of a folder, by name (nothing else: temp files, links, folders). */
export function wavNames(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.wav') && MEDIA_NAME_RE.test(n.slice(0, -4)) && regularFile(join(dir, n)) !== undefined)
    .map((n) => n.slice(0, -4))
    .sort();
}

/** Sub-folders whose names pass the rule (music classes). */
export function subFolders(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => MEDIA_NAME_RE.test(n) && lstatSync(join(dir, n)).isDirectory()).sort();
}

/** Creates a folder chain below the tenant's folder, each 0700. */
function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

function media(deps: TenantResourceDeps): MediaFiles {
  if (!deps.media) throw new ApiError(409, 'media_unavailable', 'media uploads are not available on this server');
  return deps.media;
}

export interface Upload {
  bytes: number;
  format: string;
  durationMs: number;
  replaced: boolean;
}

/**
 * The upload pipeline: quota, temp file, WAV check, atomic rename to `dir/<name>.wav`.
 * `dir` is one of the tenant's media folders built from checked names.
 */
export async function receiveWav(deps: TenantResourceDeps, req: ApiRequest<unknown>, t: TenantContext, dir: string, name: string): Promise<Upload> {
  const files = media(deps);
  const raw = req.raw;
  if (!raw) throw new ApiError(415, 'unsupported_media_type', `send the body as ${WAV_TYPES[0]}`);
  const target = join(dir, `${name}.wav`);
  const existing = regularFile(target);
  let quota: number | undefined;
  const limitMB = t.limits.storageMB;
  if (limitMB !== undefined) {
    const used = folderBytes(tenantDir(deps.dataDir, t.id));
    // Replacing a file frees its bytes.
    quota = Math.max(0, limitMB * MIB - used + (existing?.size ?? 0));
    const over = (sent: number) =>
      new ApiError(507, 'storage_full', `limits.storageMB is ${limitMB}: the tenant uses ${(used / MIB).toFixed(2)} MB, the upload of ${(sent / MIB).toFixed(2)} MB would exceed it`);
    if (raw.declaredBytes !== undefined && raw.declaredBytes > quota) throw over(raw.declaredBytes);
  }
  ensureDir(dir);
  const temp = join(dir, `.upload-${randomBytes(8).toString('hex')}.part`);
  let bytes: number;
  try {
    bytes = await raw.saveTo(temp, quota);
  } catch (e) {
    if ((e as { which?: string }).which === 'quota') {
      throw new ApiError(507, 'storage_full', `limits.storageMB is ${limitMB}: the upload would exceed it (${(quota! / MIB).toFixed(2)} MB left)`);
    }
    throw e;
  }
  try {
    const probe = files.probe(temp);
    if ('refused' in probe) throw new ApiError(422, 'invalid_wav', `${probe.refused}: ${probe.message}`, { code: probe.refused });
    chmodSync(temp, 0o600);
    renameSync(temp, target);
    return { bytes, format: probe.format, durationMs: Math.round(probe.durationMs), replaced: existing !== undefined };
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // renamed, or never there
    }
  }
}

/** One file's listing entry (the header read again: a file put there by hand may be refused). */
export function describeWav(deps: TenantResourceDeps, path: string, name: string): Record<string, unknown> {
  const st = regularFile(path);
  const probe = media(deps).probe(path);
  return {
    name,
    bytes: st?.size ?? 0,
    ...('refused' in probe ? { problem: `${probe.refused}: ${probe.message}` } : { format: probe.format, durationMs: Math.round(probe.durationMs) }),
  };
}

export function builtinIds(deps: TenantResourceDeps): readonly string[] {
  return media(deps).builtinPromptIds;
}

/** The audit entry of a media change (on its own: files are not rows of a transaction). */
export function auditMedia(deps: TenantResourceDeps, req: ApiRequest<unknown>, t: TenantContext, action: string, target: string, details?: unknown): void {
  t.store.appendAudit({ at: deps.clock.now(), actor: req.principal.tokenId, action, target, ...(details !== undefined ? { details } : {}) });
}

export const WAV_RULES =
  'WAV, mono: PCM 16-bit at 8, 16 or 48 kHz, or G.711 µ-law/A-law at 8 kHz; at most api.uploadLimitMB (default 20 MiB) and within limits.storageMB';

/** Removes a file; one already gone is fine. */
export function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
