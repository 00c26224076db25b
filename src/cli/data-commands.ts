/**
 * Commands that work on the data directory: configuration as code (`pbx tenant apply`,
 * `pbx tenant export`), backups (`pbx backup`, `pbx restore-tenant`) and moves
 * (`pbx tenant pack`, `pbx tenant unpack`). See README "Tenants as files, backups and moves".
 */
import { unknownFlowPrompts } from '../apps/flow-prompts.js';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { formatApplyResult } from '../app/apply-report.js';
import { listBackups, restoreTenant, runBackup } from '../ops/backup.js';
import { readPbxConfig } from '../app/config-files.js';
import { unusableRouteTrunks } from '../app/route-trunk-check.js';
import { outsideForwardCheck } from '../routing/outside-forward-check.js';
import { defaultPidFile, runningServerPid } from '../app/server-pid.js';
import { DEFAULT_TAR_LIMITS } from '../ops/tar.js';
import { packTenant, unpackTenant } from '../ops/tenant-pack.js';
import { parseTenantConfig } from '../config/index.js';
import { tenantYamlText } from '../config/tenant-yaml.js';
import { specProblemsAt } from '../config/spec-positions.js';
import type { PbxConfig, TenantConfig } from '../config/types.js';
import { applyTenant, type ApplyResult } from '../tenant/apply-tenant.js';
import { exportTenantSpec } from '../tenant/export-tenant.js';
import { SystemStore } from '../store/system-store.js';
import { TenantSpecError } from '../model/tenant-errors.js';
import { isValidTenantId } from '../store/tenant-id.js';
import { SqliteTenantStore } from '../store/tenant-store.js';
import { ConfigError, ConfigErrors } from '../util/errors.js';

const say = (line: string) => process.stdout.write(line + '\n');
const complain = (line: string) => process.stderr.write(line + '\n');

/** The `tenant` command group, shared with the other tenant commands whoever registers first. */
function tenantGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'tenant') ?? program.command('tenant').description('manage tenants');
}

function loadConfig(file: string): PbxConfig {
  return readPbxConfig(file);
}

