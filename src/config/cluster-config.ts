/**
 * cluster.yaml: the edge (Kamailio, on the public address) and the PBX nodes behind it,
 * in one file, checked like pbx.yaml (every problem at `file:line:col`). Pure: reads nothing.
 * `pbx cluster kamailio-config` reads it (src/cluster).
 */
import { filePath, hostPort, listenUri, objectName } from './field-types.js';
import { decodeYaml } from './decode-yaml.js';
import type { Env } from './env-subst.js';
import { fromEnv, int, list, object, oneOf, reject, str } from './schema.js';

/** `http://host:port` (or https) of a node's admin API; the path /api/v1 is added when missing. */
function apiUrl() {
  return str({ minLength: 1 }).to((s) => {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      return reject(`'${s}' is not a URL like http://10.0.0.11:8080`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return reject(`'${s}': only http and https are supported`);
    if (u.username || u.password) return reject(`'${s}': put the token in token:, not in the URL`);
    if (u.search || u.hash) return reject(`'${s}': no query or fragment`);
    const path = u.pathname.replace(/\/+$/, '');
    return `${u.protocol}//${u.host}${path.endsWith('/api/v1') ? path : `${path}/api/v1`}`;
  });
}

const node = object({
  /** Names the node in the routing table and the CLI; [a-z0-9-]. */
  name: objectName(),
  /** Where the edge relays this node's requests: its SIP address and port (UDP). */
  sip: fromEnv(hostPort()),
  /** The node's admin API, asked which tenants, domains and DIDs it hosts. */
  api: fromEnv(apiUrl()),
  /** A provider token of that node's API. */
  token: fromEnv(str({ minLength: 1 })),
  /** direct: phones send RTP to the node's own rtp.address; rtpengine: the edge anchors media (rtpengine beside Kamailio). */
  media: oneOf(['direct', 'rtpengine'] as const).default('direct'),
});

const edge = object({
  /** The public SIP address Kamailio listens on (udp). */
  sip: fromEnv(listenUri()),
  /** The Kamailio binary. */
  kamailio: filePath().default('/usr/sbin/kamailio'),
  /** Where the generated kamailio.cfg, routing table and dispatcher list go, and the ctl socket lives. */
  runDir: filePath(),
  /** How the PBX tells a running Kamailio to reload its tables: kamcmd over the ctl module's socket (binrpc). */
  rpc: object({
    kamcmd: filePath().default('/usr/sbin/kamcmd'),
    /** The ctl socket; relative to the file. Default: <runDir>/kamailio_ctl. */
    socket: filePath().optional(),
  }).default({}),
  /** How often Kamailio probes each node with OPTIONS (dispatcher), seconds. */
  probeSeconds: int({ min: 1, max: 300 }).default(5),
  /** Retry-After (seconds) on the 503 for the tenants of a node that is down. */
  retryAfterSeconds: int({ min: 1, max: 3600 }).default(30),
  /** Requests per second one source (not a node) may send before the edge drops it (Kamailio pike); 0 = off. */
  floodRate: int({ min: 0, max: 1_000_000 }).default(300),
  /** rtpengine's ng control socket, for nodes with media: rtpengine. */
  rtpengine: str({ minLength: 1 }).optional(),
});

const clusterSchema = object({
  edge,
  nodes: list(node, { min: 1, unique: { key: (n) => n.name, what: 'node name', at: 'name' } }),
});

export type ClusterNodeMedia = 'direct' | 'rtpengine';

export interface ClusterNode {
  name: string;
  sip: { host: string; port: number };
  /** Base URL of its API, ending in /api/v1. */
  api: string;
  token: string;
  media: ClusterNodeMedia;
}

export interface ClusterConfig {
  file: string;
  edge: {
    sip: { host: string; port: number };
    kamailio: string;
    runDir: string;
    rpc: { kamcmd: string; socket: string };
    probeSeconds: number;
    retryAfterSeconds: number;
    floodRate: number;
    rtpengine?: string;
  };
  nodes: ClusterNode[];
}

/** Decodes cluster.yaml. Throws ConfigErrors listing every problem at file:line:col. */
export function parseClusterConfig(text: string, file: string, env: Env): ClusterConfig {
  const raw = decodeYaml(clusterSchema, { text, file, env }, (c, root) => {
    if (c.edge.sip.protocol !== 'udp') root.at('edge').at('sip').report(`the edge listens on udp (got ${c.edge.sip.protocol})`);
    const seen = new Map<string, string>();
    c.nodes.forEach((n, i) => {
      const key = `${n.sip.host}:${n.sip.port}`;
      const first = seen.get(key);
      if (first !== undefined) root.at('nodes').at(i).at('sip').report(`${key} is node '${first}' already`);
      else seen.set(key, n.name);
      if (n.media === 'rtpengine' && c.edge.rtpengine === undefined) root.at('nodes').at(i).at('media').report('rtpengine needs edge.rtpengine (its ng socket, e.g. udp:127.0.0.1:2223)');
      if (key === `${c.edge.sip.host}:${c.edge.sip.port}`) root.at('nodes').at(i).at('sip').report('is the edge itself');
    });
  });
  const socket = raw.edge.rpc.socket ?? `${raw.edge.runDir}/kamailio_ctl`;
  const config: ClusterConfig = {
    file,
    edge: {
      sip: { host: raw.edge.sip.host, port: raw.edge.sip.port },
      kamailio: raw.edge.kamailio,
      runDir: raw.edge.runDir,
      rpc: { kamcmd: raw.edge.rpc.kamcmd, socket },
      probeSeconds: raw.edge.probeSeconds,
      retryAfterSeconds: raw.edge.retryAfterSeconds,
      floodRate: raw.edge.floodRate,
      ...(raw.edge.rtpengine !== undefined ? { rtpengine: raw.edge.rtpengine } : {}),
    },
    nodes: raw.nodes.map((n) => ({ name: n.name, sip: n.sip, api: n.api, token: n.token, media: n.media })),
  };
  return config;
}
