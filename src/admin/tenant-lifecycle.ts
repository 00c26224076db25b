import { rmSync } from 'node:fs';
import { folderBytes } from './folder-bytes.js';
import { applyTenant, CONFIG_REV_SETTING } from '../tenant/apply-tenant.js';
import { ATTACHED_TENANT_SCHEMA, type SystemStore, type TenantRecord, type TenantStatus } from '../store/system-store.js';
import { DidConflictError, TenantSpecError } from '../model/tenant-errors.js';
import type { TenantFeatures } from '../model/tenant-features.js';
import { isValidTenantId, tenantDbFile, tenantDir } from '../store/tenant-id.js';
import type { TenantLimits } from '../model/tenant-limits.js';
import type { TenantStore } from '../store/tenant-store.js';
import { isE164 } from '../model/e164.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { ApiError, notFound, toJsonPointer, validationError } from './api-types.js';
import { FIELDS } from '../model/field-rules.js';

export const DEFAULT_DELETE_GRACE_DAYS = 7;
const DAY_MS = 86_400_000;

export interface TenantLifecycleDeps {
  system: SystemStore;
  dataDir: string;
  clock: Clock;
  logger: Logger;
  /** The tenant stores (TenantStorePool): read usage; reopen after a write behind the pool's back. */
  stores: { get(id: string): TenantStore; reopen(id: string): void };
  /**
   * Called after every change to tenants, domains or DIDs: the composition root refreshes
   * the resolver and the trunks there (as reload() does).
   */
  onChange(tenantId: string): void;
  /**
   * Take-over: moves the tenant's YAML file out of the tenants folder (renamed, never
   * deleted), so that it is not applied again. Returns where it went; throws when it cannot.
   */
  retireFile?(tenantId: string): string | undefined;
}

export interface NewTenant {
  id: string;
  name: string;
  domains: string[];
  limits?: TenantLimits;
  features?: TenantFeatures;
}

export interface TenantPatch {
  name?: string;
  limits?: TenantLimits;
  features?: TenantFeatures;
}

/** What a tenant uses now, against which a limit change is checked. */
export interface TenantUsage {
  extensions: number;
  registrations: number;
  storageBytes: number;
}

/** A tenant as the API shows it. */
export function tenantView(t: TenantRecord): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    status: t.status,
    managedBy: t.managedBy,
    domains: t.domains,
    dids: t.dids,
    limits: t.limits,
    features: t.features,
    deleteAfter: t.deleteAfter ?? null,
    configRev: t.configRev,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}


/**
 * The tenant lifecycle behind the provider API (issue 5): create (as an applied YAML
 * would, managed by the API), update name, limits and features (refused when the tenant
 * already uses more than a new limit allows), suspend, resume, delete with a grace period,
 * restore within it, purge after it, and the DID inventory. Throws ApiError.
 */
export class TenantLifecycle {
  constructor(private readonly d: TenantLifecycleDeps) {}

  /** Any tenant by id (any status), or the one 404. */
  get(id: string): TenantRecord {
    const t = isValidTenantId(id) ? this.d.system.getTenant(id) : undefined;
    if (!t) throw notFound('tenant not found');
    return t;
  }

  list(status?: TenantStatus): TenantRecord[] {
    return this.d.system.listTenants(status ? { status } : {});
  }

  create(input: NewTenant): TenantRecord {
    if (this.d.system.getTenant(input.id)) throw new ApiError(409, 'tenant_exists', `tenant ${input.id} exists`);
    try {
      applyTenant(
        { system: this.d.system, dataDir: this.d.dataDir, clock: this.d.clock, managedBy: 'api' },
        { id: input.id, name: input.name, domains: input.domains, limits: input.limits ?? {}, extensions: [] },
      );
    } catch (e) {
      throw specError(e);
    }
    if (input.features) this.d.system.upsertTenant({ id: input.id, name: input.name, features: input.features });
    this.changed(input.id);
    this.d.logger.info('tenant created', { tenant: input.id, domains: input.domains.join(',') });
    return this.get(input.id);
  }

  usage(id: string): TenantUsage {
    const store = this.d.stores.get(id);
    return { extensions: store.countExtensions(), registrations: store.countBindings(), storageBytes: folderBytes(tenantDir(this.d.dataDir, id)) };
  }

