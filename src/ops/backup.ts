/**
 * Backups of a data directory: `pbx backup` and the scheduled backups of pbx.yaml
 * `backup:`. Each backup is a folder `pbx-backup-<UTC time>` holding
 *
 *   system.sqlite                     online copy (SQLite backup API)
 *   tenants/<id>/tenant.sqlite        online copy of each tenant's store
 *   tenants/<id>/...                  the tenant's other files (media), copied
 *   manifest.json                     what is there: time, tenants, files with sizes and
 *                                     sha256, schema versions, each tenant's system rows
 *
 * It is built under a hidden `.partial` name and renamed when complete, so a folder
 * with the final name is always a whole backup. Retention keeps the newest N.
 * restoreTenant puts one tenant back from such a folder without touching the others.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { isValidTenantId, tenantDir } from '../store/tenant-id.js';
import { StoreError } from '../util/errors.js';
import { backupSqlite, checkSqliteFile, isSqliteFile, sha256File, walkFiles, type FileEntry } from './data-files.js';
import { isSafeArchivePath } from './tar.js';
import { installTenantDir, stagingDir } from './tenant-install.js';
import { readTenantSystemRows, type TenantSystemRows } from './tenant-system-rows.js';

export const BACKUP_FORMAT = 'pbx-backup/1';
const NAME_RE = /^pbx-backup-\d{8}T\d{9}Z(-\d+)?$/;

export interface BackupTenantEntry {
  id: string;
  status: string;
  /** tenants.config_rev in the system copy; equal to the store's config_rev unless an apply ran during the backup. */
  configRev: number;
  schemaVersion: number;
  /** tenants/<id>/tenant.sqlite */
  store: string;
  /** Its rows of system.sqlite as they are in the system copy. */
  system: TenantSystemRows;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  /** ISO 8601, UTC. */
  createdAt: string;
  dataDir: string;
  system: { file: string; schemaVersion: number };
  tenants: BackupTenantEntry[];
  /** Every file of the backup but the manifest. */
  files: FileEntry[];
}

export interface BackupResult {
  path: string;
  manifest: BackupManifest;
  /** Older backups deleted by retention. */
  removed: string[];
}

function stamp(d: Date): string {
  // 2025-01-02T03:04:05.678Z -> 20250102T030405678Z
  return d.toISOString().replace(/[-:.]/g, '');
}

/**
 * Backs up system.sqlite and every tenant store of `dataDir` into a new folder under
 * `dir`, then keeps only the newest `keep` backups there (when given). Safe while the
 * server runs.
 */
