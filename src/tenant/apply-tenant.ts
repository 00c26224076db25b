import { existsSync, rmSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { systemClock, type Clock } from '../util/clock.js';
import { ATTACHED_TENANT_SCHEMA, type SystemStore } from './system-store.js';
import { syncExtensions, type ExtensionChanges } from './sync-extensions.js';
import { DomainConflictError, TenantSpecError } from './tenant-errors.js';
import { tenantDir } from './tenant-id.js';
import { limitsToJson } from './tenant-limits.js';
import { validateTenantSpec, type TenantSpec, type ValidTenantSpec } from './tenant-spec.js';
import { SqliteTenantStore, type TenantStore } from './tenant-store.js';

export interface ApplyDeps {
  system: SystemStore;
  dataDir: string;
  clock?: Clock;
}

export interface ApplyResult {
  tenantId: string;
  /** The tenant did not exist before. */
  created: boolean;
  /** The tenant was disabled and is active again. */
  reenabled: boolean;
  /** Name or limits changed. */
  settingsChanged: boolean;
  domains: { added: string[]; removed: string[] };
  extensions: ExtensionChanges;
  /** Anything at all was written. */
  changed: boolean;
  /** The apply revision both files now carry. */
  configRev: number;
}

/** Tenant setting holding the apply revision; equal to tenants.config_rev in system.sqlite. */
export const CONFIG_REV_SETTING = 'config_rev';
/** Tenant setting holding the realm its HA1 digests were computed for. */
export const REALM_SETTING = 'realm';

/**
 * Applies a declarative tenant spec, all or nothing: validates it completely
 * (throwing TenantSpecError, nothing written), then, in ONE transaction of the
 * system connection with tenant.sqlite attached, upserts the tenant (active),
 * sets its domains, syncs its extensions and stamps both files with a new
 * config revision. Any error rolls back both files.
 *
 * Crash safety: in WAL mode SQLite commits attached files one after the other,
 * so a crash in the middle of that commit could leave system.sqlite new and
 * tenant.sqlite old. The revisions then differ (isApplyTorn), and applying the
 * same spec again repairs it: apply is a convergent sync, and a revision
 * mismatch counts as a change. The composition root re-applies every tenant
 * file at start, which is exactly that repair.
 */
export function applyTenant(deps: ApplyDeps, spec: TenantSpec): ApplyResult {
  const valid = validateTenantSpec(spec);
  const { system, dataDir } = deps;
  const now = (deps.clock ?? systemClock).now();

  const conflicts = valid.domains.flatMap((d, i) => {
    const owner = system.domainOwner(d);
    return owner !== undefined && owner !== valid.id ? [{ path: `domains[${i}]`, message: `${d} belongs to tenant ${owner}` }] : [];
  });
  if (conflicts.length > 0) throw new TenantSpecError(valid.id, conflicts);

  const dir = tenantDir(dataDir, valid.id);
  const existed = existsSync(dir);
  try {
    // Creates the folder and file and brings the schema up to date before it is attached.
    const opened = SqliteTenantStore.open(dataDir, valid.id);
    const file = opened.file;
    opened.close();
    return system.withAttachedTenant(file, (db) => sync(system, db, valid, now));
  } catch (e) {
    // A tenant that this call brought into existence leaves no empty folder behind.
    if (!existed) rmSync(dir, { recursive: true, force: true });
    if (e instanceof DomainConflictError) {
      // Another connection claimed the domain between the check above and the transaction.
      throw new TenantSpecError(valid.id, [{ path: `domains[${valid.domains.indexOf(e.domain)}]`, message: e.message }]);
    }
    throw e;
  }
}

function sync(system: SystemStore, db: Database.Database, spec: ValidTenantSpec, now: number): ApplyResult {
  const t = ATTACHED_TENANT_SCHEMA;
  const before = system.getTenant(spec.id);
  const upsert = system.upsertTenant({ id: spec.id, name: spec.name, status: 'active', limits: spec.limits });
  const domains = system.setTenantDomains(spec.id, spec.domains);
  const extensions = syncExtensions(db, t, spec, now);

  const getSetting = db.prepare<[string], string>(`SELECT value FROM ${t}.settings WHERE key = ?`).pluck();
  const setSetting = db.prepare<[string, string]>(
    `INSERT INTO ${t}.settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
  );
  const realmChanged = getSetting.get(REALM_SETTING) !== spec.realm;
  const tenantRev = getSetting.get(CONFIG_REV_SETTING);
  const systemRev = before?.configRev ?? 0;
  const revMismatch = before !== undefined && tenantRev !== String(systemRev);

  const changed =
    upsert.changed ||
    domains.added.length + domains.removed.length > 0 ||
    extensions.added.length + extensions.updated.length + extensions.removed.length > 0 ||
    realmChanged ||
    revMismatch;

  let configRev = systemRev;
  if (changed) {
    configRev = system.bumpConfigRev(spec.id);
    setSetting.run(REALM_SETTING, spec.realm);
    setSetting.run(CONFIG_REV_SETTING, String(configRev));
  }
  return {
    tenantId: spec.id,
    created: upsert.created,
    reenabled: before?.status === 'disabled',
    settingsChanged: before !== undefined && (before.name !== spec.name || limitsToJson(before.limits) !== limitsToJson(spec.limits)),
    domains,
    extensions,
    changed,
    configRev,
  };
}

/**
 * True when system.sqlite and tenant.sqlite carry different apply revisions:
 * a crash split the last apply's commit. Re-applying the tenant's spec repairs it.
 */
export function isApplyTorn(system: SystemStore, store: TenantStore): boolean {
  const rec = system.getTenant(store.tenantId);
  if (!rec) return false;
  return (store.getSetting(CONFIG_REV_SETTING) ?? '0') !== String(rec.configRev);
}

/**
 * The shape of "a tenant file was deleted": every active tenant whose id is not
 * in `keep` is disabled (system.sqlite keeps its row, its tenant.sqlite is
 * untouched, its domains are released and stop resolving). Applying its spec
 * again re-enables it with its data. Call this before applying the current
 * specs, so a domain moved from a deleted tenant to another one is free.
 * Returns the ids disabled.
 */
export function disableTenantsNotIn(system: SystemStore, keep: Iterable<string>): string[] {
  const keepSet = new Set(keep);
  const out: string[] = [];
  for (const t of system.listTenants({ status: 'active' })) {
    if (!keepSet.has(t.id) && system.disableTenant(t.id)) out.push(t.id);
  }
  return out;
}
