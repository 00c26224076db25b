import type { OutsideForwardCheck } from '../tenant/spec-call-flows.js';
import { existsSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tenantIdOfFile } from '../config/index.js';
import type { PbxConfig } from '../config/types.js';
import type { TrunkAddressCheck } from '../config/index.js';
import { unusableRouteTrunks } from './route-trunk-check.js';
import { applyTenant, disableTenantsNotIn } from '../tenant/apply-tenant.js';
import type { TenantStorePool } from '../store/store-pool.js';
import type { SystemStore } from '../store/system-store.js';
import { TenantSpecError } from '../model/tenant-errors.js';
import { specProblemsAt } from '../config/spec-positions.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { readTenantFile, tenantFilePaths, type Env } from './config-files.js';
import { diffTenantFiles, recordHolds } from './tenant-file-diff.js';
import { contentKey } from '../tenant/tenant-file-stamp.js';
import type { TenantFileRecord } from '../store/tenant-file-index.js';
import { unknownFlowPrompts } from '../apps/flow-prompts.js';

function optionalDir(dir: string | undefined): { operatorDir?: string } {
  return dir === undefined ? {} : { operatorDir: dir };
}

export interface TenantSyncReport {
  applied: string[];
  unchanged: string[];
  failed: Array<{ file: string; errors: string[] }>;
  disabled: string[];
}

/**
 * Keeps the tenant stores in step with the tenant YAML files: at start every file is
 * applied; on SIGHUP only the files whose content changed. Each file applies all or
 * nothing; a broken file is reported as file:line:col and that tenant keeps running on
 * what was last applied. A tenant whose file is gone is disabled (its data is kept).
 */
export class TenantSync {
  constructor(
    private readonly o: {
      system: SystemStore;
      pool: TenantStorePool;
      dataDir: string;
      tenantsDir: string;
      clock: Clock;
      logger: Logger;
      env: Env;
      /** The provider trunks of pbx.yaml, which a tenant's routes may name. */
      providerTrunks?: () => PbxConfig['trunks'];
      /** Where tenant trunks may point (checked in the file, with line and column). */
      trunkAddresses?: () => TrunkAddressCheck;
      /** pbx.yaml media.prompts: the operator's prompt set, searched for the prompts call flows name. */
      operatorPrompts?: () => string | undefined;
      /** Whether a tenant has a prompt of that name (`play` destinations; app/prompt-exists.ts). */
      promptExists?: (tenantId: string, name: string) => boolean;
      /** Class-of-service check of forwards to outside numbers (routing/outside-forward-check.ts). */
      outsideForward?: OutsideForwardCheck;
    },
  ) {}

