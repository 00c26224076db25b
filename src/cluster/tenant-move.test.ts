import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterConfig } from '../config/cluster-config.js';
import { journalPaths, moveTenant, MoveRefused, plan, readJournal, rollbackMove, type Http } from './tenant-move.js';

/**
 * Two nodes' APIs in memory (the routes of src/admin/routes/tenant-move.ts and the tenant list),
 * so the move's order of steps, its journal and its refusals can be checked without servers;
 * test/integration/cluster-move.test.ts does the same against real nodes and Kamailio.
 */
interface FakeNode {
  tenants: Map<string, { domains: string[]; status: string }>;
  dids: Array<{ number: string; tenantId: string }>;
  draining: Set<string>;
  liveCalls: number;
  packs: Map<string, string>;
}

function cluster(): { c: ClusterConfig; nodes: Record<string, FakeNode>; calls: string[]; http: Http } {
  const runDir = mkdtempSync(join(tmpdir(), 'pbx-move-test-'));
  const c: ClusterConfig = {
    file: join(runDir, 'cluster.yaml'),
    edge: { sip: { host: '127.0.0.1', port: 5060 }, kamailio: 'k', runDir, rpc: { kamcmd: 'kc', socket: join(runDir, 'ctl') }, probeSeconds: 5, retryAfterSeconds: 30, floodRate: 0 },
    nodes: ['n1', 'n2'].map((name) => ({ name, sip: { host: '10.0.0.1', port: 5060 }, api: `http://${name}/api/v1`, token: 't', media: 'direct' as const })),
  };
  const nodes: Record<string, FakeNode> = {
    n1: { tenants: new Map([['acme', { domains: ['acme.example'], status: 'active' }]]), dids: [{ number: '+15550100', tenantId: 'acme' }], draining: new Set(), liveCalls: 0, packs: new Map() },
    n2: { tenants: new Map([['globex', { domains: ['globex.example'], status: 'active' }]]), dids: [{ number: '+15550200', tenantId: 'globex' }], draining: new Set(), liveCalls: 0, packs: new Map() },
  };
  const calls: string[] = [];
  const reply = (status: number, body: unknown = {}) => ({ status, json: async () => body, text: async () => JSON.stringify(body), arrayBuffer: async () => new TextEncoder().encode(String(body)).buffer as ArrayBuffer });
  const http: Http = async (url, init) => {
    const m = /^http:\/\/(n\d)\/api\/v1(\/[^?]*)(\?.*)?$/.exec(url)!;
    const n = nodes[m[1]!]!;
    const path = m[2]!;
    calls.push(`${m[1]} ${init.method} ${path}`);
    let r;
    if (init.method === 'GET' && path === '/tenants') return reply(200, { items: [...n.tenants].map(([id, t]) => ({ id, ...t })) });
    if (init.method === 'GET' && path === '/dids') return reply(200, { items: n.dids });
    if ((r = /^\/tenants\/(\w+)$/.exec(path))) {
      const t = n.tenants.get(r[1]!);
      if (!t) return reply(404);
      if (init.method === 'DELETE') t.status = 'deleted';
      return reply(200, { id: r[1], ...t });
    }
    if ((r = /^\/tenants\/(\w+)\/drain$/.exec(path))) {
      if (init.method === 'POST') n.draining.add(r[1]!);
      if (init.method === 'DELETE') n.draining.delete(r[1]!);
      return reply(200, { draining: n.draining.has(r[1]!), liveCalls: n.liveCalls });
    }
    if ((r = /^\/tenants\/(\w+)\/take-over$/.exec(path))) return reply(200);
    if ((r = /^\/tenants\/(\w+)\/pack$/.exec(path))) return reply(200, `pack-of-${r[1]}`);
    if (path === '/tenant-packs') {
      const id = new TextDecoder().decode(init.body).replace('pack-of-', '');
      if (n.tenants.has(id)) return reply(409, { error: 'exists already' });
      const from = Object.values(nodes).find((x) => x.tenants.has(id))!;
      n.tenants.set(id, { ...from.tenants.get(id)!, status: 'active' });
      return reply(201, { tenantId: id });
    }
    return reply(404);
  };
  return { c, nodes, calls, http };
}

async function rejects(fn: () => Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await fn();
  } catch (e) {
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`expected a refusal matching ${re}`);
}

const switchEdge = (log: string[]) => async (_c: ClusterConfig, exclude: { node: string; tenant: string }) => void log.push(`switch without ${exclude.tenant} on ${exclude.node}`);

test('a move goes drain, take-over and pack, install, switch, remove, in that order, and closes its journal', async () => {
  const { c, nodes, calls, http } = cluster();
  const edge: string[] = [];
  const j = await moveTenant(c, 'acme', 'n2', { http, switchEdge: switchEdge(edge) });
  assert.equal(j.history.map((h) => h.step), ['planned', 'drained', 'packed', 'installed', 'switched', 'removed']);
  const steps = calls.filter((x) => !x.endsWith('GET /tenants') && !x.endsWith('GET /dids'));
  assert.equal(steps, [
    'n1 POST /tenants/acme/drain',
    'n1 GET /tenants/acme/drain',
    'n1 POST /tenants/acme/take-over',
    'n1 GET /tenants/acme/pack',
    'n2 POST /tenant-packs',
    'n1 DELETE /tenants/acme',
    'n1 DELETE /tenants/acme/drain',
  ]);
  assert.equal(edge, ['switch without acme on n1']);
  assert.is(nodes['n2']!.tenants.get('acme')?.status, 'active');
  assert.is(nodes['n1']!.tenants.get('acme')?.status, 'deleted');
  assert.is(readJournal(c, 'acme'), undefined);
  assert.ok(readdirSync(journalPaths(c, 'acme').dir).some((f) => /^acme\.done-\d+\.json$/.test(f)));
  assert.not.ok(existsSync(journalPaths(c, 'acme').pack), 'the pack is removed at the end');
});

