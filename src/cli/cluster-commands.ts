import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseClusterConfig, type ClusterConfig } from '../config/cluster-config.js';
import { writeEdgeFiles } from '../cluster/edge-files.js';
import { NodeUnreachableError } from '../cluster/node-hosting.js';
import { PlacementConflictError } from '../cluster/placement.js';
import { KamailioRpcError } from '../cluster/kamailio-rpc.js';
import { moveTenant, MoveRefused, rollbackMove } from '../cluster/tenant-move.js';
import { formatClusterTenants, listClusterTenants } from '../cluster/cluster-tenants.js';
import { ConfigErrors } from '../util/errors.js';

function loadCluster(file: string): ClusterConfig {
  return parseClusterConfig(readFileSync(file, 'utf8'), file, process.env);
}

/** `pbx cluster kamailio-config`: exit 0 written (and reloaded), 1 refused (nothing written), 2 usage. */
export async function kamailioConfigCommand(opts: { cluster: string; reload?: boolean }): Promise<number> {
  let cluster: ClusterConfig;
  try {
    cluster = loadCluster(opts.cluster);
  } catch (e) {
    if (e instanceof ConfigErrors) {
      for (const err of e.errors) process.stderr.write(`${err.message}\n`);
      return 1;
    }
    process.stderr.write(`${opts.cluster}: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    const r = await writeEdgeFiles(cluster, { fetch: (url, init) => fetch(url, init), reload: opts.reload === true });
    for (const h of r.hostings) {
      process.stdout.write(`${h.node}: ${h.tenants.map((t) => t.id).join(', ') || '(no tenants)'}; domains ${h.tenants.flatMap((t) => t.domains).join(', ') || '-'}; DIDs ${h.dids.map((d) => d.number).join(', ') || '-'}\n`);
    }
    for (const f of r.files) process.stdout.write(`wrote ${f}\n`);
    if (r.reloaded) process.stdout.write('kamailio reloaded its routing table and dispatcher list\n');
    if (r.cfgChanged && r.reloaded) process.stdout.write('kamailio.cfg changed: restart Kamailio to use it (the tables are live already)\n');
    return 0;
  } catch (e) {
    if (e instanceof PlacementConflictError) {
      for (const c of e.conflicts) process.stderr.write(`refused: ${c.kind} ${c.value} is on nodes ${c.nodes.join(' and ')}\n`);
      process.stderr.write('nothing written; the running edge keeps its table\n');
      return 1;
    }
    if (e instanceof NodeUnreachableError) {
      process.stderr.write(`refused: ${e.message}; nothing written, the running edge keeps its table\n`);
      return 1;
    }
    if (e instanceof KamailioRpcError) {
      process.stderr.write(`files written, reload failed: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/** `pbx cluster move`: exit 0 moved (or rolled back), 1 refused or failed (the journal says where it stopped). */
export async function moveCommand(tenant: string, opts: { cluster: string; to?: string; rollback?: boolean; drainSeconds?: string }): Promise<number> {
  let cluster: ClusterConfig;
  try {
    cluster = loadCluster(opts.cluster);
  } catch (e) {
    if (e instanceof ConfigErrors) for (const err of e.errors) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`${opts.cluster}: ${(e as Error).message}\n`);
    return 1;
  }
  const log = (l: string) => process.stdout.write(`${l}\n`);
  const http = (url: string, init: { method: string; headers: Record<string, string>; body?: Uint8Array; signal: AbortSignal }) => fetch(url, init);
  try {
    if (opts.rollback) {
      await rollbackMove(cluster, tenant, { http, log });
      return 0;
    }
    if (!opts.to) {
      process.stderr.write('--to NODE is required (or --rollback)\n');
      return 2;
    }
    const drain = opts.drainSeconds !== undefined ? Number(opts.drainSeconds) : 600;
    if (!Number.isInteger(drain) || drain < 0 || drain > 86_400) {
      process.stderr.write('--drain-seconds must be an integer 0..86400\n');
      return 2;
    }
    await moveTenant(cluster, tenant, opts.to, { http, log, drainTimeoutMs: drain * 1000 });
    log(`moved ${tenant} to ${opts.to}`);
    return 0;
  } catch (e) {
    if (e instanceof MoveRefused || e instanceof NodeUnreachableError || e instanceof PlacementConflictError || e instanceof KamailioRpcError) {
      process.stderr.write(`refused: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`move failed: ${(e as Error).message}; run the same command again to resume, or --rollback\n`);
    return 1;
  }
}

/** `pbx cluster tenants`: every tenant of the cluster with its node; exit 0, or 1 when a node did not answer (the others are still listed). */
export async function tenantsCommand(opts: { cluster: string; json?: boolean }): Promise<number> {
  let cluster: ClusterConfig;
  try {
    cluster = loadCluster(opts.cluster);
  } catch (e) {
    if (e instanceof ConfigErrors) for (const err of e.errors) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`${opts.cluster}: ${(e as Error).message}\n`);
    return 1;
  }
  const t = await listClusterTenants(cluster, (url, init) => fetch(url, init));
  if (opts.json) process.stdout.write(`${JSON.stringify(t, null, 2)}\n`);
  else for (const line of formatClusterTenants(t)) process.stdout.write(`${line}\n`);
  return t.unreachable.length > 0 ? 1 : 0;
}

export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('several PBX nodes behind a Kamailio edge (cluster.yaml)');
  cluster
    .command('kamailio-config')
    .description("ask each node which tenants, domains and DIDs it hosts, then write the edge's kamailio.cfg and routing table into edge.runDir")
    .requiredOption('--cluster <file>', 'the cluster.yaml')
    .option('--reload', 'have the running Kamailio read the routing table and dispatcher list again (kamcmd)')
    .action(async (opts: { cluster: string; reload?: boolean }) => {
      process.exitCode = await kamailioConfigCommand(opts);
    });
  cluster
    .command('tenants')
    .description('list every tenant of the cluster with the node that hosts it, its domains and DIDs (asks each node\'s API)')
    .requiredOption('--cluster <file>', 'the cluster.yaml')
    .option('--json', 'as JSON: { rows: [{ tenant, node, domains, dids }], unreachable: [{ node, reason }] }')
    .action(async (opts: { cluster: string; json?: boolean }) => {
      process.exitCode = await tenantsCommand(opts);
    });
  cluster
    .command('move')
    .argument('<tenant>', 'the tenant id')
    .description('move a tenant to another node while both run: drain, pack, install, switch the edge, remove; resumable from its journal in edge.runDir/moves')
    .requiredOption('--cluster <file>', 'the cluster.yaml')
    .option('--to <node>', 'the node to move it to')
    .option('--drain-seconds <n>', 'how long calls in progress may go on before the move goes ahead', '600')
    .option('--rollback', 'undo a half-finished move that has not switched the edge yet')
    .action(async (tenant: string, opts: { cluster: string; to?: string; rollback?: boolean; drainSeconds?: string }) => {
      process.exitCode = await moveCommand(tenant, opts);
    });
}
