/**
 * A minimal POSIX ustar writer and reader, gzip-compressed: the container of
 * `pbx tenant pack` (readable with `tar -tzf`). Regular files only; the reader refuses
 * links, devices, absolute names and '..', so unpacking can never write outside its
 * folder. The reader holds the whole archive in memory.
 */
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { gunzipSync, createGzip } from 'node:zlib';

const BLOCK = 512;

export interface TarInput {
  /** Path inside the archive, '/'-separated, relative. */
  name: string;
  /** Read from this file... */
  file?: string;
  /** ...or take these bytes. */
  data?: Buffer;
}

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

/** The regular files of a gzip-compressed tar file, by name. Directories are skipped; anything else is refused. */
export function readTarGz(data: Buffer): Map<string, Buffer> {
  let tar: Buffer;
  try {
    tar = gunzipSync(data);
  } catch (e) {
    throw new TarError(`not a gzip file, or it is damaged: ${(e as Error).message}`);
  }
  const out = new Map<string, Buffer>();
  let off = 0;
  while (off + BLOCK <= tar.length) {
    const h = tar.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) return out;
    const want = readOctal(h, 148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (sum !== want) throw new TarError(`corrupt tar header at byte ${off} (checksum)`);
    const prefix = readString(h, 345, 155);
    const base = readString(h, 0, 100);
    const name = prefix ? `${prefix}/${base}` : base;
    const size = readOctal(h, 124, 12);
    const type = String.fromCharCode(h[156]!);
    off += BLOCK;
    if (off + size > tar.length) throw new TarError(`truncated archive: ${name}`);
    if (type === '5') {
      // a directory: implied by the files under it
    } else if (type === '0' || type === '\0') {
      const clean = name.replace(/\/+$/, '');
      if (!isSafeArchivePath(clean)) throw new TarError(`refusing entry ${JSON.stringify(name)}: not a plain relative path`);
      if (out.has(clean)) throw new TarError(`entry ${clean} appears twice`);
      out.set(clean, Buffer.from(tar.subarray(off, off + size)));
    } else {
      throw new TarError(`refusing entry ${JSON.stringify(name)}: only regular files are allowed (type ${JSON.stringify(type)})`);
    }
    off += Math.ceil(size / BLOCK) * BLOCK;
  }
  throw new TarError('truncated archive: no end marker');
}
