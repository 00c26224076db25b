/**
 * The container of `pbx tenant pack`: a gzip-compressed POSIX ustar file (`tar -tzf`
 * lists it), written and parsed by node-tar (`tar`). Around it, what a pack taken from
 * another server needs and node-tar does not decide for us:
 *  - writing: plain ustar only (no PAX or GNU records: `noPax`), regular files only, each
 *    name a plain relative path that fits ustar's name fields, so every pack is also
 *    readable by the hand-written reader of earlier versions (a cluster mid-upgrade);
 *  - reading: only regular files (directories skipped; links, devices and the rest
 *    refused), no absolute names or '..', no name twice, every header checked against
 *    TarLimits before its data is read, and the decompressed stream counted, so a gzip
 *    bomb stops at the limit. Files are written by this code (0600 in 0700 folders, never
 *    over an existing file): node-tar only parses.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import { create as createTar, Parser, type ReadEntry } from 'tar';

const BLOCK = 512;

export interface TarInput {
  /** Path inside the archive, '/'-separated, relative. */
  name: string;
  /** Read from this file... */
  file?: string;
  /** ...or take these bytes. */
  data?: Buffer;
}

/** Bounds on what an archive may unpack to: a gzip bomb or a lying header is refused early. */
export interface TarLimits {
  /** Sum of the entries' sizes. */
  maxTotalBytes: number;
  maxEntryBytes: number;
  maxEntries: number;
}

export const DEFAULT_TAR_LIMITS: TarLimits = { maxTotalBytes: 4 * 1024 ** 3, maxEntryBytes: 4 * 1024 ** 3, maxEntries: 100_000 };

/** Entries kept in memory by extractTarGz are at most this big. */
const MAX_IN_MEMORY = 16 * 1024 * 1024;
/** PAX and GNU long-name records of other writers are read (their names are checked), up to this size. */
const MAX_META_BYTES = 64 * 1024;

/** The decompressed tar may hold this much beyond its entries' data: headers, padding, end marker. */
function streamBound(l: TarLimits): number {
  return l.maxTotalBytes + (l.maxEntries + 2) * 2 * BLOCK + 2 * MAX_META_BYTES;
}

const mib = (n: number) => (n < 1024 ** 2 ? `${n} bytes` : `${Math.round((n / 1024 ** 2) * 10) / 10} MiB`);

export class TarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarError';
  }
}

/** A relative '/'-path of plain segments: no '', '.', '..', backslash or control characters. */
export function isSafeArchivePath(name: string): boolean {
  if (name.length === 0 || name.length > 255 || name.startsWith('/')) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f]/.test(name)) return false;
  return name.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/** ustar keeps a name in 100 bytes, or split at a '/' into a prefix of 155 and a base of 100 (POSIX.1-2001 ustar). */
function fitsUstar(name: string): boolean {
  if (Buffer.byteLength(name) <= 100) return true;
  const cut = name.lastIndexOf('/', 155);
  return cut > 0 && Buffer.byteLength(name.slice(0, cut)) <= 155 && Buffer.byteLength(name.slice(cut + 1)) <= 100;
}

/**
 * Writes the entries, in order, as a gzip-compressed tar file (created 0600). node-tar
 * packs files from a folder, so a staging folder holds each entry at its archive name:
 * bytes as a file, files as a symbolic link to them (followed: the archive has the file).
 */
