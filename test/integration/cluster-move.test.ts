// Moving a tenant live between two nodes behind the Kamailio edge (issue 15, part 2): the real
// Kamailio, two real `pbx serve` nodes (acme on node 1, globex on node 2), phones registered
// through the edge. `pbx cluster move acme --to node2` while an acme call is up: new acme calls get
// 503 during the drain, the call goes on to its end, then acme is packed, installed on node 2,
// the edge switched and acme removed on node 1; its CDR is on node 2 after, the phones register
// and call there, and globex calls all along. A move the target cannot take is refused before
// anything changes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SipResponse } from '../../src/sip/message/types.js';
import { kamailioArgs } from '../../src/cluster/kamailio-rpc.js';
import { PbxProcess, REPO } from '../support/pbx-process.js';
import { freePort } from '../support/ports.js';
import { collectPcmu, pcmuToneShare, sendPcmuTone } from '../support/rtp-tone.js';
import { requireTools } from '../support/tools.js';
import { UdpPhone } from '../support/udp-phone.js';

const TOKEN = 'cluster-move-provider-token';
const secret = (t: string, e: string) => `${t}-${e}-secret`;
const tenant = (id: string, did: string) => ({ id, domains: [`${id}.example`], extraYaml: `countryCode: "1"\ndids: [ "${did}" ]`, extensions: ['1001', '1002'].map((e) => ({ ext: e, password: secret(id, e) })) });

const s = suite('cluster: moving a tenant live between nodes');
const enabled = requireTools('moving a tenant behind Kamailio', 'kamailio', 'kamcmd');
const run = enabled ? s : s.skip;

let node1: PbxProcess;
let node2: PbxProcess;
let kamailio: ChildProcess | undefined;
const kamLog: string[] = [];
let dir: string;
let edgePort: number;
const phones: Record<string, UdpPhone> = {};

const env = () => ({ ...process.env, NODE_TOKEN: TOKEN });
function cli(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), ...args], { cwd: REPO, encoding: 'utf8', timeout: 120_000, env: env() });
}

async function api(p: PbxProcess, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${p.apiUrl}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}\nkamailio:\n${kamLog.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

function mediaOf(m: { body: Buffer }): { address: string; port: number } {
  const sdp = m.body.toString();
  return { address: /c=IN IP4 (\S+)/.exec(sdp)![1]!, port: Number(/m=audio (\d+)/.exec(sdp)![1]) };
}

/** A call from a to b through the edge with a tone each way; left up (the caller hangs up later). */
async function callUp(a: UdpPhone, b: UdpPhone): Promise<SipResponse> {
  const mark = b.mark();
  const res = (await a.call(b.o.user)) as SipResponse;
  assert.is(res.status, 200, `${a.o.user}@${a.o.domain} -> ${b.o.user}: ${res.status}`);
  const invite = await b.next((m) => m.kind === 'request' && m.method === 'INVITE', 5000, mark);
  const atB = collectPcmu(b.rtp);
  const atA = collectPcmu(a.rtp);
  await Promise.all([sendPcmuTone(a.rtp, mediaOf(res), 440, 30, 0xa1), sendPcmuTone(b.rtp, mediaOf(invite), 1000, 30, 0xb1)]);
  await until('tones both ways', () => (atA.payloads.length >= 20 && atB.payloads.length >= 20 ? true : undefined), 3000).catch(() => undefined);
  atA.stop();
  atB.stop();
  assert.ok(pcmuToneShare(atB.payloads.slice(-15), 440) > 0.8, `${b.o.user}@${b.o.domain} hears the caller (${atB.payloads.length} packets)`);
  assert.ok(pcmuToneShare(atA.payloads.slice(-15), 1000) > 0.8, `${a.o.user}@${a.o.domain} hears the callee (${atA.payloads.length} packets)`);
  return res;
}

s.before(async () => {
  if (!enabled) return;
  try {
    await setUp();
  } catch (e) {
    console.error('cluster-move set-up failed:', e);
    throw e;
  }
});

async function setUp(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'pbx-cluster-move-'));
  const base = 44000 + Math.floor(Math.random() * 40) * 200;
  const node = (t: ReturnType<typeof tenant>, rtp: number) =>
    PbxProcess.start({
      tenants: [t],
      transports: ['udp'],
      adminToken: TOKEN,
      sipYaml: ['trustedEdges: [ "127.0.0.1" ]'],
      extraYaml: [`rtp: { ports: ${rtp}-${rtp + 99}, workers: 1 }`, 'registrar: { writeDelayMs: 0 }'].join('\n'),
    });
  node1 = await node(tenant('acme', '+14155550100'), base);
  node2 = await node(tenant('globex', '+14155550200'), base + 100);
  edgePort = await freePort();
  writeFileSync(
    join(dir, 'cluster.yaml'),
    [
      'edge:',
      `  sip: udp://127.0.0.1:${edgePort}`,
      '  runDir: run',
      '  probeSeconds: 1',
      '  floodRate: 0',
      'nodes:',
      `  - { name: node1, sip: "127.0.0.1:${node1.ports.udp}", api: "http://127.0.0.1:${node1.apiPort}", token: "\${NODE_TOKEN}" }`,
      `  - { name: node2, sip: "127.0.0.1:${node2.ports.udp}", api: "http://127.0.0.1:${node2.apiPort}", token: "\${NODE_TOKEN}" }`,
    ].join('\n') + '\n',
  );
  const r = cli('cluster', 'kamailio-config', '--cluster', join(dir, 'cluster.yaml'));
  if (r.status !== 0) throw new Error(r.stderr + r.stdout);
  kamailio = spawn('kamailio', kamailioArgs(join(dir, 'run')), { stdio: ['ignore', 'ignore', 'pipe'] });
  kamailio.stderr!.on('data', (d: Buffer) => kamLog.push(...d.toString().split('\n').filter(Boolean)));
  for (const [t, bind] of [['acme', '127.0.0.10'], ['globex', '127.0.0.11']] as const) {
    for (const ext of ['1001', '1002']) {
      const p = await UdpPhone.open({ user: ext, domain: `${t}.example`, password: secret(t, ext), server: { host: '127.0.0.1', port: edgePort }, bindAddress: bind });
      phones[`${t}-${ext}`] = p;
      await until(`${ext}@${t} registers through the edge`, async () => ((await p.register().catch(() => 0)) === 200 ? true : undefined));
    }
  }
}

