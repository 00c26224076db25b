/**
 * `pbx cluster move TENANT --to NODE` (issue 15): a tenant moves from the node that hosts it to
 * another while both run, in steps the journal records one by one:
 *
 *   planned    checked: the tenant is on exactly one node, the target hosts neither it nor one
 *              of its domains or DIDs (refused before anything changes otherwise)
 *   drained    the old node refuses the tenant's new calls (503, Retry-After); its calls in
 *              progress went on to their end, or the drain timeout passed
 *   packed     the old node handed the tenant out as a pack (taken over from its YAML file
 *              first, so that no file brings it back there), saved beside the journal
 *   installed  the new node installed the pack
 *   switched   the edge's table names the new node (Kamailio reloaded): from here on the
 *              tenant's requests go there
 *   removed    the tenant is deleted on the old node
 *
 * The edge routes a tenant to one node at any time: before `switched` to the old one, after it
 * to the new one. A move killed in the middle resumes from its journal (run the same command
 * again) or, before `switched`, rolls back (`--rollback`: the copy on the new node is deleted,
 * the old node takes calls again). After `switched` only resuming is possible.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterConfig, ClusterNode } from '../config/cluster-config.js';
import { writeEdgeFiles } from './edge-files.js';
import { fetchNodeHosting, type NodeHosting } from './node-hosting.js';

export const MOVE_STEPS = ['planned', 'drained', 'packed', 'installed', 'switched', 'removed'] as const;
export type MoveStep = (typeof MOVE_STEPS)[number];

export interface MoveJournal {
  tenant: string;
  from: string;
  to: string;
  step: MoveStep;
  history: Array<{ step: MoveStep; at: string }>;
}

/** A move that cannot start or go on; nothing was changed by the step that threw. */
export class MoveRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoveRefused';
  }
}

export type Http = (url: string, init: { method: string; headers: Record<string, string>; body?: Uint8Array; signal: AbortSignal }) => Promise<{ status: number; json(): Promise<unknown>; arrayBuffer(): Promise<ArrayBuffer>; text(): Promise<string> }>;

export interface MoveDeps {
  http: Http;
  /** Writes the edge's table without the tenant on `exclude.node`, and reloads Kamailio. */
  switchEdge?: (cluster: ClusterConfig, exclude: { node: string; tenant: string }) => Promise<void>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
  /** How long calls in progress may go on before the move goes ahead anyway (default 10 min). */
  drainTimeoutMs?: number;
  /** Test hook: stop after this step, as a kill would (the journal says where). */
  stopAfter?: MoveStep;
}

export function journalPaths(cluster: ClusterConfig, tenant: string) {
  const dir = join(cluster.edge.runDir, 'moves');
  return { dir, journal: join(dir, `${tenant}.json`), pack: join(dir, `${tenant}.tar.gz`) };
}

export function readJournal(cluster: ClusterConfig, tenant: string): MoveJournal | undefined {
  const { journal } = journalPaths(cluster, tenant);
  if (!existsSync(journal)) return undefined;
  const j = JSON.parse(readFileSync(journal, 'utf8')) as MoveJournal;
  if (j.tenant !== tenant || !MOVE_STEPS.includes(j.step)) throw new MoveRefused(`${journal} is not a move journal of ${tenant}`);
  return j;
}