export async function runBackup(o: { dataDir: string; dir: string; keep?: number; now?: Date }): Promise<BackupResult> {
  const systemFile = join(o.dataDir, 'system.sqlite');
  if (!existsSync(systemFile)) throw new StoreError(`${o.dataDir} has no system.sqlite: nothing to back up`);
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const now = o.now ?? new Date();
  let name = `pbx-backup-${stamp(now)}`;
  for (let i = 2; existsSync(join(o.dir, name)); i++) name = `pbx-backup-${stamp(now)}-${i}`;
  const partial = join(o.dir, `.${name}.partial`);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { mode: 0o700 });
  try {
    const files: FileEntry[] = [];
    const sys = await backupSqlite(systemFile, join(partial, 'system.sqlite'));
    files.push({ path: 'system.sqlite', bytes: sys.bytes, sha256: sys.sha256 });

    // The tenants as the system copy has them: one consistent list.
    const copy = new Database(join(partial, 'system.sqlite'), { readonly: true, fileMustExist: true });
    let rows: TenantSystemRows[];
    try {
      const ids = copy.prepare<[], string>('SELECT id FROM tenants ORDER BY id').pluck().all();
      rows = ids.filter(isValidTenantId).map((id) => readTenantSystemRows(copy, id)!);
    } finally {
      copy.close();
    }

    const tenants: BackupTenantEntry[] = [];
    for (const r of rows) {
      const id = String(r.tenant.id);
      const src = tenantDir(o.dataDir, id);
      const store = join(src, 'tenant.sqlite');
      if (!existsSync(store)) continue; // never applied: nothing of its own to keep
      const rel = `tenants/${id}`;
      mkdirSync(join(partial, rel), { recursive: true, mode: 0o700 });
      const b = await backupSqlite(store, join(partial, rel, 'tenant.sqlite'));
      files.push({ path: `${rel}/tenant.sqlite`, bytes: b.bytes, sha256: b.sha256 });
      for (const f of walkFiles(src, (n) => isSqliteFile(n))) {
        const dest = join(partial, rel, f);
        mkdirSync(dirname(dest), { recursive: true, mode: 0o700 });
        copyFileSync(join(src, f), dest);
        files.push({ path: `${rel}/${f}`, ...(await sha256File(dest)) });
      }
      tenants.push({ id, status: String(r.tenant.status), configRev: Number(r.tenant.config_rev ?? 0), schemaVersion: b.schemaVersion, store: `${rel}/tenant.sqlite`, system: r });
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      createdAt: now.toISOString(),
      dataDir: o.dataDir,
      system: { file: 'system.sqlite', schemaVersion: sys.schemaVersion },
      tenants,
      files,
    };
    writeFileSync(join(partial, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    const path = join(o.dir, name);
    renameSync(partial, path);
    const removed = o.keep !== undefined ? pruneBackups(o.dir, o.keep) : [];
    return { path, manifest, removed };
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    throw e;
  }
}

/** The complete backups under `dir`, oldest first. */
export function listBackups(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names
    .filter((n) => NAME_RE.test(n) && existsSync(join(dir, n, 'manifest.json')))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((n) => join(dir, n));
}

/** Deletes all but the newest `keep` backups under `dir` (keep >= 1); returns those deleted. */
export function pruneBackups(dir: string, keep: number): string[] {
  if (!Number.isInteger(keep) || keep < 1) throw new StoreError(`keep must be a whole number >= 1, not ${keep}`);
  const all = listBackups(dir);
  const old = all.slice(0, Math.max(0, all.length - keep));
  for (const p of old) rmSync(p, { recursive: true, force: true });
  return old;
}

export function readBackupManifest(backupDir: string): BackupManifest {
  let m: BackupManifest;
  try {
    m = JSON.parse(readFileSync(join(backupDir, 'manifest.json'), 'utf8')) as BackupManifest;
  } catch (e) {
    throw new StoreError(`${backupDir} is not a backup: cannot read its manifest.json (${(e as Error).message})`, { cause: e });
  }
  if (m?.format !== BACKUP_FORMAT) throw new StoreError(`${backupDir}: unknown backup format ${JSON.stringify(m?.format)}`);
  return m;
}

/** Checks the listed files' sizes and sha256 (all of them, or those under `prefix`); returns the problems. */
export async function verifyBackup(backupDir: string, manifest: BackupManifest, prefix?: string): Promise<string[]> {
  const problems: string[] = [];
  for (const f of manifest.files) {
    if (prefix !== undefined && !f.path.startsWith(prefix)) continue;
    const p = join(backupDir, ...f.path.split('/'));
    if (!existsSync(p)) {
      problems.push(`${f.path}: missing`);
      continue;
    }
    const got = await sha256File(p);
    if (got.bytes !== f.bytes || got.sha256 !== f.sha256) problems.push(`${f.path}: checksum mismatch (the backup is damaged)`);
  }
  return problems;
}

export interface RestoreResult {
  id: string;
  /** The tenant existed on this data directory before (its store and rows were replaced). */
  replaced: boolean;
  files: number;
  backupCreatedAt: string;
}

/**
 * Restores one tenant from a backup folder into `dataDir`: its tenant folder (store and
 * media) and its system rows (tenant record, domains, DIDs) become what the backup holds;
 * other tenants are not touched. Refused, with nothing written, when the backup does not
 * hold the tenant, a file fails its checksum, or one of its domains or DIDs belongs to
 * another tenant now. No server may have the data directory open (the caller checks).
 */
export async function restoreTenant(o: { dataDir: string; from: string; id: string }): Promise<RestoreResult> {
  const m = readBackupManifest(o.from);
  const entry = m.tenants.find((t) => t.id === o.id);
  if (!entry || !isValidTenantId(entry.id)) throw new StoreError(`backup ${o.from} holds no tenant ${o.id} (it has: ${m.tenants.map((t) => t.id).join(', ') || 'none'})`);
  const rel = `tenants/${entry.id}/`;
  const problems = await verifyBackup(o.from, m, rel);
  if (problems.length > 0) throw new StoreError(`backup ${o.from}: ${problems.join('; ')}`);
  const replaced = existsSync(tenantDir(o.dataDir, entry.id));
  const staged = stagingDir(o.dataDir, entry.id, 'restore');
  let n = 0;
  try {
    for (const f of m.files) {
      if (!f.path.startsWith(rel)) continue;
      if (!isSafeArchivePath(f.path)) throw new StoreError(`backup ${o.from}: refusing file ${JSON.stringify(f.path)}`);
      const dest = join(staged, ...f.path.slice(rel.length).split('/'));
      mkdirSync(dirname(dest), { recursive: true, mode: 0o700 });
      copyFileSync(join(o.from, ...f.path.split('/')), dest);
      n++;
    }
    checkSqliteFile(join(staged, 'tenant.sqlite'), `backup of tenant ${entry.id}`);
    installTenantDir(o.dataDir, entry.system, staged, { mustBeNew: false });
  } catch (e) {
    rmSync(staged, { recursive: true, force: true });
    throw e;
  }
  return { id: entry.id, replaced, files: n, backupCreatedAt: m.createdAt };
}
