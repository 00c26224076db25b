import { NAT_KEEPALIVE_SETTING } from './nat-keepalive-setting.js';
import { DIRECT_MEDIA_SETTING } from './direct-media-setting.js';
import { BLF_SETTING } from './blf-setting.js';
import { PICKUP_GROUPS_SETTING } from './pickup-group-setting.js';
import { PARK_SETTING } from './park-setting.js';
import { existsSync, rmSync } from 'node:fs';
import { WEBHOOKS_SETTING } from './webhook-spec.js';
import { MWI_SETTING } from './mwi-spec.js';
import type Database from 'better-sqlite3';
import { systemClock, type Clock } from '../util/clock.js';
import { ATTACHED_TENANT_SCHEMA, type SystemStore, type TenantManager } from '../store/system-store.js';
import { syncExtensions, type ExtensionChanges } from './sync-extensions.js';
import { routingChanged, syncRouting, type RoutingChanges } from '../store/sync-routing.js';
import { DidConflictError, DomainConflictError, TenantSpecError, type SpecProblem } from '../model/tenant-errors.js';
import { tenantDir } from '../store/tenant-id.js';
import { syncDeclaredCallHandling } from '../store/call-handling-table.js';
import { featureCodeSettings } from './feature-codes.js';
import type { OutsideForwardCheck } from './spec-call-flows.js';
import { limitsToJson } from '../model/tenant-limits.js';
import { CONFERENCES_SETTING, conferencesJson } from './conference-spec.js';
import { syncVoicemail } from './sync-voicemail.js';
import { syncWebLogins } from './sync-web-logins.js';
import { CALL_FLOWS_SETTING, callFlowsJson } from '../store/call-flows-store.js';
import { validateTenantSpec, type TenantSpec, type ValidTenantSpec } from './tenant-spec.js';
import { SqliteTenantStore, type TenantStore } from '../store/tenant-store.js';
import { SRTP_SETTING } from './srtp-setting.js';

export interface ApplyDeps {
  system: SystemStore;
  dataDir: string;
  clock?: Clock;
  /** Who manages the tenant from now on: 'file' (default: a YAML file in tenantsDir) or 'api'. */
  managedBy?: TenantManager;
  /** Whether the tenant has a prompt of that name (a `play` destination); absent: names checked for form only. */
  promptExists?(tenantId: string, name: string): boolean;
  /** Whether an extension's class of service allows a forward to an outside number (routing/outside-forward-check.ts); absent: not checked at apply. */
  outsideForward?: OutsideForwardCheck;
}

export interface ApplyOptions {
  /**
   * Run the whole apply (every check, every write) inside its transaction, then roll it
   * back: the result says what would change, both files keep their content, and a
   * tenant that did not exist leaves no folder behind.
   */
  dryRun?: boolean;
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
  /** DIDs claimed in, or released from, the system inventory (system.sqlite). */
  dids: { added: string[]; removed: string[] };
  extensions: ExtensionChanges;
  /** Numbering, the tenant's copy of its DIDs, trunks, ring groups and routes (tenant.sqlite). */
  routing: RoutingChanges;
  /** Anything at all was written. */
  changed: boolean;
  /** The apply revision both files now carry. */
  configRev: number;
}

/** Tenant setting holding the apply revision; equal to tenants.config_rev in system.sqlite. */
export const CONFIG_REV_SETTING = 'config_rev';
/** Tenant setting holding the realm its HA1 digests were computed for. */
export const REALM_SETTING = 'realm';
/** Tenant setting holding its call recording policy (what PUT /tenants/{id}/recording-policy writes too). */
export const RECORDING_SETTING = 'recording';
/** Tenant setting holding the feature code that toggles an on-demand recording (absent: the default). */
export const RECORD_TOGGLE_SETTING = 'featureCodes.recordToggle';
/** Tenant setting holding its music-on-hold class (absent: 'default'). */
export const MOH_CLASS_SETTING = 'moh.class';