export async function writeTarGz(outFile: string, entries: readonly TarInput[], mtime = new Date()): Promise<void> {
  for (const e of entries) {
    if (!isSafeArchivePath(e.name)) throw new TarError(`cannot archive ${JSON.stringify(e.name)}: not a plain relative path`);
    if (!fitsUstar(e.name)) throw new TarError(`name too long for ustar: ${e.name}`);
  }
  const stage = mkdtempSync(join(tmpdir(), 'pbx-tar-'));
  try {
    const names: string[] = [];
    for (const e of entries) {
      if (e.data === undefined && e.file === undefined) continue;
      const at = join(stage, ...e.name.split('/'));
      mkdirSync(dirname(at), { recursive: true, mode: 0o700 });
      if (e.data !== undefined) writeFileSync(at, e.data, { mode: 0o600, flag: 'wx' });
      else symlinkSync(resolve(e.file!), at);
      names.push(e.name);
    }
    writeFileSync(outFile, '', { mode: 0o600 });
    await createTar({ file: outFile, gzip: true, cwd: stage, follow: true, portable: true, noPax: true, noDirRecurse: true, mtime, strict: true }, names);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Checks one entry against the limits and the kinds of entry allowed; the clean name of a regular file, or undefined for a directory. */
class EntryChecker {
  private count = 0;
  private total = 0;
  private readonly seen = new Set<string>();
  constructor(private readonly limits: TarLimits) {}
  check(e: Pick<ReadEntry, 'type' | 'path' | 'size'>): string | undefined {
    if (e.type === 'Directory') return undefined; // implied by the files under it
    if (e.type !== 'File' && e.type !== 'OldFile') throw new TarError(`refusing entry ${JSON.stringify(e.path)}: only regular files are allowed (type ${e.type})`);
    const clean = e.path.replace(/\/+$/, '');
    if (!isSafeArchivePath(clean)) throw new TarError(`refusing entry ${JSON.stringify(e.path)}: not a plain relative path`);
    if (this.seen.has(clean)) throw new TarError(`entry ${clean} appears twice`);
    this.seen.add(clean);
    if (++this.count > this.limits.maxEntries) throw new TarError(`more than ${this.limits.maxEntries} entries: refused`);
    if (e.size > this.limits.maxEntryBytes) throw new TarError(`entry ${clean} unpacks to ${mib(e.size)}, more than the limit of ${mib(this.limits.maxEntryBytes)} for one file: refused`);
    this.total += e.size;
    if (this.total > this.limits.maxTotalBytes) throw new TarError(`the archive unpacks to more than the limit of ${mib(this.limits.maxTotalBytes)}: refused`);
    return clean;
  }
}

/** A regular file of an archive read by extractTarGz: in memory (`data`) or written to `file`. */
export interface TarEntry {
  bytes: number;
  sha256: string;
  data?: Buffer;
  file?: string;
}

/** node-tar's complaints (strict mode) in our words. */
function tarProblem(e: Error & { code?: string }): TarError {
  if (e instanceof TarError) return e;
  if (e.code === 'TAR_BAD_ARCHIVE' && /truncated/i.test(e.message)) return new TarError(`truncated archive: ${e.message}`);
  return new TarError(`corrupt tar archive: ${e.message}`);
}

/**
 * Streams a gzip-compressed tar file: each regular file is written under `dir` (at its
 * archive path, files 0600, folders 0700) or, when `inMemory(name)`, kept as bytes (at
 * most 16 MiB). Every header is checked against `limits` before its data is read, and
 * the decompressed stream is counted too, so a gzip bomb stops at the limit. On an
 * error, what was written under `dir` is left for the caller to remove.
 */
export async function extractTarGz(file: string, dir: string, inMemory: (name: string) => boolean, limits: TarLimits = DEFAULT_TAR_LIMITS): Promise<Map<string, TarEntry>> {
  const out = new Map<string, TarEntry>();
  const checker = new EntryChecker(limits);
  const bound = streamBound(limits);
  let failure: Error | undefined;
  let sawEnd = false;
  const openFds = new Set<number>();
  const fail = (e: unknown) => {
    failure ??= tarProblem(e as Error);
  };

  const take = (entry: ReadEntry) => {
    const name = checker.check(entry);
    if (name === undefined || failure) {
      entry.resume();
      return;
    }
    const hash = createHash('sha256');
    let parts: Buffer[] | undefined;
    let fd: number | undefined;
    let path: string | undefined;
    if (inMemory(name)) {
      if (entry.size > MAX_IN_MEMORY) throw new TarError(`entry ${name} is ${mib(entry.size)}, more than ${mib(MAX_IN_MEMORY)}: refused`);
      parts = [];
    } else {
      path = join(dir, ...name.split('/'));
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      fd = openSync(path, 'wx', 0o600);
      openFds.add(fd);
    }
    let bytes = 0;
    entry.on('data', (chunk: Buffer) => {
      if (failure) return;
      try {
        hash.update(chunk);
        bytes += chunk.length;
        if (parts) parts.push(Buffer.from(chunk));
        else writeSync(fd!, chunk);
      } catch (e) {
        fail(e);
      }
    });
    entry.on('end', () => {
      if (fd !== undefined) {
        closeSync(fd);
        openFds.delete(fd);
      }
      if (failure) return;
      if (bytes !== entry.size) return fail(new TarError(`truncated archive: ${name}`));
      out.set(name, { bytes, sha256: hash.digest('hex'), ...(parts ? { data: Buffer.concat(parts) } : { file: path! }) });
    });
  };

  const parser = new Parser({
    strict: true,
    maxMetaEntrySize: MAX_META_BYTES,
    onReadEntry: (entry) => {
      try {
        take(entry);
      } catch (e) {
        fail(e);
        entry.resume();
      }
    },
  });
  parser.on('error', fail);
  // What node-tar would skip: a type it does not know, a PAX or long-name record too big to read.
  parser.on('ignoredEntry', (e: ReadEntry) => {
    const what = e.meta ? `a ${e.type} record of ${mib(e.size)}, more than ${mib(MAX_META_BYTES)}` : `type ${JSON.stringify(e.type)}`;
    fail(new TarError(`refusing entry ${JSON.stringify(e.path)}: only regular files are allowed (${what})`));
  });
  // Two zero blocks end a tar (POSIX ustar); an archive cut at a block boundary has none.
  parser.on('eof', () => (sawEnd = true));
  // Done when it closes; on a refusal it may stop short of that.
  const parsed = new Promise<void>((res) => {
    for (const ev of ['close', 'error', 'abort']) parser.on(ev, () => res());
  });

  const src = createReadStream(file);
  const gz = createGunzip();
  src.on('error', (e) => gz.destroy(e));
  src.pipe(gz);
  let seen = 0;
  try {
    for await (const chunk of gz as AsyncIterable<Buffer>) {
      seen += chunk.length;
      if (seen > bound) throw new TarError(`the archive unpacks to more than the limit of ${mib(limits.maxTotalBytes)}: refused`);
      if (!parser.write(chunk) && !failure) await once(parser, 'drain');
      if (failure) throw failure;
      if (sawEnd) break;
    }
    parser.end();
    await parsed;
    if (failure) throw failure;
  } catch (e) {
    if (String((e as NodeJS.ErrnoException).code).startsWith('Z_')) throw new TarError(`not a gzip file, or it is damaged: ${(e as Error).message}`);
    throw e;
  } finally {
    for (const fd of openFds) closeSync(fd);
    src.destroy();
    gz.destroy();
  }
  if (!sawEnd) throw new TarError('truncated archive: no end marker');
  return out;
}