/** Runs a command body; prints errors plainly and sets the exit code. */
async function run(fn: () => Promise<number> | number): Promise<void> {
  try {
    process.exitCode = await fn();
  } catch (e) {
    if (e instanceof ConfigErrors || e instanceof ConfigError) complain(e.message);
    else if (e instanceof TenantSpecError) for (const p of e.problems) complain(`${p.path}: ${p.message}`);
    else complain(`error: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}

function serverPid(config: PbxConfig, pidFile?: string): number | undefined {
  return runningServerPid(pidFile ?? defaultPidFile(config.dataDir));
}

/** Writes text to `file` atomically (temporary file, then rename). */
function writeAtomically(file: string, text: string, mode = 0o600): void {
  const tmp = join(resolve(file, '..'), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
}

/** Opens system.sqlite when it exists (never creating one); undefined otherwise. */
function openSystemIfExists(dataDir: string): SystemStore | undefined {
  return existsSync(join(dataDir, 'system.sqlite')) ? SystemStore.open(dataDir) : undefined;
}

/** The spec a dry run or an apply uses, against the data directory (or an empty scratch one when there is none yet). */
function dryRun(config: PbxConfig, spec: Parameters<typeof applyTenant>[1]): ApplyResult {
  const system = openSystemIfExists(config.dataDir);
  if (system) {
    try {
      return applyTenant({ system, dataDir: config.dataDir, outsideForward: outsideForwardCheck(() => config.emergencyNumbers) }, spec, { dryRun: true });
    } finally {
      system.close();
    }
  }
  const scratch = mkdtempSync(join(tmpdir(), 'pbx-dry-run-'));
  const s = SystemStore.open(scratch);
  try {
    return applyTenant({ system: s, dataDir: scratch, outsideForward: outsideForwardCheck(() => config.emergencyNumbers) }, spec, { dryRun: true });
  } finally {
    s.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function exportYaml(config: PbxConfig, id: string): string {
  if (!isValidTenantId(id)) throw new Error(`${JSON.stringify(id)} is not a tenant id`);
  const system = openSystemIfExists(config.dataDir);
  if (!system) throw new Error(`${config.dataDir} has no system.sqlite`);
  try {
    if (!system.getTenant(id)) throw new Error(`no tenant ${id} in ${config.dataDir}`);
    const store = SqliteTenantStore.open(config.dataDir, id, { create: false });
    try {
      const spec = exportTenantSpec(system, store, id);
      return tenantYamlText(spec, `tenant ${id}, exported by pbx tenant export.\nPasswords are not stored: ha1 holds their digests for the realm (the first domain).\nIn passwords and trunk credentials a literal \${ is written $\${ (those keys read \${NAME} from the environment).`);
    } finally {
      store.close();
    }
  } finally {
    system.close();
  }
}

/**
 * After a restore or an unpack: a tenant managed by file needs its file in tenantsDir,
 * or the server disables it at its next start. Writes the export there when there is none.
 */
function ensureTenantFile(config: PbxConfig, id: string): void {
  const file = join(config.tenantsDir, `${id}.yaml`);
  const system = SystemStore.open(config.dataDir);
  let managedBy: string;
  try {
    managedBy = system.getTenant(id)?.managedBy ?? 'file';
  } finally {
    system.close();
  }
  if (managedBy !== 'file') return;
  if (existsSync(file) || existsSync(join(config.tenantsDir, `${id}.yml`))) {
    say(`note: ${file} exists; the server applies it at start and on SIGHUP, so its configuration wins over what was installed`);
    return;
  }
  writeAtomically(file, exportYaml(config, id));
  say(`wrote ${file} (the tenant's configuration as now installed)`);
}

async function waitForRev(config: PbxConfig, id: string, before: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const s = SystemStore.open(config.dataDir);
    try {
      if ((s.getTenant(id)?.configRev ?? before) !== before) return true;
    } finally {
      s.close();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/**
 * Problems the tenant layer finds after the file was decoded (a domain or DID of another
 * tenant, ...) are reported at their node, `file:line:col`, like every other YAML error.
 */
async function placed(text: string, file: string, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof TenantSpecError) throw specProblemsAt(text, file, e.problems);
    throw e;
  }
}

/** `pbx tenant apply` once the file decoded: dry run, hand it to the running server, or apply it here. */
async function applyFile(config: PbxConfig, abs: string, text: string, spec: TenantConfig, opts: { dryRun?: boolean; pidFile?: string }): Promise<number> {
  const trunkProblems = unusableRouteTrunks(spec, config.trunks);
  if (trunkProblems.length > 0) {
    for (const p of trunkProblems) complain(`${abs}: ${p}`);
    return 1;
  }
  const promptProblems = unknownFlowPrompts(spec, spec.id, { dataDir: config.dataDir, ...(config.media?.prompts !== undefined ? { operatorDir: config.media.prompts } : {}) });
  if (promptProblems.length > 0) throw specProblemsAt(text, abs, promptProblems);
  if (opts.dryRun) {
    for (const l of formatApplyResult(dryRun(config, spec), { dryRun: true })) say(l);
    return 0;
  }
  const target = join(config.tenantsDir, `${spec.id}.yaml`);
  const copyFile = resolve(target) !== abs;
  const pid = serverPid(config, opts.pidFile);
  if (pid !== undefined) {
    // The running server owns the stores' caches: hand the file to it and let it apply.
    const preview = dryRun(config, spec);
    if (copyFile) writeAtomically(target, text);
    const before = preview.created ? 0 : preview.configRev - (preview.changed ? 1 : 0);
    process.kill(pid, 'SIGHUP');
    if (preview.changed && !(await waitForRev(config, spec.id, before, 15_000))) {
      complain(`the server (pid ${pid}) has not applied ${target} within 15 s; see its log`);
      return 1;
    }
    for (const l of formatApplyResult(preview, { dryRun: false })) say(l);
    say(`applied by the running server (pid ${pid}, SIGHUP)${copyFile ? `; wrote ${target}` : ''}`);
    return 0;
  }
  // No server: apply here. The file goes into tenantsDir only once the apply succeeded.
  const tmp = join(config.tenantsDir, `.${spec.id}.yaml.${process.pid}.tmp`);
  if (copyFile) writeFileSync(tmp, text, { mode: 0o600 });
  const system = SystemStore.open(config.dataDir);
  let result: ApplyResult;
  try {
    result = applyTenant({ system, dataDir: config.dataDir, outsideForward: outsideForwardCheck(() => config.emergencyNumbers) }, spec);
  } catch (e) {
    if (copyFile) rmSync(tmp, { force: true });
    throw e;
  } finally {
    system.close();
  }
  if (copyFile) renameSync(tmp, target);
  for (const l of formatApplyResult(result, { dryRun: false })) say(l);
  if (copyFile) say(`wrote ${target}`);
  return 0;
}

export function registerDataCommands(program: Command): void {
  const tenant = tenantGroup(program);

  tenant
    .command('apply')
    .argument('<file>', 'the tenant YAML (named <id>.yaml)')
    .description('apply one tenant file atomically; --dry-run prints the changes and writes nothing')
    .option('-c, --config <file>', 'the pbx.yaml to use', 'config/pbx.yaml')
    .option('--dry-run', 'print what would change, write nothing')
    .option('--pid-file <file>', 'pid file of a running server (default <dataDir>/pbx.pid)')
    .action((file: string, opts: { config: string; dryRun?: boolean; pidFile?: string }) =>
      run(async () => {
        const config = loadConfig(opts.config);
        const abs = resolve(file);
        const text = readFileSync(abs, 'utf8');
        const spec = parseTenantConfig(text, abs, process.env);
        return placed(text, abs, () => applyFile(config, abs, text, spec, opts));
      }),
    );


  tenant
    .command('export')
    .argument('<id>', 'tenant id')
    .description('print the tenant as YAML that applies back to the same state (passwords as HA1 digests)')
    .option('-c, --config <file>', 'the pbx.yaml to use', 'config/pbx.yaml')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action((id: string, opts: { config: string; output?: string }) =>
      run(() => {
        const text = exportYaml(loadConfig(opts.config), id);
        if (opts.output) writeAtomically(opts.output, text);
        else process.stdout.write(text);
        return 0;
      }),
    );

  tenant
    .command('pack')
    .argument('<id>', 'tenant id')
    .description('write the whole tenant (store, media, system rows) to one file, to move it to another server; works while the server runs')
    .option('-c, --config <file>', 'the pbx.yaml to use', 'config/pbx.yaml')
    .option('-o, --output <file>', 'the file to write (default <id>.pbxtenant.tar.gz); an existing file is refused without --force')
    .option('--force', 'overwrite the output file if it exists')
    .action((id: string, opts: { config: string; output?: string; force?: boolean }) =>
      run(async () => {
        const config = loadConfig(opts.config);
        const out = opts.output ?? `${id}.pbxtenant.tar.gz`;
        const r = await packTenant({ dataDir: config.dataDir, id, outFile: out, overwrite: opts.force === true });
        say(`packed tenant ${id} into ${out} (${r.manifest.files.length} files, schema ${r.manifest.schemaVersion})`);
        return 0;
      }),
    );

  tenant
    .command('unpack')
    .argument('<file>', 'a file written by pbx tenant pack')
    .description('install a packed tenant into this data directory; refused if its id, a domain or a DID exists here')
    .option('-c, --config <file>', 'the pbx.yaml to use', 'config/pbx.yaml')
    .option('--pid-file <file>', 'pid file of a running server (default <dataDir>/pbx.pid)')
    .option('--max-mb <n>', 'refuse a pack that unpacks to more than this many MiB (in all, and for one file)', '4096')
    .action((file: string, opts: { config: string; pidFile?: string; maxMb: string }) =>
      run(async () => {
        const config = loadConfig(opts.config);
        const maxMb = Number(opts.maxMb);
        if (!Number.isInteger(maxMb) || maxMb < 1) {
          complain('--max-mb must be a whole number >= 1');
          return 1;
        }
        const limits = { ...DEFAULT_TAR_LIMITS, maxTotalBytes: maxMb * 1024 ** 2, maxEntryBytes: maxMb * 1024 ** 2 };
        const r = await unpackTenant({ dataDir: config.dataDir, file, limits });
        say(`unpacked tenant ${r.tenantId}: domains ${r.domains.join(', ') || '-'}; DIDs ${r.dids.join(', ') || '-'}; ${r.files} files`);
        ensureTenantFile(config, r.tenantId);
        const pid = serverPid(config, opts.pidFile);
        if (pid !== undefined) {
          // A new tenant: nothing of the server holds it yet; a reload picks up its file.
          process.kill(pid, 'SIGHUP');
          say(`told the running server (pid ${pid}) to reload`);
        }
        return 0;
      }),
    );

  program
    .command('backup')
    .description('online, consistent copy of system.sqlite and every tenant store (safe while the server runs)')
    .option('-c, --config <file>', 'the pbx.yaml to use', 'config/pbx.yaml')
    .option('--dir <dir>', 'where the backup folders go (default: backup.dir of pbx.yaml)')
    .option('--keep <n>', 'keep only the newest n backups in dir (default: backup.keep of pbx.yaml)')
    .action((opts: { config: string; dir?: string; keep?: string }) =>
      run(async () => {
        const config = loadConfig(opts.config);
        const dir = opts.dir ?? config.backup?.dir;
        if (!dir) {
          complain('no --dir given and pbx.yaml has no backup.dir');
          return 1;
        }
        let keep: number | undefined = config.backup?.keep;
        if (opts.keep !== undefined) {
          keep = Number(opts.keep);
          if (!Number.isInteger(keep) || keep < 1) {
            complain('--keep must be a whole number >= 1');
            return 1;
          }
        }
        const r = await runBackup({ dataDir: config.dataDir, dir, ...(keep !== undefined ? { keep } : {}) });
        say(`backup written: ${r.path}`);
        say(`  tenants: ${r.manifest.tenants.map((t) => t.id).join(', ') || '-'}; ${r.manifest.files.length} files, ${r.manifest.files.reduce((n, f) => n + f.bytes, 0)} bytes`);
        for (const p of r.removed) say(`  removed old backup ${p}`);
        say(`  ${listBackups(dir).length} backup(s) in ${dir}`);
        return 0;
      }),
    );

  program
    .command('restore-tenant')
    .argument('<id>', 'tenant id')
    .requiredOption('--from <backup>', 'a backup folder (pbx-backup-...) written by pbx backup')
    .description("restore one tenant's store, media and system rows from a backup; other tenants are not touched. The server must be stopped")
    .option('-c, --config <file>', 'the pbx.yaml to use', 'config/pbx.yaml')
    .option('--pid-file <file>', 'pid file of a running server (default <dataDir>/pbx.pid)')
    .action((id: string, opts: { config: string; from: string; pidFile?: string }) =>
      run(async () => {
        const config = loadConfig(opts.config);
        const pid = serverPid(config, opts.pidFile);
        if (pid !== undefined) {
          complain(`a server runs on ${config.dataDir} (pid ${pid}) and holds tenant stores open: stop it, restore, start it again`);
          return 1;
        }
        const r = await restoreTenant({ dataDir: config.dataDir, from: opts.from, id });
        say(`restored tenant ${r.id} from the backup of ${r.backupCreatedAt} (${r.files} files${r.replaced ? ', replacing its current data' : ''})`);
        ensureTenantFile(config, r.id);
        return 0;
      }),
    );
}
