/**
 * pbx.yaml: the server's own settings. The keys are the operator's contract
 * (DESIGN.md, "Configuration"); add keys, never change what one means.
 */
import { tenantStoresSchema } from './tenant-stores-config.js';
import { resolve } from 'node:path';
import type { Env } from './env-subst.js';
import { decodeYaml } from './decode-yaml.js';
import { dnsSchema } from './dns-config.js';
import { cidr, filePath, host, hostPort, listenUri, portRange, positiveInt } from './field-types.js';
import { isWildcardAddress } from './net-syntax.js';
import { shortNumber } from './phone-numbers.js';
import { bool, fromEnv, int, list, object, oneOf, str } from './schema.js';
import { providerTrunkSchema, trunkList } from './trunk-config.js';
import { smtpSchema, subscriptionsSchema } from './notify-config.js';
import { overloadSchema } from './overload-config.js';
import { sipThreadsSchema } from './sip-threads-config.js';
import { apiTlsSchema, consoleSchema } from './console-config.js';
import type { ListenSpec, PbxConfig } from './types.js';

const listenKey = (l: ListenSpec): string => `${l.protocol}://${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`;

const sip = object({
  listen: fromEnv(list(listenUri(), { min: 1, unique: { key: listenKey, what: 'listener' } })).default([
    'udp://127.0.0.1:5060',
    'tcp://127.0.0.1:5060',
  ]),
  /** Defaults to the host of the first listener. */
  publicAddress: fromEnv(host()).optional(),
  userAgent: str({ minLength: 1, maxLength: 200 }).optional(),
  tls: object({ cert: fromEnv(filePath()), key: fromEnv(filePath()) }).optional(),
  // RFC 3261 §17.1.1.1: T1 estimates the round-trip time. §17.1.2.2: T2 caps the retransmit
  // interval of non-INVITE requests and INVITE responses; T4 is how long a message may stay in the network.
  timers: object({
    t1: int({ min: 1, max: 60_000 }).default(500),
    t2: int({ min: 1, max: 600_000 }).default(4000),
    t4: int({ min: 1, max: 600_000 }).default(5000),
  }).check((t, where) => {
    if (t.t2 < t.t1) where.at('t2').report(`must not be less than t1 (${t.t1})`);
  }),
  idleConnectionSeconds: positiveInt().default(3700),
  maxConnectionsPerSource: positiveInt().default(32),
  // Issue 16, finding 5: what a stranger's TCP/TLS connection may hold.
  tcp: object({
    maxConnections: int({ min: 1, max: 1_000_000 }).default(10_000),
    idleSeconds: positiveInt().default(45),
    messageDeadlineSeconds: int({ min: 1, max: 600 }).default(30),
  }),
  maxMessageBytes: int({ min: 4096, max: 1_048_576 }).default(65535),
  /** Proxies in front of this node (a Kamailio edge) whose X-PBX-Source header names the real client. */
  trustedEdges: list(cidr(), { unique: { key: (c) => c, what: 'address' } }).default([]),
  /** Overload control and its memory bounds (issue 13 point 4). */
  overload: overloadSchema,
  /** Threads reading SIP over UDP: auto (one per core) or 1-64 (src/config/sip-threads-config.ts). */
  threads: sipThreadsSchema().default('auto'),
}).check((s, where) => {
  const tlsAt = s.listen.findIndex((l) => l.protocol === 'tls' || l.protocol === 'wss');
  if (tlsAt >= 0 && !s.tls) where.at('listen').at(tlsAt).report(`a ${s.listen[tlsAt].protocol}:// listener needs sip.tls.cert and sip.tls.key`);
  if (!s.publicAddress && isWildcardAddress(s.listen[0].host)) {
    where.at('listen').at(0).report('listens on every address, so sip.publicAddress must be set');
  }
});

const rtp = object({
  /** Defaults to sip.publicAddress. */
  address: fromEnv(host()).optional(),
  ports: fromEnv(portRange()).default('20000-29999'),
  /** 0 = one worker per core. */
  workers: fromEnv(int({ min: 0, max: 256 })).default(0),
});