  sync(): TenantSyncReport {
    const report: TenantSyncReport = { applied: [], unchanged: [], failed: [], disabled: [] };
    const paths = tenantFilePaths(this.o.tenantsDir);
    // Every file that exists keeps its tenant alive, even a broken one (it keeps its last good state).
    const present = paths.map((f) => safeTenantId(f)).filter((id): id is string => id !== undefined);
    report.disabled = disableTenantsNotIn(this.o.system, present);
    for (const id of report.disabled) {
      this.o.logger.warn('tenant disabled: its file is gone', { tenant: id });
      this.o.system.tenantFiles.forget(id);
    }
    // Files whose stamp and environment are what their last apply saw are not even read
    // (start and SIGHUP alike: the record survives restarts); the rest are read, and
    // applied unless their content is the recorded one.
    const records = this.o.system.tenantFiles.states();
    const diff = diffTenantFiles(paths, records, this.o.dataDir, this.o.env);
    report.unchanged.push(...diff.unchanged);
    const applied: TenantFileRecord[] = [];
    const restamped: Array<[string, string]> = [];
    const parseOpts = this.o.trunkAddresses ? { trunkAddresses: this.o.trunkAddresses() } : {};
    for (const { file, stamp } of diff.toRead) {
      const f = readTenantFile(file, this.o.env, parseOpts);
      if (f.error) {
        const errors = f.error.message.split('\n');
        report.failed.push({ file: f.file, errors });
        for (const line of errors) this.o.logger.error(line);
        this.o.logger.error('tenant file not applied; the tenant keeps its previous configuration', { file: f.file });
        continue;
      }
      const config = f.config!;
      const key = contentKey(f.text ?? '', this.o.env);
      const rec = records.get(config.id);
      if (recordHolds(rec, f.file, this.o.dataDir) && rec.hash === key.hash) {
        // Touched, not changed.
        if (stamp !== undefined) restamped.push([config.id, stamp]);
        report.unchanged.push(config.id);
        continue;
      }
      const trunkProblems = unusableRouteTrunks(config, this.o.providerTrunks?.() ?? []);
      if (trunkProblems.length > 0) {
        const errors = trunkProblems.map((p) => `${f.file}: ${p}`);
        report.failed.push({ file: f.file, errors });
        for (const line of errors) this.o.logger.error(line);
        this.o.logger.error('tenant file not applied; the tenant keeps its previous configuration', { file: f.file });
        continue;
      }
      const promptProblems = unknownFlowPrompts(config, config.id, { dataDir: this.o.dataDir, ...optionalDir(this.o.operatorPrompts?.()) });
      if (promptProblems.length > 0) {
        const errors = specProblemsAt(f.text ?? '', f.file, promptProblems).errors.map((x) => x.message);
        report.failed.push({ file: f.file, errors });
        for (const line of errors) this.o.logger.error(line);
        this.o.logger.error('tenant file not applied; the tenant keeps its previous configuration', { file: f.file });
        continue;
      }
      try {
        const r = applyTenant({ system: this.o.system, dataDir: this.o.dataDir, clock: this.o.clock, ...(this.o.promptExists ? { promptExists: this.o.promptExists } : {}), ...(this.o.outsideForward ? { outsideForward: this.o.outsideForward } : {}) }, config);
        // After the apply's commit: a crash before this line leaves the old record, and the
        // file is applied again next time (convergent). A stamp taken before the read: a
        // write during the read changes it, so the file is read again.
        // Written together at the end (one commit for thousands of files at a first start).
        if (stamp !== undefined) applied.push({ tenantId: config.id, file: f.file, stamp, hash: key.hash, envNames: key.envNames, configRev: r.configRev });
        if (r.changed) {
          // The pooled connection caches extensions: make it start afresh.
          this.o.pool.reopen(config.id);
          report.applied.push(config.id);
          this.o.logger.info('tenant applied', {
            tenant: config.id,
            created: r.created,
            added: r.extensions.added.length,
            updated: r.extensions.updated.length,
            removed: r.extensions.removed.length,
            domains: config.domains.join(','),
          });
        } else {
          report.unchanged.push(config.id);
        }
      } catch (e) {
        const errors =
          e instanceof TenantSpecError ? specProblemsAt(f.text ?? '', f.file, e.problems).errors.map((x) => x.message) : [`${f.file}: ${(e as Error).message}`];
        report.failed.push({ file: f.file, errors });
        for (const line of errors) this.o.logger.error(line);
        this.o.logger.error('tenant file not applied; the tenant keeps its previous configuration', { file: f.file });
      }
    }
    try {
      this.o.system.tenantFiles.putAll(applied, restamped);
    } catch (e) {
      this.o.logger.warn('tenant file records not written; those files are applied again next time', { error: e });
    }
    // In file order, as before the unread ones were split out.
    report.unchanged.sort();
    return report;
  }
}

/** Renames `<tenantsDir>/<id>.yaml` (or .yml) out of the way; returns the new path, undefined when there was none. */
export function retireTenantFile(tenantsDir: string, id: string, now: number): string | undefined {
  for (const ext of ['.yaml', '.yml']) {
    const file = join(tenantsDir, `${id}${ext}`);
    if (!existsSync(file)) continue;
    // The new name no longer ends in .yaml, so the tenants folder no longer applies it.
    let to = `${file}.taken-over`;
    if (existsSync(to)) to = `${file}.taken-over-${now}`;
    renameSync(file, to);
    return to;
  }
  return undefined;
}

function safeTenantId(file: string): string | undefined {
  try {
    return tenantIdOfFile(file);
  } catch {
    return basename(file).replace(/\.ya?ml$/, '');
  }
}