test('killed after the pack: the journal says so, and the same command resumes with the install (no second drain or pack)', async () => {
  const { c, nodes, calls, http } = cluster();
  await moveTenant(c, 'acme', 'n2', { http, switchEdge: switchEdge([]), stopAfter: 'packed' });
  assert.is(readJournal(c, 'acme')?.step, 'packed');
  assert.ok(existsSync(journalPaths(c, 'acme').pack));
  calls.length = 0;
  await moveTenant(c, 'acme', 'n2', { http, switchEdge: switchEdge([]) });
  assert.not.ok(calls.some((x) => /drain$|pack$/.test(x) && x.startsWith('n1 POST') || x.endsWith('/pack')), calls.join(', '));
  assert.is(nodes['n2']!.tenants.get('acme')?.status, 'active');
  // a resume to another node is refused while a move is half done
  const again = cluster();
  await moveTenant(again.c, 'acme', 'n2', { http: again.http, switchEdge: switchEdge([]), stopAfter: 'drained' });
  await rejects(() => moveTenant(again.c, 'acme', 'n1', { http: again.http }), /half done \(step drained\): resume it with --to n2/);
});

test('killed after the install, the pack already there: resuming takes the 409 for its own tenant and goes on', async () => {
  const { c, nodes, http } = cluster();
  await moveTenant(c, 'acme', 'n2', { http, switchEdge: switchEdge([]), stopAfter: 'packed' });
  // the install went through but the process died before the journal said so
  nodes['n2']!.tenants.set('acme', { domains: ['acme.example'], status: 'active' });
  const j = await moveTenant(c, 'acme', 'n2', { http, switchEdge: switchEdge([]) });
  assert.is(j.step, 'removed');
});

test('rollback before the switch: the copy on the new node goes, the old node takes calls again; after the switch only resume', async () => {
  const { c, nodes, http } = cluster();
  await moveTenant(c, 'acme', 'n2', { http, switchEdge: switchEdge([]), stopAfter: 'installed' });
  assert.ok(nodes['n1']!.draining.has('acme'));
  await rollbackMove(c, 'acme', { http });
  assert.is(nodes['n2']!.tenants.get('acme')?.status, 'deleted');
  assert.not.ok(nodes['n1']!.draining.has('acme'));
  assert.is(nodes['n1']!.tenants.get('acme')?.status, 'active');
  assert.is(readJournal(c, 'acme'), undefined);

  const late = cluster();
  await moveTenant(late.c, 'acme', 'n2', { http: late.http, switchEdge: switchEdge([]), stopAfter: 'switched' });
  await rejects(() => rollbackMove(late.c, 'acme', { http: late.http }), /can only be resumed/);
  await rejects(() => rollbackMove(cluster().c, 'acme', { http }), /no move of acme/);
});

test('calls still up when the drain time is over: the move goes on (injected clock, no sleeping)', async () => {
  const { c, nodes, http } = cluster();
  nodes['n1']!.liveCalls = 1;
  let t = 0;
  const lines: string[] = [];
  const j = await moveTenant(c, 'acme', 'n2', { http, switchEdge: switchEdge([]), now: () => t, sleep: async (ms) => void (t += ms), drainTimeoutMs: 2000, log: (l) => lines.push(l) });
  assert.is(j.step, 'removed');
  assert.ok(lines.some((l) => /drain timeout: 1 call\(s\) of acme still up on n1/.test(l)), lines.join('\n'));
  assert.ok(t >= 2000);
});

test('refused before anything changes: a domain or a DID of the tenant on the target, the tenant there already or nowhere', async () => {
  const hostings = [
    { node: 'n1', tenants: [{ id: 'acme', domains: ['acme.example'] }], dids: [{ number: '+15550100', tenantId: 'acme' }] },
    { node: 'n2', tenants: [{ id: 'globex', domains: ['globex.example', 'acme.example'] }], dids: [{ number: '+15550100', tenantId: 'globex' }] },
  ];
  assert.throws(() => plan(hostings, 'acme', 'n2'), (e: Error) => e instanceof MoveRefused && /domain acme\.example is tenant globex's on n2; DID \+15550100 is tenant globex's on n2/.test(e.message));
  assert.throws(() => plan(hostings, 'globex', 'n2'), /on n2 already/);
  assert.throws(() => plan(hostings, 'initech', 'n2'), /no node hosts tenant initech/);
  assert.throws(() => plan([hostings[0]!, { node: 'n2', tenants: [{ id: 'acme', domains: [] }], dids: [] }], 'acme', 'n2'), /is on n1 and n2/);
  assert.is(plan([hostings[0]!, { node: 'n2', tenants: [], dids: [] }], 'acme', 'n2'), 'n1');

  const { c, nodes, calls, http } = cluster();
  nodes['n2']!.dids.push({ number: '+15550100', tenantId: 'globex' });
  await rejects(() => moveTenant(c, 'acme', 'n2', { http }), /DID \+15550100/);
  assert.not.ok(calls.some((x) => / (POST|DELETE) /.test(x)), 'nothing was asked to change');
  assert.not.ok(existsSync(journalPaths(c, 'acme').journal));
});

test.run();