  update(id: string, patch: TenantPatch): TenantRecord {
    const t = this.get(id);
    if (t.status === 'deleted') throw new ApiError(409, 'tenant_deleted', `tenant ${id} is deleted; restore it first`);
    if (t.status === 'disabled') throw new ApiError(409, 'tenant_disabled', `tenant ${id} is disabled (its file is gone)`);
    // Name and limits of a file-managed tenant are its file's: the next apply would undo them.
    if (t.managedBy === 'file' && (patch.name !== undefined || patch.limits !== undefined)) {
      throw new ApiError(409, 'managed_by_file', `tenant ${id} is configured by its YAML file: change name and limits there, or take the tenant over (POST /tenants/${id}/take-over)`);
    }
    if (patch.limits) this.checkLimits(id, patch.limits);
    if (patch.features?.international === false) {
      const abroad = this.d.stores.get(id).listExtensions().filter((x) => x.classOfService === 'international' || x.classOfService === 'premium');
      if (abroad.length > 0) {
        throw new ApiError(409, 'limit_exceeded', `features.international cannot be turned off: ${abroad.length} extension(s) may dial abroad`, {
          extensions: abroad.map((x) => x.ext).slice(0, 100),
        });
      }
    }
    const r = this.d.system.upsertTenant({
      id,
      name: patch.name ?? t.name,
      ...(patch.limits ? { limits: patch.limits } : {}),
      ...(patch.features ? { features: { ...t.features, ...patch.features } } : {}),
    });
    if (r.changed) this.changed(id);
    return this.get(id);
  }

  /** Refuses (409 limit_exceeded) a limit below what the tenant already has. */
  checkLimits(id: string, limits: TenantLimits): void {
    const u = this.usage(id);
    const over: Array<{ limit: string; value: number; current: number }> = [];
    if (limits.extensions !== undefined && u.extensions > limits.extensions) over.push({ limit: 'extensions', value: limits.extensions, current: u.extensions });
    if (limits.registrations !== undefined && u.registrations > limits.registrations) over.push({ limit: 'registrations', value: limits.registrations, current: u.registrations });
    const storageMB = Math.ceil(u.storageBytes / (1024 * 1024));
    if (limits.storageMB !== undefined && storageMB > limits.storageMB) over.push({ limit: 'storageMB', value: limits.storageMB, current: storageMB });
    if (over.length > 0) {
      throw new ApiError(409, 'limit_exceeded', over.map((o) => `limits.${o.limit} is ${o.value}; the tenant has ${o.current}`).join('; '), over);
    }
  }

  /**
   * A file-managed tenant becomes API-managed: its YAML file is renamed out of the way (it
   * would be applied again at every start and undo the API's changes) and the API may change
   * its configuration from now on. Its data stays as the file last made it.
   */
  takeOver(id: string): { tenant: TenantRecord; retiredFile?: string } {
    const t = this.get(id);
    if (t.managedBy === 'api') throw new ApiError(409, 'managed_by_api', `tenant ${id} is managed through the API already`);
    if (t.status !== 'active' && t.status !== 'suspended') throw new ApiError(409, `tenant_${t.status}`, `tenant ${id} is ${t.status}`);
    if (!this.d.retireFile) throw new ApiError(503, 'unavailable', 'take-over needs the running server');
    const retiredFile = this.d.retireFile(id);
    this.d.system.upsertTenant({ id, name: t.name, managedBy: 'api' });
    this.d.logger.warn('tenant taken over by the API; its file is retired', { tenant: id, ...(retiredFile ? { file: retiredFile } : {}) });
    this.changed(id);
    return { tenant: this.get(id), ...(retiredFile ? { retiredFile } : {}) };
  }

  suspend(id: string): TenantRecord {
    return this.transition(id, 'suspended', ['active', 'suspended']);
  }

  resume(id: string): TenantRecord {
    return this.transition(id, 'active', ['suspended', 'active']);
  }

  /**
   * Marks an API-managed tenant deleted: it stops resolving at once, its data stays until
   * now + graceDays (0: purged now). A file-managed tenant is refused: its file decides.
   */
  delete(id: string, graceDays = DEFAULT_DELETE_GRACE_DAYS): TenantRecord {
    const t = this.get(id);
    if (t.managedBy === 'file') throw new ApiError(409, 'managed_by_file', `tenant ${id} is managed by its YAML file; remove the file to disable it`);
    if (t.status === 'deleted') throw new ApiError(409, 'tenant_deleted', `tenant ${id} is deleted already`);
    const deleteAfter = this.d.clock.now() + Math.round(graceDays * DAY_MS);
    this.d.system.setTenantStatus(id, 'deleted', deleteAfter);
    this.changed(id);
    this.d.logger.info('tenant deleted', { tenant: id, deleteAfter: new Date(deleteAfter).toISOString() });
    const out = this.get(id);
    if (graceDays === 0) this.purge();
    return out;
  }

  restoreDeleted(id: string): TenantRecord {
    const t = this.get(id);
    if (t.status !== 'deleted') throw new ApiError(409, 'not_deleted', `tenant ${id} is not deleted`);
    if (t.deleteAfter !== undefined && t.deleteAfter <= this.d.clock.now()) throw new ApiError(409, 'grace_expired', `tenant ${id} is past its grace period`);
    this.d.system.setTenantStatus(id, 'active');
    this.changed(id);
    this.d.logger.info('tenant restored', { tenant: id });
    return this.get(id);
  }