/**
 * Applies a declarative tenant spec, all or nothing: validates it completely
 * (throwing TenantSpecError, nothing written), then, in ONE transaction of the
 * system connection with tenant.sqlite attached, upserts the tenant (active),
 * sets its domains, claims its DIDs in the system inventory (releasing those it
 * no longer lists), syncs its extensions, numbering, trunks, ring groups and
 * routes, and stamps both files with a new config revision. Any error rolls
 * back both files. A domain or DID owned by another tenant is a TenantSpecError
 * at its path (`domains[i]`, `dids[i]`), nothing written.
 *
 * Crash safety: in WAL mode SQLite commits attached files one after the other,
 * so a crash in the middle of that commit could leave system.sqlite new and
 * tenant.sqlite old. The revisions then differ (isApplyTorn), and applying the
 * same spec again repairs it: apply is a convergent sync, and a revision
 * mismatch counts as a change. The composition root re-applies every tenant
 * file at start, which is exactly that repair.
 */
export function applyTenant(deps: ApplyDeps, spec: TenantSpec, opts: ApplyOptions = {}): ApplyResult {
  const promptExists = deps.promptExists;
  const valid = validateTenantSpec(spec, { ...(promptExists ? { promptExists: (name: string) => promptExists(spec.id, name) } : {}), ...(deps.outsideForward ? { outsideForward: deps.outsideForward } : {}) });
  const { system, dataDir } = deps;
  const now = (deps.clock ?? systemClock).now();

  const conflicts: SpecProblem[] = [];
  valid.domains.forEach((d, i) => {
    const owner = system.domainOwner(d);
    if (owner !== undefined && owner !== valid.id) conflicts.push({ path: `domains[${i}]`, message: `${d} belongs to tenant ${owner}` });
  });
  valid.routing.dids.forEach((n, i) => {
    const owner = system.didOwner(n);
    if (owner !== undefined && owner !== valid.id) conflicts.push({ path: `dids[${i}]`, message: `${n} belongs to tenant ${owner}` });
  });
  if (conflicts.length > 0) throw new TenantSpecError(valid.id, conflicts);

  const dir = tenantDir(dataDir, valid.id);
  const existed = existsSync(dir);
  try {
    // Creates the folder and file and brings the schema up to date before it is attached.
    const opened = SqliteTenantStore.open(dataDir, valid.id);
    const file = opened.file;
    opened.close();
    if (!opts.dryRun) return system.withAttachedTenant(file, (db) => sync(system, db, valid, now, deps.managedBy));
    try {
      system.withAttachedTenant(file, (db) => {
        throw new DryRunRollback(sync(system, db, valid, now, deps.managedBy));
      });
    } catch (e) {
      if (!(e instanceof DryRunRollback)) throw e;
      if (!existed) rmSync(dir, { recursive: true, force: true });
      return e.result;
    }
    throw new Error('unreachable: a dry run always rolls back');
  } catch (e) {
    // A tenant that this call brought into existence leaves no empty folder behind.
    if (!existed) rmSync(dir, { recursive: true, force: true });
    if (e instanceof DomainConflictError) {
      // Another connection claimed the domain between the check above and the transaction.
      throw new TenantSpecError(valid.id, [{ path: `domains[${valid.domains.indexOf(e.domain)}]`, message: e.message }]);
    }
    if (e instanceof DidConflictError) {
      // The same for a DID.
      throw new TenantSpecError(valid.id, [{ path: `dids[${valid.routing.dids.indexOf(e.number)}]`, message: `${e.number} belongs to tenant ${e.owner}` }]);
    }
    throw e;
  }
}

/** Thrown inside the transaction of a dry run so that it rolls back; carries the result out. */
class DryRunRollback extends Error {
  constructor(readonly result: ApplyResult) {
    super('dry run: rolled back');
  }
}

