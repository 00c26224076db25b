#!/usr/bin/env node
// Writes a PBX config with N tenant files for the many-tenants benchmark (bench/tenants/run.mjs):
// <dir>/pbx.yaml, <dir>/tenants/tNNNNN.yaml (one domain, a few extensions, one DID; every
// trunkEvery-th tenant also an ip trunk and an outbound route) and an empty <dir>/data.
//
//   node bench/tenants/make.mjs --dir DIR [--tenants 10000] [--exts 3] [--trunk-every 10]
//                               [--sip-port 5070] [--api-port 8090]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

export const ADMIN_TOKEN = 'bench-tenants-admin-token-0123456789abcdef';

/** The id of the i-th tenant: t00000, t00001, ... */
export function tenantId(i) {
  return `t${String(i).padStart(5, '0')}`;
}

/** One tenant file's text; `extra` extensions are added after the first `exts` (for a reload that changes it). */
export function tenantYaml(i, { exts = 3, trunkEvery = 10, extra = 0 } = {}) {
  const id = tenantId(i);
  const lines = [`id: ${id}`, `name: Bench tenant ${i}`, `domains: [ ${id}.bench ]`, 'countryCode: "1"', `limits: { calls: 10, extensions: 100, storageMB: 100 }`, 'extensions:'];
  for (let e = 0; e < exts + extra; e++) lines.push(`  - { ext: "${1001 + e}", name: User ${e}, password: "${id}-${1001 + e}-secret-pw" }`);
  // +1 555 01xx xxxx: one DID each, unique over 10^6 tenants.
  lines.push(`dids: [ "+1555${String(1_000_000 + i).slice(1)}0" ]`);
  if (trunkEvery > 0 && i % trunkEvery === 0) {
    const host = `203.0.113.${1 + (i % 250)}`;
    lines.push('trunks:', `  - { name: carrier, kind: ip, host: ${host}, allowedSources: [ "${host}/32" ] }`);
    lines.push('outboundRoutes:', '  - { name: out, patterns: [ "9." ], strip: 1, trunks: [ carrier ] }');
  }
  return lines.join('\n') + '\n';
}

export function pbxYaml({ sipPort, apiPort, idleSeconds, maxOpen }) {
  return [
    'dataDir: data',
    'tenantsDir: tenants',
    'sip:',
    `  listen: [ "udp://127.0.0.1:${sipPort}" ]`,
    '  publicAddress: 127.0.0.1',
    'rtp:',
    '  address: 127.0.0.1',
    '  ports: 40000-40999',
    '  workers: 1',
    'api:',
    `  listen: 127.0.0.1:${apiPort}`,
    `  adminToken: ${ADMIN_TOKEN}`,
    'security:',
    '  trusted: [ "127.0.0.0/8" ]',
    '  floodRate: 0',
    ...(idleSeconds !== undefined || maxOpen !== undefined
      ? ['tenantStores:', ...(idleSeconds !== undefined ? [`  idleSeconds: ${idleSeconds}`] : []), ...(maxOpen !== undefined ? [`  maxOpen: ${maxOpen}`] : [])]
      : []),
    'log:',
    '  level: info',
    '',
  ].join('\n');
}

/** Writes the whole set; returns the paths. */
export function makeTenants(dir, { tenants = 10_000, exts = 3, trunkEvery = 10, sipPort = 5070, apiPort = 8090, idleSeconds, maxOpen } = {}) {
  const tenantsDir = join(dir, 'tenants');
  mkdirSync(tenantsDir, { recursive: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  for (let i = 0; i < tenants; i++) writeFileSync(join(tenantsDir, `${tenantId(i)}.yaml`), tenantYaml(i, { exts, trunkEvery }));
  const config = join(dir, 'pbx.yaml');
  writeFileSync(config, pbxYaml({ sipPort, apiPort, idleSeconds, maxOpen }));
  return { config, tenantsDir, dataDir: join(dir, 'data') };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      tenants: { type: 'string', default: '10000' },
      exts: { type: 'string', default: '3' },
      'trunk-every': { type: 'string', default: '10' },
      'sip-port': { type: 'string', default: '5070' },
      'api-port': { type: 'string', default: '8090' },
    },
  });
  if (!values.dir) {
    process.stderr.write('usage: node bench/tenants/make.mjs --dir DIR [--tenants N] [--exts N] [--trunk-every K] [--sip-port P] [--api-port P]\n');
    process.exit(2);
  }
  const out = makeTenants(resolve(values.dir), {
    tenants: Number(values.tenants),
    exts: Number(values.exts),
    trunkEvery: Number(values['trunk-every']),
    sipPort: Number(values['sip-port']),
    apiPort: Number(values['api-port']),
  });
  process.stdout.write(`${out.config}\n`);
}
