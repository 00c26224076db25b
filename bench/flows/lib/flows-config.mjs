// The PBX config of the call-flows bench: one tenant (t000, domain t000.bench) with an IP trunk
// "carrier" whose address is a loopback alias of its own (127.0.0.2 by default: SIPp binds it, so
// the server knows the calls as that trunk's and challenges nothing), two DIDs (one routed to the
// shared voicemail box 2000, one to the IVR menu "main") and limits far above the load. The box
// keeps up to 10,000 messages of up to 120 s; limits.storageMB is 10,000 (a 30 s message is
// about 480 kB as 16-bit WAV). YAML is written by hand: every value is a token made here.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TENANT = 't000';
export const DOMAIN = 't000.bench';
export const VM_BOX = '2000';
export const VM_DID = '+4930100200';
export const IVR_DID = '+4930100300';
export const CALIBRATION_BOX = '2099';
export const CALIBRATION_DID = '+4930100299';

/** @param {{ trunkHost: string, trunkPort: number }} o */
export function flowsTenantYaml(o) {
  return [
    `id: ${TENANT}`,
    'name: Call-flows bench',
    `domains: [ ${DOMAIN} ]`,
    'countryCode: "49"',
    'nationalPrefix: "0"',
    'limits: { calls: 100000, trunkCalls: 100000, callsPerSecond: 10000, storageMB: 10000 }',
    'extensions:',
    '  - { ext: "1000", password: "bench-1000-secret" }',
    'voicemailBoxes:',
    `  - { box: "${VM_BOX}", name: Bench, pin: "2580", maxMessages: 10000, maxSeconds: 120 }`,
    `  - { box: "${CALIBRATION_BOX}", name: Calibration, pin: "2580", maxMessages: 100, maxSeconds: 120 }`,
    'ivrs:',
    '  - { name: main, greeting: welcome, options: { "1": { extension: "1000" }, "2": hangup } }',
    `dids: [ "${VM_DID}", "${IVR_DID}", "${CALIBRATION_DID}" ]`,
    'trunks:',
    `  - { name: carrier, kind: ip, host: ${o.trunkHost}, port: ${o.trunkPort}, allowedSources: [ "${o.trunkHost}/32" ] }`,
    'inboundRoutes:',
    `  - { did: "${VM_DID}", destination: { voicemail: "${VM_BOX}" } }`,
    `  - { did: "${CALIBRATION_DID}", destination: { voicemail: "${CALIBRATION_BOX}" } }`,
    `  - { did: "${IVR_DID}", destination: { ivr: main } }`,
    '',
  ].join('\n');
}

/**
 * Writes <dir>/pbx.yaml, <dir>/tenants/t000.yaml and <dir>/data/; returns the pbx.yaml path.
 * @param {{ host: string, port: number, apiPort: number, adminToken: string, rtpWorkers: number, trunkHost: string, trunkPort: number, logLevel?: string }} o
 */
export function writeFlowsConfig(dir, o) {
  mkdirSync(join(dir, 'tenants'), { recursive: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'tenants', `${TENANT}.yaml`), flowsTenantYaml(o));
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