s.after(async () => {
  for (const p of Object.values(phones)) p.close();
  if (kamailio && kamailio.exitCode === null) {
    kamailio.kill('SIGTERM');
    await new Promise((r) => kamailio!.once('exit', r));
  }
  await node1?.dispose();
  await node2?.dispose();
});

run('a move the target cannot take is refused before anything changes (a DID of acme is on node 2)', async () => {
  assert.is((await api(node2, 'PUT', '/tenants/globex/dids/%2B14155550100')).status < 300, true);
  try {
    const r = cli('cluster', 'move', 'acme', '--to', 'node2', '--cluster', join(dir, 'cluster.yaml'));
    assert.is(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /DID \+14155550100 is tenant globex's on node2/);
    assert.not.ok(existsSync(join(dir, 'run', 'moves', 'acme.json')), 'no journal');
    assert.is((await api(node1, 'GET', '/tenants/acme/drain')).body.draining, false);
    assert.is((await api(node2, 'GET', '/tenants/acme')).status, 404);
  } finally {
    await api(node2, 'DELETE', '/tenants/globex/dids/%2B14155550100');
  }
  // and a tenant onto the node it is on, or to a node that does not exist
  assert.match(cli('cluster', 'move', 'globex', '--to', 'node2', '--cluster', join(dir, 'cluster.yaml')).stderr, /on node2 already/);
  assert.match(cli('cluster', 'move', 'globex', '--to', 'node9', '--cluster', join(dir, 'cluster.yaml')).stderr, /no node node9/);
});

run('acme moves to node 2 during a call: the call finishes, its CDR moves, new calls go to node 2, globex goes on', async () => {
  const a1 = phones['acme-1001']!;
  const a2 = phones['acme-1002']!;
  const g1 = phones['globex-1001']!;
  const g2 = phones['globex-1002']!;
  await callUp(a1, a2);
  const live = (await api(node1, 'GET', '/tenants/acme/calls')).body.items as Array<{ callId: string }>;
  assert.is(live.length, 1);
  // the PBX's id of the call: the key of its record (CDR)
  const callId = live[0]!.callId;
  assert.is((await api(node2, 'GET', '/tenants/acme/cdrs')).status, 404, 'acme is not on node 2 yet');

  const move = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), 'cluster', 'move', 'acme', '--to', 'node2', '--cluster', join(dir, 'cluster.yaml')], { cwd: REPO, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  move.stdout!.on('data', (d) => (out += d));
  move.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => move.once('exit', (c) => r(c)));

  // draining: a new acme call is refused with 503 and Retry-After; the call in progress stays up
  await until('acme drains on node 1', async () => ((await api(node1, 'GET', '/tenants/acme/drain')).body.draining ? true : undefined), 30_000);
  const refused = (await phones['acme-1002']!.call('1001')) as SipResponse;
  assert.is(refused.status, 503);
  assert.ok(refused.headers.some((h) => h.name === 'retry-after'), 'Retry-After');
  assert.is((await api(node1, 'GET', '/tenants/acme/calls')).body.items.length, 1, 'the call is still up');
  // globex is not touched
  await callUp(g1, g2);
  assert.is((await g1.inDialog('BYE')).status, 200);
  // the move waits for the call
  assert.is(move.exitCode, null, 'the move waits while the call is up');
  assert.is((await a1.inDialog('BYE')).status, 200);

  const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 90_000))]);
  assert.is(code, 0, out);
  assert.match(out, /edge switched: acme -> node2/);
  // acme is on node 2 with its history; node 1 no longer hosts it
  const cdrs = await api(node2, 'GET', '/tenants/acme/cdrs');
  assert.is(cdrs.status, 200);
  const cdr = cdrs.body.items.find((c: { callId: string }) => c.callId === callId) as { disposition: string; billableS: number } | undefined;
  assert.ok(cdr, `the call's CDR is on node 2: ${JSON.stringify(cdrs.body.items)}`);
  assert.is(cdr!.disposition, 'answered');
  const onNode1 = await api(node1, 'GET', '/tenants?status=active');
  assert.not.ok(onNode1.body.items.some((t: { id: string }) => t.id === 'acme'), 'acme is gone from node 1');
  assert.ok(readdirSync(join(dir, 'run', 'moves')).some((f) => /^acme\.done-\d+\.json$/.test(f)), 'the journal is closed');
  assert.not.ok(existsSync(join(dir, 'run', 'moves', 'acme.json')));

  // the phones re-register through the edge (now to node 2) and call there
  const again = await a1.register();
  assert.is(again, 200);
  assert.is(await a2.register(), 200);
  const regs = await api(node2, 'GET', '/tenants/acme/registrations');
  assert.ok(regs.body.items.length >= 2, 'registered on node 2');
  await callUp(a1, a2);
  assert.is((await api(node2, 'GET', '/tenants/acme/calls')).body.items.length, 1, 'the new call is on node 2');
  assert.is((await a1.inDialog('BYE')).status, 200);
  // globex still calls
  await callUp(g2, g1);
  assert.is((await g2.inDialog('BYE')).status, 200);
});

s.run();