function sync(system: SystemStore, db: Database.Database, spec: ValidTenantSpec, now: number, managedBy: TenantManager = 'file'): ApplyResult {
  const t = ATTACHED_TENANT_SCHEMA;
  const before = system.getTenant(spec.id);
  // A suspension is an operator's act, not configuration: applying the spec keeps it.
  const status = before?.status === 'suspended' ? 'suspended' : 'active';
  const upsert = system.upsertTenant({ id: spec.id, name: spec.name, status, limits: spec.limits, managedBy });
  const domains = system.setTenantDomains(spec.id, spec.domains);
  const dids = system.setTenantDids(spec.id, spec.routing.dids);
  const extensions = syncExtensions(db, t, spec, now);
  // After the extensions: ring group members refer to them.
  const routing = syncRouting(db, t, spec.routing, now);
  // After the extensions: a row per extension, deleted with it.
  const callHandlingChanged = syncDeclaredCallHandling(db, t, spec.callHandling, now).length > 0;
  const voicemailChanged = syncVoicemail(db, t, spec.voicemail);
  syncWebLogins(db, t, spec, now);

  const getSetting = db.prepare<[string], string>(`SELECT value FROM ${t}.settings WHERE key = ?`).pluck();
  const setSetting = db.prepare<[string, string]>(
    `INSERT INTO ${t}.settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
  );
  const realmChanged = getSetting.get(REALM_SETTING) !== spec.realm;
  const conferencesText = conferencesJson(spec.conferences);
  const conferencesChanged = (getSetting.get(CONFERENCES_SETTING) ?? '[]') !== conferencesText;
  if (conferencesChanged) setSetting.run(CONFERENCES_SETTING, conferencesText);
  // The spec decides these settings: a key absent from it removes the setting (its default).
  const deleteSetting = db.prepare<[string]>(`DELETE FROM ${t}.settings WHERE key = ?`);
  let settingChanged = false;
  for (const [k, v] of [
    [RECORDING_SETTING, spec.recording],
    [SRTP_SETTING, spec.srtp],
    [RECORD_TOGGLE_SETTING, spec.recordToggleCode],
    [MOH_CLASS_SETTING, spec.mohClass],
    ...featureCodeSettings(spec.featureCodes),
    [NAT_KEEPALIVE_SETTING, spec.natKeepalive],
    [DIRECT_MEDIA_SETTING, spec.media],
    [BLF_SETTING, spec.blf],
    [PICKUP_GROUPS_SETTING, spec.pickupGroups],
    [PARK_SETTING, spec.park],
    [WEBHOOKS_SETTING, spec.webhooks ? JSON.stringify(spec.webhooks) : undefined],
    [MWI_SETTING, spec.mwiModes ? JSON.stringify(spec.mwiModes) : undefined],
    [CALL_FLOWS_SETTING, callFlowsJson(spec.callFlows)],
  ] as const) {
    if ((getSetting.get(k) ?? undefined) === v) continue;
    settingChanged = true;
    if (v === undefined) deleteSetting.run(k);
    else setSetting.run(k, v);
  }
  const tenantRev = getSetting.get(CONFIG_REV_SETTING);
  const systemRev = before?.configRev ?? 0;
  const revMismatch = before !== undefined && tenantRev !== String(systemRev);

  const changed =
    upsert.changed ||
    domains.added.length + domains.removed.length > 0 ||
    dids.added.length + dids.removed.length > 0 ||
    routingChanged(routing) ||
    extensions.added.length + extensions.updated.length + extensions.removed.length > 0 ||
    realmChanged ||
    conferencesChanged ||
    voicemailChanged ||
    settingChanged ||
    callHandlingChanged ||
    revMismatch;

  let configRev = systemRev;
  if (changed) {
    configRev = system.bumpConfigRev(spec.id);
    setSetting.run(REALM_SETTING, spec.realm);
    setSetting.run(CONFIG_REV_SETTING, String(configRev));
  }
  // The trunk index's copy (tenant-trunk-table.ts), in this transaction: the server learns
  // the tenant's trunks without opening its store.
  system.tenantTrunks.put({ tenantId: spec.id, configRev, trunks: [...spec.routing.trunks] });
  return {
    tenantId: spec.id,
    created: upsert.created,
    reenabled: before?.status === 'disabled',
    settingsChanged: before !== undefined && (before.name !== spec.name || limitsToJson(before.limits) !== limitsToJson(spec.limits) || settingChanged),
    domains,
    dids,
    extensions,
    routing,
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
 * The shape of "a tenant file was deleted": every active or suspended file-managed
 * tenant whose id is not in `keep` is disabled (system.sqlite keeps its row, its tenant.sqlite is
 * untouched, its domains and DIDs are released and stop resolving). Applying its spec
 * again re-enables it with its data. Call this before applying the current
 * specs, so a domain or DID moved from a deleted tenant to another one is free.
 * Returns the ids disabled.
 */
export function disableTenantsNotIn(system: SystemStore, keep: Iterable<string>): string[] {
  const keepSet = new Set(keep);
  const out: string[] = [];
  // Only file-managed tenants: one created through the API has no file to lose.
  for (const t of system.listTenants({ status: ['active', 'suspended'] })) {
    if (t.managedBy !== 'file') continue;
    if (!keepSet.has(t.id) && system.disableTenant(t.id)) out.push(t.id);
  }
  return out;
}
