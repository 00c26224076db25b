// A cluster as one "server" for bench/register's harness: Kamailio as the edge (its config and
// routing table written by `pbx cluster kamailio-config` from the nodes' own API, as an operator
// would) in front of N `pbx serve` nodes, each hosting its share of the tenants. The harness loads
// the edge's address and samples the CPU and memory of every process of the cluster together.
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTracked, stopTracked } from '../../lib/children.mjs';
import { PbxServer } from '../../lib/pbx-server.mjs';
import { processTree } from '../../lib/proc-stats.mjs';
import { waitForSip } from '../../lib/probe.mjs';

const TOKEN = 'bench-cluster-provider-token';

/** The bench's pbx.yaml of a node, plus what a node behind an edge needs: the edge as trusted, the API for placement. */
export function nodeYaml(base, { edgeHost, apiHost, apiPort, token }) {
  const lines = base.split('\n');
  const at = lines.findIndex((l) => /^\s+publicAddress:/.test(l));
  if (at < 0) throw new Error('bench pbx.yaml has no sip.publicAddress line');
  lines.splice(at + 1, 0, `  trustedEdges: [ "${edgeHost}" ]     # X-PBX-Source believed from the edge only`);
  return lines.join('\n').trimEnd() + `\napi:\n  listen: "${apiHost}:${apiPort}"\n  adminToken: "${token}"\n`;
}

export function clusterYaml({ edgeHost, edgePort, runDir, nodes }) {
  return [
    'edge:',
    `  sip: udp://${edgeHost}:${edgePort}`,
    `  runDir: ${runDir}`,
    '  probeSeconds: 5',
    '  floodRate: 0          # the load comes from one source (SIPp): pike would ban it',
    'nodes:',
    ...nodes.map((n) => `  - { name: ${n.name}, sip: "${n.host}:${n.port}", api: "http://${n.host}:${n.apiPort}", token: "\${BENCH_NODE_TOKEN}" }`),
    '',
  ].join('\n');
}

export class ClusterServer {
  /**
   * @param {{ dir: string, name: string, edgeHost: string, edgePort: number, repoRoot: string, log: (s: string) => void,
   *           nodes: Array<{ name: string, host: string, port: number, apiPort: number, users: object[] }> }} o
   */
  constructor(o) {
    this.o = o;
    this.name = o.name;
    this.host = o.edgeHost;
    this.port = o.edgePort;
    this.runDir = join(o.dir, 'edge');
    this.nodes = o.nodes.map((n) => ({ ...n, server: new PbxServer({ dir: join(o.dir, n.name), host: n.host, port: n.port, users: n.users, repoRoot: o.repoRoot, log: o.log }) }));
    this.kamailio = undefined;
  }

  prepare() {
    try {
      execFileSync('kamailio', ['-v'], { stdio: 'pipe' });
    } catch {
      return 'kamailio is not installed (apt-get install kamailio)';
    }
    for (const n of this.nodes) {
      const why = n.server.prepare();
      if (why) return `${n.name}: ${why}`;
      // PbxServer wrote its bench pbx.yaml: make it a node behind the edge.
      writeFileSync(n.server.configFile, nodeYaml(readFileSync(n.server.configFile, 'utf8'), { edgeHost: this.o.edgeHost, apiHost: n.host, apiPort: n.apiPort, token: TOKEN }));
    }
    mkdirSync(this.runDir, { recursive: true });
    this.clusterFile = join(this.o.dir, 'cluster.yaml');
    writeFileSync(this.clusterFile, clusterYaml({ edgeHost: this.o.edgeHost, edgePort: this.o.edgePort, runDir: this.runDir, nodes: this.nodes }));
    return undefined;
  }

  describe() {
    const tenants = (n) => new Set(n.users.map((u) => u.tenant)).size;
    return [
      `Kamailio as the edge on ${this.o.edgeHost}:${this.o.edgePort}: the config of \`pbx cluster kamailio-config\` (children=2, tm stateful relay, record_route, add_path_received on REGISTER, X-PBX-Source, htable routing by To domain, dispatcher probing every 5 s, pike off)`,
      ...this.nodes.map((n) => `${n.name}: \`node bin/pbx serve\` on ${n.host}:${n.port}, ${tenants(n)} tenants, ${n.users.length} extensions, \`sip.trustedEdges: [${this.o.edgeHost}]\`, otherwise the bench config of bench/register`),
      'CPU and memory below are the sum over Kamailio and every node',
    ];
  }

  async start() {
    for (const n of this.nodes) await n.server.start();
    const gen = execFileSync(process.execPath, [join(this.o.repoRoot, 'bin', 'pbx'), 'cluster', 'kamailio-config', '--cluster', this.clusterFile], {
      encoding: 'utf8',
      env: { ...process.env, BENCH_NODE_TOKEN: TOKEN },
      timeout: 60_000,
    });
    this.o.log(`kamailio-config: ${gen.trim().split('\n').filter((l) => !l.startsWith('wrote')).join(' | ')}`);
    // The arguments of kamailioArgs() in src/cluster/kamailio-rpc.ts: foreground, own pid file and run dir.
    const args = ['-f', join(this.runDir, 'kamailio.cfg'), '-P', join(this.runDir, 'kamailio.pid'), '-Y', this.runDir, '-DD', '-E', '-m', '64', '-M', '8'];
    this.kamailio = spawnTracked('kamailio', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.kamailio.stderr.pipe(createWriteStream(join(this.runDir, 'kamailio.log')));
    let alive = true;
    void this.kamailio.exited.then(() => (alive = false));
    // OPTIONS to a tenant's domain crosses the edge to that tenant's node: the whole path is up.
    for (const n of this.nodes) {
      const domain = n.users[0].domain;
      const answer = await waitForSip(this.o.edgeHost, this.o.edgePort, { timeoutMs: 30_000, domain, isAlive: () => alive });
      if (!answer) throw new Error(`the edge did not relay OPTIONS for ${domain} (log: ${join(this.runDir, 'kamailio.log')})`);
      this.o.log(`edge -> ${n.name} (${domain}): ${answer}`);
    }
  }

  pids() {
    return [...(this.kamailio ? processTree(this.kamailio.pid) : []), ...this.nodes.flatMap((n) => n.server.pids())];
  }

  shmUsed() {
    return undefined;
  }

  async prepareMeasure() {
    for (const n of this.nodes) await n.server.prepareMeasure();
    const sum = (k) => (this.nodes.every((n) => Number.isFinite(n.server.lastStats?.[k])) ? this.nodes.reduce((a, n) => a + n.server.lastStats[k], 0) : undefined);
    this.lastStats = { contacts: sum('contacts'), heapUsed: sum('heapUsed') };
  }

  registeredContacts() {
    const counts = this.nodes.map((n) => n.server.registeredContacts());
    return counts.every((c) => c !== undefined) ? counts.reduce((a, c) => a + c, 0) : undefined;
  }

  async stop() {
    if (this.kamailio) await stopTracked(this.kamailio, 5000);
    this.kamailio = undefined;
    for (const n of this.nodes) await n.server.stop();
  }
}