  /**
   * Removes every deleted tenant past its delete_after: its row (domains, DIDs and tokens
   * go with it) and its folder. Returns the ids purged.
   */
  purge(): string[] {
    const now = this.d.clock.now();
    const out: string[] = [];
    for (const t of this.d.system.listTenants({ status: 'deleted' })) {
      if (t.deleteAfter === undefined || t.deleteAfter > now) continue;
      try {
        this.d.stores.reopen(t.id); // closes its connection, if open
        this.d.system.removeTenant(t.id);
        rmSync(tenantDir(this.d.dataDir, t.id), { recursive: true, force: true });
        out.push(t.id);
        this.d.logger.info('tenant purged', { tenant: t.id });
      } catch (e) {
        this.d.logger.error('tenant purge failed', { tenant: t.id, error: e });
      }
    }
    if (out.length > 0) this.changed(out[0]!);
    return out;
  }

  // ---- DIDs ---------------------------------------------------------------------------------

  listDids(): Array<{ number: string; tenantId: string }> {
    return this.d.system.listDids();
  }

  /**
   * Gives a DID to a tenant, in system.sqlite's inventory and in the tenant's own copy,
   * in one transaction. 409 if another tenant has it. Returns whether it was new.
   */
  assignDid(tenantId: string, number: string): boolean {
    const t = this.get(tenantId);
    if (t.status === 'deleted' || t.status === 'disabled') throw notFound('tenant not found');
    if (!isE164(number)) throw validationError([{ path: '/number', message: FIELDS.e164.problem }]);
    const owner = this.d.system.didOwner(number);
    if (owner !== undefined && owner !== tenantId) throw new ApiError(409, 'did_taken', `${number} belongs to another tenant`);
    if (owner === tenantId) return false;
    try {
      this.d.system.withAttachedTenant(tenantDbFile(this.d.dataDir, tenantId), (db) => {
        const s = ATTACHED_TENANT_SCHEMA;
        this.d.system.addTenantDid(tenantId, number);
        db.prepare(`INSERT OR IGNORE INTO ${s}.dids (number, position) VALUES (?, (SELECT COALESCE(MAX(position) + 1, 0) FROM ${s}.dids))`).run(number);
        this.stampRevision(db, tenantId);
      });
    } catch (e) {
      if (e instanceof DidConflictError) throw new ApiError(409, 'did_taken', `${number} belongs to another tenant`);
      throw e;
    }
    this.d.stores.reopen(tenantId);
    this.changed(tenantId);
    return true;
  }

  /** Takes a DID from a tenant; 404 if it has no such DID, 409 while an inbound route names it. */
  releaseDid(tenantId: string, number: string): void {
    const t = this.get(tenantId);
    if (!t.dids.includes(number)) throw notFound('DID not found');
    this.d.system.withAttachedTenant(tenantDbFile(this.d.dataDir, tenantId), (db) => {
      const s = ATTACHED_TENANT_SCHEMA;
      const routed = db.prepare(`SELECT 1 FROM ${s}.inbound_routes WHERE did = ?`).get(number);
      if (routed) throw new ApiError(409, 'did_in_use', `an inbound route of the tenant uses ${number}; change the route first`);
      this.d.system.setTenantDids(tenantId, t.dids.filter((n) => n !== number));
      db.prepare(`DELETE FROM ${s}.dids WHERE number = ?`).run(number);
      this.stampRevision(db, tenantId);
    });
    this.d.stores.reopen(tenantId);
    this.changed(tenantId);
  }

  private stampRevision(db: import('better-sqlite3').Database, tenantId: string): void {
    // Both files carry the same revision, as after an apply (isApplyTorn compares them).
    const rev = this.d.system.bumpConfigRev(tenantId);
    db.prepare(`INSERT INTO ${ATTACHED_TENANT_SCHEMA}.settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(CONFIG_REV_SETTING, String(rev));
  }

  private transition(id: string, to: TenantStatus, from: TenantStatus[]): TenantRecord {
    const t = this.get(id);
    if (!from.includes(t.status)) throw new ApiError(409, `tenant_${t.status}`, `tenant ${id} is ${t.status}`);
    if (t.status === to) return t;
    this.d.system.setTenantStatus(id, to);
    this.changed(id);
    this.d.logger.info(to === 'suspended' ? 'tenant suspended' : 'tenant resumed', { tenant: id });
    return this.get(id);
  }

  private changed(id: string): void {
    try {
      this.d.onChange(id);
    } catch (e) {
      this.d.logger.error('applying a tenant change to the running server failed', { tenant: id, error: e });
    }
  }
}

/** A spec the tenant layer refused: a domain of another tenant is 409, anything else 422. */
function specError(e: unknown): unknown {
  if (!(e instanceof TenantSpecError)) return e;
  const details = e.problems.map((p) => ({ path: toJsonPointer(p.path), message: p.message }));
  const conflict = e.problems.some((p) => /belongs to tenant/.test(p.message));
  return conflict ? new ApiError(409, 'domain_taken', 'a domain belongs to another tenant', details) : validationError(details);
}
