// Bench data for calls: the register bench's users (tenants tNNN, domains tNNN.bench, extensions
// from 1000, deterministic passwords), split in each tenant into callers (first half) and callees
// (second half); caller i of a tenant calls callee i of the same tenant. Everything both servers
// see (PBX YAML, Kamailio's subscriber table, SIPp injection files) comes from this one list.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeUsers, tenantYaml } from '../../lib/tenant-data.mjs';

/** @returns {{ users: object[], pairs: { caller: object, callee: object }[] }} pairs ordered tenant-interleaved */
export function makeCallData(tenants, pairsPerTenant) {
  const users = makeUsers(tenants, 2 * pairsPerTenant);
  const pairs = [];
  for (let i = 0; i < pairsPerTenant; i++) {
    for (let t = 0; t < tenants; t++) {
      const base = t * 2 * pairsPerTenant;
      pairs.push({ caller: users[base + i], callee: users[base + pairsPerTenant + i] });
    }
  }
  return { users, pairs };
}

const auth = (u) => `[authentication username=${u.ext} password=${u.password}]`;

/** Caller injection file: user;domain;password;auth;callee@domain[;extra...] (call-uac*.xml, relay-uac.xml). */
export function callersCsv(pairs, extra = () => []) {
  return 'SEQUENTIAL\n' + pairs.map((p, i) => [p.caller.ext, p.caller.domain, p.caller.password, auth(p.caller), `${p.callee.ext}@${p.callee.domain}`, ...extra(p, i)].join(';')).join('\n') + '\n';
}

/** Callee registration file for test/sipp/callee-register.xml: user;domain;password;auth;contact host:port;expires. */
export function calleesCsv(pairs, contact, expires = 3600) {
  return 'SEQUENTIAL\n' + pairs.map((p) => [p.callee.ext, p.callee.domain, p.callee.password, auth(p.callee), contact, expires].join(';')).join('\n') + '\n';
}

/**
 * The PBX config for calls: UDP on host:port, tenants with call limits far above the load, media
 * workers on `rtpWorkers` threads. Limits and RTP keys are the operator contract of DESIGN.md.
 */
export function writePbxCallConfig(dir, users, o) {
  mkdirSync(join(dir, 'tenants'), { recursive: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  const byTenant = new Map();
  for (const u of users) {
    if (!byTenant.has(u.tenant)) byTenant.set(u.tenant, []);
    byTenant.get(u.tenant).push(u);
  }
  for (const [tenant, list] of byTenant) {
    const yaml = tenantYaml(tenant, list).replace(/^(domains: .*)$/m, `$1\nlimits: { calls: ${o.tenantCalls ?? 100000} }`);
    writeFileSync(join(dir, 'tenants', `${tenant}.yaml`), yaml);
  }
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
      // 4 ports a call (RTP + RTCP on both legs): 2,000 calls/s of 1 s calls, plus the calls still
      // ending, need thousands; below Linux's ephemeral range (32768-) and rtpengine's 30000-39999
      `  ports: ${o.rtpPorts ?? '10000-29999'}`,
      `  workers: ${o.rtpWorkers ?? 1}`,
      'security:',
      '  trusted: [ "127.0.0.0/8" ]     # the load generator must not be throttled or banned',
      '  floodRate: 0',
      'auth: { algorithms: [ "MD5" ] }  # SIPp 3.6 does MD5 digest only',
      'calls: { perExtension: 1000 }    # the bench limits nothing per extension; tenants carry limits.calls',
      `log: { level: ${o.logLevel ?? 'warn'} }`,
      '',
    ].join('\n'),
  );
  return file;
}
