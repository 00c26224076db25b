// Bench data: 100 tenants t000..t099 (domains tNNN.bench), extensions 1000..1099 each, one
// deterministic password per extension. Everything else (SIPp CSV, PBX YAML, Kamailio's
// subscriber table) is derived from this one list so both servers see the same users.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_TENANTS = 100;
export const DEFAULT_EXTS_PER_TENANT = 100;
export const FIRST_EXT = 1000;

/** Tenant id for index i: t000, t001, ... */
export function tenantId(i) {
  return 't' + String(i).padStart(3, '0');
}

/** Deterministic, 16 hex chars: same run after run, different for every tenant/extension. */
export function passwordFor(tenant, ext) {
  return createHash('sha256').update(`pbx-bench:${tenant}:${ext}`).digest('hex').slice(0, 16);
}

/** @returns {{ tenant: string, domain: string, ext: string, password: string }[]} tenant-major order */
export function makeUsers(tenants = DEFAULT_TENANTS, extsPerTenant = DEFAULT_EXTS_PER_TENANT) {
  const users = [];
  for (let t = 0; t < tenants; t++) {
    const tenant = tenantId(t);
    for (let e = 0; e < extsPerTenant; e++) {
      const ext = String(FIRST_EXT + e);
      users.push({ tenant, domain: `${tenant}.bench`, ext, password: passwordFor(tenant, ext) });
    }
  }
  return users;
}

/**
 * Order the users so that consecutive lines hit different tenants (ext-major): a SEQUENTIAL
 * CSV then spreads every second of load over all tenants instead of one tenant at a time.
 */
export function interleave(users) {
  return [...users].sort((a, b) => Number(a.ext) - Number(b.ext) || a.tenant.localeCompare(b.tenant));
}

/**
 * SIPp injection file: user;domain;password;auth (field0..field3). field3 repeats the first and
 * third as SIPp's `[authentication username=.. password=..]` keyword: SIPp 3.6 cannot nest
 * `[field0]` inside `[authentication ...]` (it cuts the keyword at the first `]`), but it does
 * expand a keyword that arrives through an injection field, as its manual shows.
 */
export function sippCsv(users, order = 'SEQUENTIAL') {
  const line = (u) => `${u.ext};${u.domain};${u.password};[authentication username=${u.ext} password=${u.password}]`;
  return order + '\n' + users.map(line).join('\n') + '\n';
}

/** Split users into n CSV slices (round robin) so parallel SIPp processes never share a user. */
export function splitUsers(users, n) {
  const parts = Array.from({ length: n }, () => []);
  users.forEach((u, i) => parts[i % n].push(u));
  return parts;
}

/** YAML needs no library here: every value is a plain token we generated ourselves. */
export function tenantYaml(tenant, users) {
  const n = tenant.slice(1);
  const lines = [
    `id: ${tenant}`,
    `name: Bench tenant ${n}`,
    `domains: [ ${tenant}.bench ]`,
    'extensions:',
    ...users.map((u) => `  - { ext: "${u.ext}", password: "${u.password}" }`),
  ];
  return lines.join('\n') + '\n';
}

export function pbxYaml({ host, port, logLevel = 'warn', sipExtra = [] }) {
  return [
    'dataDir: ./data',
    'tenantsDir: tenants',
    'sip:',
    `  listen: [ "udp://${host}:${port}" ]`,
    `  publicAddress: ${host}`,
    ...sipExtra.map((l) => `  ${l}`),
    'security:',
    '  trusted: [ "127.0.0.0/8" ]     # the load generator must not be throttled or banned',
    '  floodRate: 0',
    'auth: { algorithms: [ "MD5" ] }  # SIPp 3.6 does MD5 digest only',
    `log: { level: ${logLevel} }`,
    '',
  ].join('\n');
}

/** Writes <dir>/pbx.yaml, <dir>/tenants/tNNN.yaml, <dir>/data/. Returns the pbx.yaml path. */
export function writePbxConfig(dir, users, opts) {
  mkdirSync(join(dir, 'tenants'), { recursive: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  const byTenant = new Map();
  for (const u of users) {
    if (!byTenant.has(u.tenant)) byTenant.set(u.tenant, []);
    byTenant.get(u.tenant).push(u);
  }
  for (const [tenant, list] of byTenant) writeFileSync(join(dir, 'tenants', `${tenant}.yaml`), tenantYaml(tenant, list));
  const file = join(dir, 'pbx.yaml');
  writeFileSync(file, pbxYaml(opts));
  return file;
}
