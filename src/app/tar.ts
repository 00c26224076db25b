/**
 * A minimal POSIX ustar writer and reader, gzip-compressed: the container of
 * `pbx tenant pack` (readable with `tar -tzf`). Regular files only; the reader refuses
 * links, devices, absolute names and '..', so unpacking can never write outside its
 * folder. extractTarGz streams (bounded by TarLimits, checked from each header before
 * its data is read); readTarGz holds a small archive in memory, bounded the same way.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createGunzip, gunzipSync, createGzip } from 'node:zlib';

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

/** The decompressed tar may hold this much beyond its entries' data: headers, padding, end marker. */
function streamBound(l: TarLimits): number {
  return l.maxTotalBytes + (l.maxEntries + 2) * 2 * BLOCK;
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

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, mtimeS: number): Buffer {
  if (!isSafeArchivePath(name)) throw new TarError(`cannot archive ${JSON.stringify(name)}: not a plain relative path`);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new TarError(`name too long for ustar: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  const h = Buffer.alloc(BLOCK);
  h.write(base, 0, 100, 'utf8');
  h.write(octal(0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtimeS, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/** Writes the entries, in order, as a gzip-compressed tar file. */
export async function writeTarGz(outFile: string, entries: readonly TarInput[], mtime = new Date()): Promise<void> {
  const gz = createGzip();
  const out = createWriteStream(outFile, { mode: 0o600 });
  gz.pipe(out);
  const done = once(out, 'close');
  const write = async (b: Buffer) => {
    if (!gz.write(b)) await once(gz, 'drain');
  };
  const mtimeS = Math.floor(mtime.getTime() / 1000);
  try {
    for (const e of entries) {
      if (e.data !== undefined) {
        await write(header(e.name, e.data.length, mtimeS));
        await write(e.data);
        if (e.data.length % BLOCK) await write(Buffer.alloc(BLOCK - (e.data.length % BLOCK)));
      } else if (e.file !== undefined) {
        const size = statSync(e.file).size;
        await write(header(e.name, size, mtimeS));
        let n = 0;
        for await (const chunk of createReadStream(e.file)) {
          n += (chunk as Buffer).length;
          await write(chunk as Buffer);
        }
        if (n !== size) throw new TarError(`${e.file} changed size while it was archived`);
        if (size % BLOCK) await write(Buffer.alloc(BLOCK - (size % BLOCK)));
      }
    }
    await write(Buffer.alloc(BLOCK * 2));
    gz.end();
    await done;
  } catch (e) {
    gz.destroy();
    out.destroy();
    throw e;
  }
}

function readOctal(b: Buffer, off: number, len: number): number {
  const s = b.toString('ascii', off, off + len).replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]*$/.test(s)) throw new TarError('corrupt tar header (number field)');
  return s === '' ? 0 : parseInt(s, 8);
}

function readString(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('utf8', off, end === -1 || end > off + len ? off + len : end);
}

interface Header {
  name: string;
  size: number;
  type: string;
}

/** Parses one 512-byte header; undefined for an all-zero block (the end marker). */
function parseHeader(h: Buffer, off: number): Header | undefined {
  if (h.every((b) => b === 0)) return undefined;
  const want = readOctal(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  if (sum !== want) throw new TarError(`corrupt tar header at byte ${off} (checksum)`);
  const prefix = readString(h, 345, 155);
  const base = readString(h, 0, 100);
  return { name: prefix ? `${prefix}/${base}` : base, size: readOctal(h, 124, 12), type: String.fromCharCode(h[156]!) };
}

/** Checks one header against the limits and the kinds of entry allowed; the clean name of a regular file, or undefined for a directory. */
class EntryChecker {
  private count = 0;
  private total = 0;
  private readonly seen = new Set<string>();
  constructor(private readonly limits: TarLimits) {}
  check(h: Header): string | undefined {
    if (h.type === '5') return undefined; // a directory: implied by the files under it
    if (h.type !== '0' && h.type !== '\0') throw new TarError(`refusing entry ${JSON.stringify(h.name)}: only regular files are allowed (type ${JSON.stringify(h.type)})`);
    const clean = h.name.replace(/\/+$/, '');
    if (!isSafeArchivePath(clean)) throw new TarError(`refusing entry ${JSON.stringify(h.name)}: not a plain relative path`);
    if (this.seen.has(clean)) throw new TarError(`entry ${clean} appears twice`);
    this.seen.add(clean);
    if (++this.count > this.limits.maxEntries) throw new TarError(`more than ${this.limits.maxEntries} entries: refused`);
    if (h.size > this.limits.maxEntryBytes) throw new TarError(`entry ${clean} unpacks to ${mib(h.size)}, more than the limit of ${mib(this.limits.maxEntryBytes)} for one file: refused`);
    this.total += h.size;
    if (this.total > this.limits.maxTotalBytes) throw new TarError(`the archive unpacks to more than the limit of ${mib(this.limits.maxTotalBytes)}: refused`);
    return clean;
  }
}

/** The regular files of a gzip-compressed tar file, by name, in memory (small archives). Directories are skipped; anything else is refused. */
export function readTarGz(data: Buffer, limits: TarLimits = DEFAULT_TAR_LIMITS): Map<string, Buffer> {
  let tar: Buffer;
  try {
    tar = gunzipSync(data, { maxOutputLength: Math.min(streamBound(limits), 2 ** 31 - 1) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new TarError(`the archive unpacks to more than the limit of ${mib(limits.maxTotalBytes)}: refused`);
    throw new TarError(`not a gzip file, or it is damaged: ${(e as Error).message}`);
  }
  const out = new Map<string, Buffer>();
  const checker = new EntryChecker(limits);
  let off = 0;
  while (off + BLOCK <= tar.length) {
    const h = parseHeader(tar.subarray(off, off + BLOCK), off);
    if (!h) return out;
    off += BLOCK;
    if (off + h.size > tar.length) throw new TarError(`truncated archive: ${h.name}`);
    const clean = checker.check(h);
    if (clean !== undefined) out.set(clean, Buffer.from(tar.subarray(off, off + h.size)));
    off += Math.ceil(h.size / BLOCK) * BLOCK;
  }
  throw new TarError('truncated archive: no end marker');
}

/** A regular file of an archive read by extractTarGz: in memory (`data`) or written to `file`. */
export interface TarEntry {
  bytes: number;
  sha256: string;
  data?: Buffer;
  file?: string;
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
  type Current = { name: string; left: number; pad: number; hash: ReturnType<typeof createHash>; fd?: number; parts?: Buffer[]; path?: string; size: number };
  let cur: Current | undefined;
  let skip = 0; // padding (or a directory's data) still to pass over
  let head = Buffer.alloc(0);
  let seen = 0;
  let ended = false;
  const finish = (c: Current) => {
    if (c.fd !== undefined) closeSync(c.fd);
    c.fd = undefined;
    out.set(c.name, { bytes: c.size, sha256: c.hash.digest('hex'), ...(c.parts ? { data: Buffer.concat(c.parts) } : { file: c.path! }) });
    skip = c.pad;
  };
  const src = createReadStream(file);
  const gz = createGunzip();
  src.on('error', (e) => gz.destroy(e));
  src.pipe(gz);
  try {
    for await (const chunk of gz as AsyncIterable<Buffer>) {
      seen += chunk.length;
      if (seen > bound) throw new TarError(`the archive unpacks to more than the limit of ${mib(limits.maxTotalBytes)}: refused`);
      let off = 0;
      while (off < chunk.length && !ended) {
        if (cur) {
          const part = chunk.subarray(off, off + Math.min(cur.left, chunk.length - off));
          cur.hash.update(part);
          if (cur.parts) cur.parts.push(Buffer.from(part));
          else writeSync(cur.fd!, part);
          off += part.length;
          cur.left -= part.length;
          if (cur.left === 0) {
            finish(cur);
            cur = undefined;
          }
          continue;
        }
        if (skip > 0) {
          const n = Math.min(skip, chunk.length - off);
          off += n;
          skip -= n;
          continue;
        }
        const n = Math.min(BLOCK - head.length, chunk.length - off);
        head = Buffer.concat([head, chunk.subarray(off, off + n)]);
        off += n;
        if (head.length < BLOCK) continue;
        const h = parseHeader(head, seen - chunk.length + off - BLOCK);
        head = Buffer.alloc(0);
        if (!h) {
          ended = true;
          break;
        }
        const name = checker.check(h);
        const pad = Math.ceil(h.size / BLOCK) * BLOCK - h.size;
        if (name === undefined) {
          skip = h.size + pad;
          continue;
        }
        const c: Current = { name, left: h.size, pad, hash: createHash('sha256'), size: h.size };
        if (inMemory(name)) {
          if (h.size > MAX_IN_MEMORY) throw new TarError(`entry ${name} is ${mib(h.size)}, more than ${mib(MAX_IN_MEMORY)}: refused`);
          c.parts = [];
        } else {
          c.path = join(dir, ...name.split('/'));
          mkdirSync(dirname(c.path), { recursive: true, mode: 0o700 });
          c.fd = openSync(c.path, 'wx', 0o600);
        }
        if (h.size === 0) finish(c);
        else cur = c;
      }
      if (ended) break;
    }
  } catch (e) {
    if (String((e as NodeJS.ErrnoException).code).startsWith('Z_')) throw new TarError(`not a gzip file, or it is damaged: ${(e as Error).message}`);
    throw e;
  } finally {
    if (cur?.fd !== undefined) closeSync(cur.fd);
    src.destroy();
    gz.destroy();
  }
  if (!ended) throw new TarError(cur ? `truncated archive: ${cur.name}` : 'truncated archive: no end marker');
  return out;
}
