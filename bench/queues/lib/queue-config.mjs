// The PBX config of the queue bench: one tenant (t000, domain t000.bench) with an IP trunk
// "carrier" on a loopback alias of its own (127.0.0.2 by default: SIPp binds it, so the server
// knows the callers as that trunk's and challenges nothing), one DID routed to { queue: support },
// and the queue: the agent extensions as static members, maxWaitSeconds, overflow to hangup.
// Limits far above the load. YAML is written by hand: every value is a token made here.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TENANT = 't000';
export const DOMAIN = 't000.bench';
export const QUEUE = 'support';
export const QUEUE_DID = '+4930100600';
export const FIRST_AGENT = 2001;

/** The agent extensions: ext, password, the credentials keyword SIPp's callee-register.xml wants. */
export function agentList(n) {
  return Array.from({ length: n }, (_, i) => {
    const ext = String(FIRST_AGENT + i);
    return { ext, domain: DOMAIN, password: `bench-agent-${ext}-secret` };
  });
}

/** test/sipp/callee-register.xml injection file: user;domain;password;auth;contact host:port;expires. */
export function agentsCsv(agents, contact, expires = 3600) {
  return 'SEQUENTIAL\n' + agents.map((a) => [a.ext, a.domain, a.password, `[authentication username=${a.ext} password=${a.password}]`, contact, expires].join(';')).join('\n') + '\n';
}

/** bench/queues/caller-uac.xml injection file: did;caller number, one line per call. */
export function callersCsv(n) {
  const lines = ['SEQUENTIAL'];
  for (let i = 0; i < n; i++) lines.push(`${QUEUE_DID};+4917${String(1_000_000 + i).padStart(8, '0')}`);
  return lines.join('\n') + '\n';
}

/**
 * @param {{ trunkHost: string, trunkPort: number, agents: { ext: string, password: string }[], maxWaitSeconds: number,
 *   strategy: string, ringSeconds: number }} o
 */
export function queueTenantYaml(o) {
  return [
    `id: ${TENANT}`,
    'name: Queue bench',
    `domains: [ ${DOMAIN} ]`,
    'countryCode: "49"',
    'nationalPrefix: "0"',
    'limits: { calls: 100000, trunkCalls: 100000, callsPerSecond: 10000, storageMB: 100 }',
    'extensions:',
    ...o.agents.map((a) => `  - { ext: "${a.ext}", password: "${a.password}" }`),
    'queues:',
    `  - name: ${QUEUE}`,
    `    strategy: ${o.strategy}`,
    `    members: [ ${o.agents.map((a) => `"${a.ext}"`).join(', ')} ]`,
    `    ringSeconds: ${o.ringSeconds}`,
    '    wrapUpSeconds: 0',
    `    maxWaitSeconds: ${o.maxWaitSeconds}`,
    '    maxLength: 0',
    '    joinEmpty: true',
    '    overflow: hangup',
    `dids: [ "${QUEUE_DID}" ]`,
    'trunks:',
    `  - { name: carrier, kind: ip, host: ${o.trunkHost}, port: ${o.trunkPort}, allowedSources: [ "${o.trunkHost}/32" ] }`,
    'inboundRoutes:',
    `  - { did: "${QUEUE_DID}", destination: { queue: ${QUEUE} } }`,
    '',
  ].join('\n');
}

/**
 * Writes <dir>/pbx.yaml, <dir>/tenants/t000.yaml and <dir>/data/; returns the pbx.yaml path.
 * @param {{ host: string, port: number, apiPort: number, adminToken: string, rtpWorkers: number, logLevel?: string } & Parameters<typeof queueTenantYaml>[0]} o
 */
export function writeQueueConfig(dir, o) {
  mkdirSync(join(dir, 'tenants'), { recursive: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'tenants', `${TENANT}.yaml`), queueTenantYaml(o));
  const file = join(dir, 'pbx.yaml');
  writeFileSync(
    file,
    [
      'dataDir: ./data',
      'tenantsDir: tenants',
      'sip:',
      `  listen: [ "udp://${o.host}:${o.port}" ]`,
      `  publicAddress: ${o.host}`,
      'rtp:',
      `  address: ${o.host}`,
      '  ports: 10000-29999',
      `  workers: ${o.rtpWorkers}`,
      'api:',
      `  listen: "127.0.0.1:${o.apiPort}"`,
      `  adminToken: "${o.adminToken}"`,
      'security:',
      '  trusted: [ "127.0.0.0/8" ]     # the load generator must not be throttled or banned',
      '  floodRate: 0',
      `  tenantTrunkAllowedNetworks: [ "${o.trunkHost}/32" ]   # the carrier is on loopback`,
      'calls: { perExtension: 1000 }',
      `log: { level: ${o.logLevel ?? 'warn'} }`,
      '',
    ].join('\n'),
  );
  return file;
}