/** Moves (or resumes the move of) `tenant` to node `to`; returns the finished journal. */
export async function moveTenant(cluster: ClusterConfig, tenant: string, to: string, d: MoveDeps): Promise<MoveJournal> {
  const now = d.now ?? Date.now;
  const log = d.log ?? (() => {});
  const paths = journalPaths(cluster, tenant);
  const node = (name: string): ClusterNode => {
    const n = cluster.nodes.find((x) => x.name === name);
    if (!n) throw new MoveRefused(`no node ${name} in ${cluster.file}`);
    return n;
  };
  const api = nodeApi(d.http);
  let j = readJournal(cluster, tenant);
  if (j && j.to !== to) throw new MoveRefused(`a move of ${tenant} to ${j.to} is half done (step ${j.step}): resume it with --to ${j.to}, or --rollback`);
  if (!j) {
    const target = node(to);
    const hostings = await Promise.all(cluster.nodes.map((n) => fetchNodeHosting(n, (url, init) => d.http(url, { method: 'GET', ...init }))));
    const from = plan(hostings, tenant, target.name);
    j = { tenant, from, to, step: 'planned', history: [] };
    mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
    record(paths.journal, j, 'planned', now());
    log(`planned: ${tenant} from ${from} to ${to}`);
  } else {
    log(`resuming the move of ${tenant} from ${j.from} to ${j.to} after step ${j.step}`);
  }
  const src = node(j.from);
  const dst = node(j.to);
  const at = (s: MoveStep) => MOVE_STEPS.indexOf(j!.step) >= MOVE_STEPS.indexOf(s);
  const stopHere = (s: MoveStep) => d.stopAfter === s;

  if (!at('drained')) {
    await api.call(src, 'POST', `/tenants/${tenant}/drain`, [200]);
    const deadline = now() + (d.drainTimeoutMs ?? 600_000);
    for (;;) {
      const s = (await api.call(src, 'GET', `/tenants/${tenant}/drain`, [200])) as { liveCalls: number };
      if (s.liveCalls === 0) break;
      if (now() >= deadline) {
        log(`drain timeout: ${s.liveCalls} call(s) of ${tenant} still up on ${src.name}; going on (they end when it is removed there)`);
        break;
      }
      await (d.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(500);
    }
    record(paths.journal, j, 'drained', now());
    log(`drained on ${src.name}`);
    if (stopHere('drained')) return j;
  }
  if (!at('packed')) {
    // A file-managed tenant is taken over first: the YAML file would bring it back on the old node.
    await api.call(src, 'POST', `/tenants/${tenant}/take-over`, [200, 409]);
    const pack = await api.bytes(src, `/tenants/${tenant}/pack`);
    writeFileSync(`${paths.pack}.partial`, pack, { mode: 0o600 });
    renameSync(`${paths.pack}.partial`, paths.pack);
    record(paths.journal, j, 'packed', now());
    log(`packed on ${src.name} (${pack.length} bytes)`);
    if (stopHere('packed')) return j;
  }
  if (!at('installed')) {
    const r = await api.raw(dst, 'POST', '/tenant-packs', readFileSync(paths.pack));
    // A resumed move may find its own earlier install there: that tenant is this one.
    if (r.status !== 201 && !(r.status === 409 && (await api.hosts(dst, tenant)))) throw new MoveRefused(`${dst.name} refused the pack: ${r.status} ${r.text.slice(0, 300)}`);
    record(paths.journal, j, 'installed', now());
    log(`installed on ${dst.name}`);
    if (stopHere('installed')) return j;
  }
  if (!at('switched')) {
    await (d.switchEdge ?? defaultSwitch(d.http))(cluster, { node: src.name, tenant });
    record(paths.journal, j, 'switched', now());
    log(`edge switched: ${tenant} -> ${dst.name}`);
    if (stopHere('switched')) return j;
  }
  if (!at('removed')) {
    await api.call(src, 'DELETE', `/tenants/${tenant}?graceDays=0`, [200, 404]);
    await api.call(src, 'DELETE', `/tenants/${tenant}/drain`, [200, 404]);
    record(paths.journal, j, 'removed', now());
    log(`removed on ${src.name}`);
  }
  // Done: the journal is kept beside, renamed, for the record; the pack is not needed any more.
  renameSync(paths.journal, join(paths.dir, `${tenant}.done-${now()}.json`));
  rmSync(paths.pack, { force: true });
  return j;
}

/** Undoes a move that has not switched the edge yet: the copy on the new node goes, the old node takes calls again. */
export async function rollbackMove(cluster: ClusterConfig, tenant: string, d: Pick<MoveDeps, 'http' | 'log'>): Promise<MoveJournal> {
  const j = readJournal(cluster, tenant);
  if (!j) throw new MoveRefused(`no move of ${tenant} to roll back`);
  if (MOVE_STEPS.indexOf(j.step) >= MOVE_STEPS.indexOf('switched')) throw new MoveRefused(`the edge already sends ${tenant} to ${j.to}: a move past 'switched' can only be resumed (pbx cluster move ${tenant} --to ${j.to})`);
  const api = nodeApi(d.http);
  const node = (name: string) => cluster.nodes.find((x) => x.name === name)!;
  if (await api.hosts(node(j.to), tenant)) await api.call(node(j.to), 'DELETE', `/tenants/${tenant}?graceDays=0`, [200, 404]);
  await api.call(node(j.from), 'DELETE', `/tenants/${tenant}/drain`, [200, 404]);
  const paths = journalPaths(cluster, tenant);
  rmSync(paths.pack, { force: true });
  renameSync(paths.journal, join(paths.dir, `${tenant}.rolled-back-${Date.now()}.json`));
  d.log?.(`rolled back: ${tenant} stays on ${j.from}`);
  return j;
}

/** Where the tenant is now; refuses a move the target cannot take (before anything changes). */
export function plan(hostings: readonly NodeHosting[], tenant: string, to: string): string {
  const on = hostings.filter((h) => h.tenants.some((t) => t.id === tenant));
  if (on.length === 0) throw new MoveRefused(`no node hosts tenant ${tenant}`);
  if (on.length > 1) throw new MoveRefused(`tenant ${tenant} is on ${on.map((h) => h.node).join(' and ')}: fix that first`);
  const from = on[0]!;
  if (from.node === to) throw new MoveRefused(`tenant ${tenant} is on ${to} already`);
  const target = hostings.find((h) => h.node === to)!;
  const mine = from.tenants.find((t) => t.id === tenant)!;
  const problems: string[] = [];
  for (const dom of mine.domains) {
    const other = target.tenants.find((t) => t.domains.includes(dom));
    if (other) problems.push(`domain ${dom} is tenant ${other.id}'s on ${to}`);
  }
  for (const did of from.dids.filter((x) => x.tenantId === tenant)) {
    const other = target.dids.find((x) => x.number === did.number);
    if (other) problems.push(`DID ${did.number} is tenant ${other.tenantId}'s on ${to}`);
  }
  if (problems.length > 0) throw new MoveRefused(`cannot move ${tenant} to ${to}: ${problems.join('; ')}`);
  return from.node;
}

function record(file: string, j: MoveJournal, step: MoveStep, at: number): void {
  j.step = step;
  j.history.push({ step, at: new Date(at).toISOString() });
  writeFileSync(`${file}.partial`, JSON.stringify(j, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${file}.partial`, file);
}

function defaultSwitch(http: Http) {
  return async (cluster: ClusterConfig, exclude: { node: string; tenant: string }) => {
    await writeEdgeFiles(cluster, { fetch: (url, init) => http(url, { method: 'GET', ...init }), reload: true, exclude });
  };
}

function nodeApi(http: Http) {
  const headers = (n: ClusterNode, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${n.token}`, accept: 'application/json', ...extra });
  const signal = () => AbortSignal.timeout(60_000);
  return {
    async call(n: ClusterNode, method: string, path: string, ok: number[]): Promise<unknown> {
      const res = await http(n.api + path, { method, headers: headers(n), signal: signal() });
      if (!ok.includes(res.status)) throw new MoveRefused(`${n.name}: ${method} ${path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      return res.status === 200 ? res.json() : undefined;
    },
    async bytes(n: ClusterNode, path: string): Promise<Buffer> {
      const res = await http(n.api + path, { method: 'GET', headers: headers(n, { accept: 'application/gzip' }), signal: signal() });
      if (res.status !== 200) throw new MoveRefused(`${n.name}: GET ${path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      return Buffer.from(await res.arrayBuffer());
    },
    async raw(n: ClusterNode, method: string, path: string, body: Buffer): Promise<{ status: number; text: string }> {
      const res = await http(n.api + path, { method, headers: headers(n, { 'content-type': 'application/gzip' }), body, signal: signal() });
      return { status: res.status, text: await res.text() };
    },
    async hosts(n: ClusterNode, tenant: string): Promise<boolean> {
      const res = await http(`${n.api}/tenants/${tenant}`, { method: 'GET', headers: headers(n), signal: signal() });
      if (res.status !== 200) return false;
      const t = (await res.json()) as { status?: string };
      return t.status === 'active' || t.status === 'suspended';
    },
  };
}
