/**
 * Moving a tenant between servers: `pbx tenant pack` writes one file, `pbx tenant
 * unpack` installs it into another data directory.
 *
 * The file is a gzip-compressed tar (`tar -tzf` lists it) of
 *
 *   manifest.json          format, tenant id, time, and every other entry with its size and sha256
 *   system.json            the tenant's system.sqlite rows: record (name, status, limits, ...), domains, DIDs
 *   tenant/tenant.sqlite   an online, consistent copy of its store (SQLite backup API)
 *   tenant/...             every other file of its folder (media)
 *
 * Packing works while the server runs. Unpacking checks every checksum first and
 * refuses if the tenant id, one of its domains or one of its DIDs exists on the target;
 * then installs all or nothing (tenant-install.ts).
 */
import { existsSync, linkSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { isValidTenantId, tenantDir } from '../store/tenant-id.js';
import { StoreError } from '../util/errors.js';
import { backupSqlite, isSqliteFile, sha256, sha256File, walkFiles, type FileEntry } from './data-files.js';
import { DEFAULT_TAR_LIMITS, extractTarGz, writeTarGz, type TarEntry, type TarInput, type TarLimits } from './tar.js';
import { installTenantDir, stagingDir } from './tenant-install.js';
import { readTenantSystemRows, systemRowConflicts, type TenantSystemRows } from './tenant-system-rows.js';

export const PACK_FORMAT = 'pbx-tenant-pack/1';

export interface PackManifest {
  format: typeof PACK_FORMAT;
  tenantId: string;
  createdAt: string;
  /** Schema version of tenant/tenant.sqlite. */
  schemaVersion: number;
  /** Every entry but manifest.json. */
  files: FileEntry[];
}

export interface PackResult {
  file: string;
  manifest: PackManifest;
}

/**
 * Packs tenant `id` of `dataDir` into `outFile` (written under a temporary name, then
 * moved into place). An existing `outFile` is refused unless `overwrite`: a pack is often
 * the only copy of a tenant, and `-o` with a wrong name must not destroy another.
 */
export async function packTenant(o: { dataDir: string; id: string; outFile: string; now?: Date; overwrite?: boolean }): Promise<PackResult> {
  if (!isValidTenantId(o.id)) throw new StoreError(`${JSON.stringify(o.id)} is not a tenant id`);
  if (!o.overwrite && existsSync(o.outFile)) throw outFileExists(o.outFile);
  const systemFile = join(o.dataDir, 'system.sqlite');
  if (!existsSync(systemFile)) throw new StoreError(`${o.dataDir} has no system.sqlite`);
  const sdb = new Database(systemFile, { readonly: true, fileMustExist: true, timeout: 5000 });
  let rows: TenantSystemRows | undefined;
  try {
    rows = readTenantSystemRows(sdb, o.id);
  } finally {
    sdb.close();
  }
  if (!rows) throw new StoreError(`no tenant ${o.id} in ${o.dataDir}`);
  const src = tenantDir(o.dataDir, o.id);
  if (!existsSync(join(src, 'tenant.sqlite'))) throw new StoreError(`tenant ${o.id} has no store (never applied?)`);

  const work = mkdtempSync(join(tmpdir(), 'pbx-pack-'));
  try {
    const files: FileEntry[] = [];
    const entries: TarInput[] = [];
    const systemJson = Buffer.from(JSON.stringify(rows, null, 2) + '\n');
    files.push({ path: 'system.json', bytes: systemJson.length, sha256: sha256(systemJson) });
    entries.push({ name: 'system.json', data: systemJson });
    const db = await backupSqlite(join(src, 'tenant.sqlite'), join(work, 'tenant.sqlite'));
    files.push({ path: 'tenant/tenant.sqlite', bytes: db.bytes, sha256: db.sha256 });
    entries.push({ name: 'tenant/tenant.sqlite', file: join(work, 'tenant.sqlite') });
    for (const f of walkFiles(src, (n) => isSqliteFile(n))) {
      files.push({ path: `tenant/${f}`, ...(await sha256File(join(src, f))) });
      entries.push({ name: `tenant/${f}`, file: join(src, f) });
    }
    const now = o.now ?? new Date();
    const manifest: PackManifest = { format: PACK_FORMAT, tenantId: o.id, createdAt: now.toISOString(), schemaVersion: db.schemaVersion, files };
    entries.unshift({ name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest, null, 2) + '\n') });
    const tmp = `${o.outFile}.partial`;
    try {
      await writeTarGz(tmp, entries, now);
      // A file that changed while it was read would be caught on unpack; catch it now.
      const check = await readPack(tmp, join(work, 'check'));
      if (check.manifest.tenantId !== o.id) throw new StoreError('pack check failed');
      if (o.overwrite) renameSync(tmp, o.outFile);
      else {
        // link() refuses an existing name, so a file that appeared meanwhile is kept too.
        try {
          linkSync(tmp, o.outFile);
        } catch (e) {
          throw (e as NodeJS.ErrnoException).code === 'EEXIST' ? outFileExists(o.outFile) : e;
        }
        rmSync(tmp, { force: true });
      }
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    return { file: o.outFile, manifest };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function outFileExists(file: string): StoreError {
  return new StoreError(`${file} exists already; give --force to overwrite it`);
}

export interface Pack {
  manifest: PackManifest;
  system: TenantSystemRows;
  /** Where the files under tenant/ were written: `<dir>/tenant`. */
  tenantDir: string;
  /** How many files are under tenant/. */
  tenantFiles: number;
}

const IN_MEMORY = (name: string) => name === 'manifest.json' || name === 'system.json';

/**
 * Reads and checks a pack, streaming its files into `dir` (bounded by `limits`): format,
 * every checksum, nothing missing or extra, ids consistent. Throws StoreError; what was
 * written under `dir` is then the caller's to remove.
 */
export async function readPack(file: string, dir: string, limits: TarLimits = DEFAULT_TAR_LIMITS): Promise<Pack> {
  let entries: Map<string, TarEntry>;
  try {
    entries = await extractTarGz(file, dir, IN_MEMORY, limits);
  } catch (e) {
    throw new StoreError(`not a tenant pack: ${(e as Error).message}`, { cause: e });
  }
  const mBuf = entries.get('manifest.json')?.data;
  if (!mBuf) throw new StoreError('not a tenant pack: no manifest.json');
  let manifest: PackManifest;
  try {
    manifest = JSON.parse(mBuf.toString('utf8')) as PackManifest;
  } catch {
    throw new StoreError('tenant pack: manifest.json is not JSON');
  }
  if (manifest?.format !== PACK_FORMAT) throw new StoreError(`tenant pack: unknown format ${JSON.stringify(manifest?.format)}`);
  if (!isValidTenantId(manifest.tenantId)) throw new StoreError('tenant pack: bad tenant id');
  const listed = new Set<string>();
  for (const f of manifest.files ?? []) {
    const b = entries.get(f.path);
    if (!b) throw new StoreError(`tenant pack: ${f.path} is missing`);
    if (b.bytes !== f.bytes || b.sha256 !== f.sha256) throw new StoreError(`tenant pack: ${f.path} fails its checksum (the file is damaged)`);
    listed.add(f.path);
  }
  for (const name of entries.keys()) {
    if (name !== 'manifest.json' && !listed.has(name)) throw new StoreError(`tenant pack: ${name} is not in the manifest`);
  }
  const sysBuf = entries.get('system.json')?.data;
  if (!sysBuf || !entries.has('tenant/tenant.sqlite')) throw new StoreError('tenant pack: system.json or tenant/tenant.sqlite is missing');
  const system = JSON.parse(sysBuf.toString('utf8')) as TenantSystemRows;
  if (system?.tenant?.id !== manifest.tenantId || !Array.isArray(system.domains) || !Array.isArray(system.dids)) {
    throw new StoreError('tenant pack: system.json does not describe the tenant of the manifest');
  }
  const tenantFiles = [...entries.keys()].filter((n) => n.startsWith('tenant/')).length;
  return { manifest, system, tenantDir: join(dir, 'tenant'), tenantFiles };
}

export interface UnpackResult {
  tenantId: string;
  domains: string[];
  dids: string[];
  files: number;
}

/**
 * Installs a pack into `dataDir`, all or nothing. The pack is streamed into a staging
 * folder beside the tenants (bounded by `limits`: a pack that unpacks to more is refused
 * as soon as that shows). Refused, with nothing installed and the staging folder
 * removed, when a limit is passed, a checksum fails or the tenant id, one of its
 * domains or one of its DIDs exists there.
 */
export async function unpackTenant(o: { dataDir: string; file: string; limits?: TarLimits }): Promise<UnpackResult> {
  mkdirSync(join(o.dataDir, 'tenants'), { recursive: true, mode: 0o700 });
  const work = stagingDir(o.dataDir, 'pack', 'unpack');
  try {
    const pack = await readPack(o.file, work, o.limits);
    const id = pack.manifest.tenantId;
    const problems: string[] = [];
    if (existsSync(tenantDir(o.dataDir, id))) problems.push(`tenant ${id} exists already (${tenantDir(o.dataDir, id)})`);
    const systemFile = join(o.dataDir, 'system.sqlite');
    if (existsSync(systemFile)) {
      const db = new Database(systemFile, { readonly: true, fileMustExist: true, timeout: 5000 });
      try {
        if (db.prepare('SELECT 1 FROM tenants WHERE id = ?').get(id)) problems.push(`tenant ${id} exists already in system.sqlite`);
        problems.push(...systemRowConflicts(db, pack.system));
        // The same tenant id owning them is still a conflict: that tenant exists already.
      } finally {
        db.close();
      }
    }
    if (problems.length > 0) throw new StoreError(`cannot unpack tenant ${id}: ${[...new Set(problems)].join('; ')}`);
    installTenantDir(o.dataDir, pack.system, pack.tenantDir, { mustBeNew: true });
    return {
      tenantId: id,
      domains: pack.system.domains.map((d) => String(d.domain)),
      dids: pack.system.dids.map((d) => String(d.number)),
      files: pack.tenantFiles,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