const api = object({
  listen: fromEnv(hostPort()).default('127.0.0.1:8080'),
  /** Empty (as `${PBX_ADMIN_TOKEN:-}` gives when unset) means no token. */
  adminToken: fromEnv(str()).to((t) => (t === '' ? undefined : t)).optional(),
  /** The largest upload (a prompt, a music file) in MiB; JSON bodies stay at 1 MiB. */
  uploadLimitMB: int({ min: 1, max: 1024 }).default(20),
  /** HTTPS for the API and the console (console-config.ts). */
  tls: apiTlsSchema.optional(),
});

const security = object({
  trusted: list(cidr(), { unique: { key: (c) => c, what: 'address' } }).default([]),
  /** Requests/s from one source; 0 = off. */
  floodRate: int({ min: 0 }).default(300),
  floodBanSeconds: positiveInt().default(300),
  /** Messages/s over all untrusted sources before unknown ones are shed; 0 = off (issue 16 finding 9). */
  admissionRate: int({ min: 0 }).default(5000),
  authFailBan: object({
    attempts: positiveInt().default(10),
    windowSeconds: positiveInt().default(60),
    banSeconds: positiveInt().default(600),
  }),
  /** Tenant trunks may point at private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7). */
  tenantTrunkPrivateNetworks: bool().default(false),
  /** Networks tenant trunks may point at whatever their class (loopback, private...). */
  tenantTrunkAllowedNetworks: list(cidr(), { unique: { key: (c) => c, what: 'network' } }).default([]),
});

const registrar = object({
  minExpires: positiveInt().default(60),
  maxExpires: positiveInt().default(3600),
  defaultExpires: positiveInt().default(3600),
  maxContactsPerAor: positiveInt(1000).default(10),
  /** Registration changes are committed in batches this often; 0 = every change at once. */
  writeDelayMs: int({ min: 0, max: 10_000 }).default(500),
}).check((r, where) => {
  if (r.minExpires > r.maxExpires) where.at('minExpires').report(`must not exceed maxExpires (${r.maxExpires})`);
  else if (r.defaultExpires < r.minExpires) where.at('defaultExpires').report(`must not be less than minExpires (${r.minExpires})`);
  else if (r.defaultExpires > r.maxExpires) where.at('defaultExpires').report(`must not exceed maxExpires (${r.maxExpires})`);
});

const auth = object({
  // RFC 8760 §2.4: offer the algorithms strongest first, one challenge each.
  algorithms: list(oneOf(['SHA-256', 'MD5']), { min: 1, unique: { key: (a) => a, what: 'algorithm' } }).default(['MD5']),
  nonceTtlSeconds: positiveInt().default(300),
});

const log = object({
  level: oneOf(['debug', 'info', 'warn', 'error']).default('info'),
  /** text: `time LEVEL [scope] message key=value`; json: one JSON object per line (tenant and call ids as fields). */
  format: oneOf(['text', 'json']).default('text'),
});

const calls = object({
  /** An unanswered call is ended with 480 after this long. */
  noAnswerSeconds: positiveInt(3600).default(30),
  /** On SIGTERM, calls in progress may go on this long before they are hung up. */
  drainSeconds: int({ min: 0, max: 86_400 }).default(30),
  /** Concurrent calls of one extension (as caller or callee); a tenant may set less. */
  perExtension: positiveInt(1000).default(4),
  /** A call whose media stops flowing (and is not on hold) is hung up after this long. */
  rtpTimeoutSeconds: positiveInt(3600).default(60),
  /** RFC 4028 session interval asked for on both legs (at least 90). */
  sessionExpiresSeconds: int({ min: 90, max: 86_400 }).default(1800),
  /** Answered calls' records are checkpointed this often, so a crash loses at most this much billing. */
  checkpointSeconds: int({ min: 1, max: 300 }).default(2),
  /** A forwarded call is forwarded at most this many times (loops between forwards end there). */
  maxForwardHops: int({ min: 0, max: 10 }).default(3),
});

/** Scheduled online backups (`pbx backup` does the same by hand). */
const backup = object({
  /** Where the backup folders go; relative to pbx.yaml. */
  dir: fromEnv(filePath()),
  /** A backup every this many minutes while the server runs (the first one after one interval). */
  everyMinutes: positiveInt(7 * 24 * 60),
  /** How many backups are kept in dir; older ones are deleted. */
  keep: positiveInt(10_000).default(7),
});

/** Prompts and music on hold (issue 10). */
const media = object({
  /** The operator's prompt set, a folder (e.g. /usr/share/asterisk/sounds/en); absent: the built-in set alone. */
  prompts: fromEnv(filePath()).optional(),
  /** Call recordings: caller left and callee right, or both mixed into one channel. */
  recordingLayout: oneOf(['two-channel', 'mono']).optional(),
});

export const pbxSchema = object({
  // `${NAME}` is read from the environment only in the keys wrapped in fromEnv (listed in
  // config/pbx.yaml): secrets, addresses, ports, paths; never in names.
  dataDir: fromEnv(filePath()).default('../data'),
  tenantsDir: fromEnv(filePath()).default('tenants'),
  sip,
  rtp,
  api,
  security,
  registrar,
  auth,
  /** Provider trunks; `tenants:` says who may use each ('*' = every tenant). */
  trunks: trunkList(providerTrunkSchema()).default([]),
  /** Always routed, ahead of every outbound route and whatever the class of service. */
  emergencyNumbers: list(shortNumber(), { max: 20, unique: { key: (n) => n, what: 'number' } }).default(['911', '112']),
  calls,
  log,
  backup: backup.optional(),
  media: media.optional(),
  dns: dnsSchema.default({}),
  subscriptions: subscriptionsSchema.optional(),
  smtp: smtpSchema.optional(),
  /** Absent: CONSOLE_DEFAULTS (no provider accounts). */
  console: consoleSchema.optional(),
  tenantStores: tenantStoresSchema.default({}),
});

/**
 * Decodes pbx.yaml. `file` names the file in errors and anchors relative paths; `env`
 * fills `${NAME}`. Pure: reads nothing. Throws ConfigErrors listing every problem.
 */
export function parsePbxConfig(text: string, file: string, env: Env): PbxConfig {
  const raw = decodeYaml(pbxSchema, { text, file, env });
  const publicAddress = raw.sip.publicAddress ?? raw.sip.listen[0].host;
  const config: PbxConfig = {
    file: resolve(file),
    dataDir: raw.dataDir,
    tenantsDir: raw.tenantsDir,
    sip: { ...raw.sip, publicAddress },
    rtp: { address: raw.rtp.address ?? publicAddress, portMin: raw.rtp.ports.portMin, portMax: raw.rtp.ports.portMax, workers: raw.rtp.workers },
    api: { host: raw.api.listen.host, port: raw.api.listen.port, uploadLimitMB: raw.api.uploadLimitMB, ...(raw.api.adminToken !== undefined ? { adminToken: raw.api.adminToken } : {}), ...(raw.api.tls ? { tls: raw.api.tls } : {}) },
    security: raw.security,
    registrar: raw.registrar,
    auth: raw.auth,
    trunks: raw.trunks,
    emergencyNumbers: raw.emergencyNumbers,
    calls: raw.calls,
    log: raw.log,
    dns: raw.dns,
    tenantStores: raw.tenantStores,
  };
  if (raw.console !== undefined) config.console = raw.console;
  if (raw.subscriptions !== undefined) config.subscriptions = raw.subscriptions;
  if (raw.smtp !== undefined) config.smtp = raw.smtp;
  if (raw.backup !== undefined) config.backup = raw.backup;
  if (raw.media?.prompts !== undefined) config.media = { prompts: raw.media.prompts };
  if (raw.media?.recordingLayout !== undefined) config.media = { ...config.media, recordingLayout: raw.media.recordingLayout };
  return config;
}
