// The tenant YAML and the admin API give the same verdict on every shared field: each
// case goes once through the YAML (parse + the spec check that apply runs) and once
// through the API's real routes (JSON Schema of the body + the handler), on real SQLite
// stores, and both must accept it, or both refuse it at the same path.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTenantConfig } from '../config/tenant-config.js';
import { applyTenant } from '../tenant/apply-tenant.js';
import { TenantStorePool } from '../store/store-pool.js';
import { SystemStore } from '../store/system-store.js';
import { validateTenantSpec } from '../tenant/tenant-spec.js';
import { ConfigErrors } from '../util/errors.js';
import { FakeClock } from '../util/fake-clock.js';
import { silentLogger } from '../util/logger.js';
import { ApiError, toJsonPointer, type Principal, type RouteDef } from './api-types.js';
import { runRoute } from './run-route.js';
import { tenantLookup, tenantResourceRoutes } from './routes/tenant-resources.js';
import { tenantRoutes } from './routes/tenants.js';
import { TenantLifecycle } from './tenant-lifecycle.js';

interface Case {
  /** 'tenant': a field of POST /tenants; 'extension': of POST /tenants/{id}/extensions; 'trunk': of PUT /tenants/{id}/trunks. */
  kind: 'tenant' | 'extension' | 'trunk' | 'routing' | 'voicemailPin';
  /** JSON pointer of the field in the API body, e.g. '/limits/calls'. */
  field: string;
  value: unknown;
  ok: boolean;
}

const NUL = '\u0000';
const C: Case[] = [];
const add = (kind: Case['kind'], field: string, ok: boolean, ...values: unknown[]) => {
  for (const value of values) C.push({ kind, field, value, ok });
};

// Tenant id, name, domains, limits.
add('tenant', '/id', true, 'acme', 'a', 'a1-b2', 'x'.repeat(63));
add('tenant', '/id', false, 'Acme', '-acme', 'x'.repeat(64), 'acme\n', 'a_b');
add('tenant', '/name', true, 'Acme Corp', 'Ünïcødé 日本', 'x'.repeat(200));
add('tenant', '/name', false, '', '   ', 'x'.repeat(201), `Acme${NUL}`, 'Acme\u001b[31m', 'Acme\u007f', 'Acme\u0085', 'Acme\u202Egpj.exe', 'A\u202Ab', 'A\u2066b\u2069', 'A\u200Eb', 'A\u200Fb');
add('tenant', '/domains/0', true, 'acme.example', 'ACME.Example', '192.0.2.7', 'a-b.example');
add('tenant', '/domains/0', false, 'acme..example', 'a_b.example', '-a.example', 'acme.example:5060', 'x'.repeat(254), '');
for (const k of ['calls', 'extensions', 'storageMB', 'registrations', 'callsPerSecond', 'callsPerExtension', 'trunkCalls', 'outboundMinutesPerDay']) {
  add('tenant', `/limits/${k}`, true, 0, 1, 1000);
  add('tenant', `/limits/${k}`, false, -1, 2.5, 2 ** 53 + 2, 1e308, '5');
}
add('tenant', '/limits/calls', true, 100_000);
add('tenant', '/limits/calls', false, 100_001);
add('tenant', '/limits/storageMB', true, 1_000_000_000);
add('tenant', '/limits/storageMB', false, 1_000_000_001);

// Extension number, name, password, callerId, classOfService, maxContacts.
add('extension', '/ext', true, '1001', '0100', '+1001', 'alice.b_c-d', 'x'.repeat(32));
add('extension', '/ext', false, 'x'.repeat(33), 'x'.repeat(64), 'bad:ext', '10 01', '-1', '.1', '', 'a@b');
add('extension', '/name', true, 'Alice', 'Zoë Ñ', 'x'.repeat(200));
add('extension', '/name', false, '', 'x'.repeat(201), `Al${NUL}ice`, 'Al\tice', 'Alice\u009b', 'Alice\u202E', 'Alice\u2067', 'Alice\u200F');
add('extension', '/password', true, '12345678', 'x'.repeat(256));
add('extension', '/password', false, 'short', '1234567', '', 'x'.repeat(257));
add('extension', '/callerId', true, '+14155550100', '+441234567890');
add('extension', '/callerId', false, '14155550100', '+123', '+0123456789', '+1415555010012345', 'anonymous');
add('extension', '/classOfService', true, 'internal', 'premium');
add('extension', '/classOfService', false, 'everything', '');
add('extension', '/maxContacts', true, 1, 1000);
add('extension', '/maxContacts', false, 0, 1001, 1.5);
add('extension', '/algorithms', true, ['MD5'], ['SHA-256', 'MD5']);
add('extension', '/algorithms', false, [], 'MD5');
add('extension', '/algorithms/0', false, 'SHA-1', 'md5');
add('routing', '/auth/algorithms', true, ['SHA-256'], ['MD5', 'SHA-256']);
add('routing', '/auth/algorithms', false, []);
add('routing', '/auth/algorithms/1', false, 'SHA-256', 'SHA-512');

// Trunk credentials, expiry, channels, codecs.
add('trunk', '/username', true, 'acme', 'x'.repeat(256));
add('trunk', '/username', false, '', 'a"b', 'a\\b', `a${NUL}b`, 'x'.repeat(257));
add('trunk', '/password', true, 'trunk-secret', 'p"w\\x');
add('trunk', '/password', false, '', 'pw\r\nVia: x', 'x'.repeat(257));
add('trunk', '/registerExpires', true, 60, 3600, 86_400);
add('trunk', '/registerExpires', false, 59, 1, 86_401, 2 ** 31 - 1, 1.5);
add('trunk', '/maxChannels', true, 1, 100_000);
add('trunk', '/maxChannels', false, 0, 100_001, 2 ** 53 + 2);
add('trunk', '/codecs/0', true, 'PCMU', 'opus');
add('trunk', '/codecs/0', false, 'G729', 'pcmu', '');
add('trunk', '/host', true, 'sip.carrier.example', '192.0.2.1', 'SIP.Carrier.Example');
add('trunk', '/host', false, '', 'sip..carrier', 'a_b.example', 'sip.carrier.example:5060', 'x'.repeat(254));
add('trunk', '/domain', true, 'carrier.example');
add('trunk', '/domain', false, 'carrier..example', '');
add('trunk', '/port', true, 1, 5060, 65535);
add('trunk', '/port', false, 0, 65536, 5060.5);
add('trunk', '/transport', true, 'tcp', 'tls');
add('trunk', '/transport', false, 'sctp', 'UDP');
add('trunk', '/allowedSources/0', true, '192.0.2.1', '192.0.2.0/24', '2001:db8::/32');
add('trunk', '/allowedSources/0', false, '192.0.2.0/33', 'x y', '');
add('trunk', '/kind', false, 'peer');
add('trunk', '/allowedSources/0', true, 'carrier.example');
add('trunk', '/host', true, 'carrier.example.', '1a.example');

// Numbering, ring groups and routes (PUT /tenants/{id}/routing against the YAML's keys).
add('routing', '/countryCode', true, '1', '44', '358');
add('routing', '/countryCode', true, ''); // '' says: none (every outside number counts as international)
add('routing', '/countryCode', false, '0', '+1', '1234', 'x', undefined); // not said, with trunks, DIDs and routes: required
add('routing', '/nationalPrefix', true, '0', '1', '');
add('routing', '/nationalPrefix', false, 'x', '12345');
add('routing', '/callerId', true, '+14155550100');
add('routing', '/callerId', false, '4155550100', '+1', 'anonymous');
add('routing', '/inboundCos', true, 'internal', 'national', 'international');
add('routing', '/inboundCos', false, 'everything', 'National', '');
add('routing', '/ringGroups/0/ringSeconds', true, 5, 20, 300);
add('routing', '/ringGroups/0/ringSeconds', false, 0, -1, 301, 3601, 2.5);
add('routing', '/ringGroups/0/strategy', true, 'sequential');
add('routing', '/ringGroups/0/strategy', false, 'random', '');
add('routing', '/ringGroups/0/name', true, 'support-2');
add('routing', '/ringGroups/0/name', false, 'Sales', 'a b', '', 'x'.repeat(64));
add('routing', '/outboundRoutes/0/strip', true, 0, 1);
add('routing', '/outboundRoutes/0/strip', false, -1, 21, 1.5);
add('routing', '/outboundRoutes/0/prepend', true, '', '+1', '9');
add('routing', '/outboundRoutes/0/prepend', false, 'abc', '1'.repeat(40));
add('routing', '/outboundRoutes/0/patterns/0', true, 'NXXNXXXXXX', '1NXXNXXXXXX', '9X.', '+X.');
add('routing', '/outboundRoutes/0/patterns/0', false, '', 'N[', 'abc', 'X'.repeat(100));
add('routing', '/inboundRoutes/0/did', true, '+14155550100', '*');
add('routing', '/inboundRoutes/0/did', false, '+14155550199', '14155550100', 'x');

// A voicemail PIN: the extension's `voicemail: { pin }` in the YAML, PUT .../voicemail/boxes/{box}/pin in the API.
add('voicemailPin', '/pin', true, '1234', '0000', '9'.repeat(16));
add('voicemailPin', '/pin', false, '12ab', 'abcd', '123', '9'.repeat(17), '', ' 1234', '12 34', '١٢٣٤');

/** A body with `value` set at the pointer (one to three levels). */
function withField(base: unknown, pointer: string, value: unknown): any {
  if (pointer === '') return value;
  const [head, ...rest] = pointer.slice(1).split('/') as [string, ...string[]];
  const tail = rest.length === 0 ? '' : '/' + rest.join('/');
  if (Array.isArray(base)) return base.map((x, i) => (i === Number(head) ? withField(x, tail, value) : x));
  const obj = base as Record<string, unknown>;
  return { ...obj, [head]: withField(obj[head], tail, value) };
}

/** JSON is YAML; non-ASCII and control characters are written as \u escapes so the YAML reads them exactly. */
function asYaml(v: unknown): string {
  return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The paths (JSON pointers) the YAML refuses, [] when it is accepted. */
function yamlVerdict(doc: Record<string, unknown>): string[] {
  const id = typeof doc['id'] === 'string' && /^[a-z0-9-]+$/.test(doc['id']) ? doc['id'] : 'acme';
  try {
    const cfg = parseTenantConfig(asYaml(doc), `/etc/pbx/tenants/${id}.yaml`, {});
    validateTenantSpec(cfg);
    return [];
  } catch (e) {
    if (e instanceof ConfigErrors) return e.errors.map((x) => toJsonPointer(x.problem.split(': ')[0]!));
    if (e instanceof Error && 'problems' in e) return (e as { problems: Array<{ path: string }> }).problems.map((p) => toJsonPointer(p.path));
    throw e;
  }
}

let dir = '';
let system: SystemStore;
let pool: TenantStorePool;
let createTenant: RouteDef;
let createExtension: RouteDef;
let putTrunks: RouteDef;
let putRouting: RouteDef;
let putPin: RouteDef;
const TRUNK = { name: 'carrier', kind: 'register', host: 'sip.carrier.example', username: 'acme', password: 'trunk-secret', codecs: ['PCMA'] } as const;
/** A routing document; the YAML writes a destination as { ringGroup: name }, the API as { type, name }. */
const routing = (yaml: boolean) => ({
  countryCode: '1',
  auth: { algorithms: ['SHA-256', 'MD5'] },
  nationalPrefix: '1',
  ringGroups: [{ name: 'sales', strategy: 'simultaneous', members: ['1009'], ringSeconds: 20 }],
  inboundRoutes: [{ did: '+14155550100', destination: yaml ? { ringGroup: 'sales' } : { type: 'ringGroup', name: 'sales' } }],
  outboundRoutes: [{ name: 'local', patterns: ['NXXNXXXXXX'], prepend: '+1', trunks: ['carrier'] }],
});
const provider: Principal = { role: 'provider', tokenId: 'admin' };

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-field-parity-'));
  const clock = new FakeClock(1_700_000_000_000);
  system = SystemStore.open(dir, { clock });
  pool = new TenantStorePool({ dataDir: dir, clock, bindingWriteDelayMs: 0 });
  applyTenant(
    { system, dataDir: dir },
    { id: 'home', name: 'Home', domains: ['home.example'], limits: {}, extensions: [{ ext: '1009', name: 'Ivy', password: 'ivy-secret' }], countryCode: '1', dids: ['+14155550100'], trunks: [TRUNK] },
  );
  const lifecycle = new TenantLifecycle({ system, dataDir: dir, clock, logger: silentLogger, stores: pool, onChange: () => {} });
  createTenant = tenantRoutes({ lifecycle }).find((r) => r.method === 'POST' && r.path === '/tenants')!;
  const resources = tenantResourceRoutes({
    tenant: tenantLookup(system, pool),
    tenants: () => system.listTenants(),
    dataDir: dir,
    clock,
    calls: { listCalls: () => [], hangup: () => false },
    providerTrunks: () => [],
    onTenantChanged: () => {},
  });
  createExtension = resources.find((r) => r.method === 'POST' && r.path === '/tenants/{tenantId}/extensions')!;
  putTrunks = resources.find((r) => r.method === 'PUT' && r.path === '/tenants/{tenantId}/trunks')!;
  putRouting = resources.find((r) => r.method === 'PUT' && r.path === '/tenants/{tenantId}/routing')!;
  putPin = resources.find((r) => r.method === 'PUT' && r.path === '/tenants/{tenantId}/voicemail/boxes/{box}/pin')!;
});
test.after.each(() => {
  pool.closeAll();
  system.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The paths the API refuses (422 details), [] when it is accepted. */
async function apiVerdict(route: RouteDef, params: Record<string, string>, body: unknown): Promise<string[]> {
  try {
    // As it comes off the wire: a key set to undefined is absent.
    await runRoute(route, provider, params, {}, () => JSON.parse(JSON.stringify(body)));
    return [];
  } catch (e) {
    if (e instanceof ApiError && e.status === 422) return (e.details as Array<{ path: string }>).map((d) => d.path);
    throw e;
  }
}

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 20)}...(${v.length})` : v) : String(v));

for (const c of C) {
  test(`${c.kind} ${c.field} = ${show(c.value)}: ${c.ok ? 'accepted' : 'refused'} by the YAML and the API alike`, async () => {
    let yaml: string[];
    let api: string[];
    if (c.kind === 'tenant') {
      const body = withField({ id: 'acme', name: 'Acme', domains: ['acme.example'], limits: {} }, c.field, c.value);
      yaml = yamlVerdict({ ...body, extensions: [] });
      api = await apiVerdict(createTenant, {}, body);
    } else if (c.kind === 'routing') {
      // The ring group's name is named by the inbound route too: rename it there as well.
      const rename = (doc: any, yamlForm: boolean) =>
        c.field === '/ringGroups/0/name' ? withField(doc, yamlForm ? '/inboundRoutes/0/destination/ringGroup' : '/inboundRoutes/0/destination/name', c.value) : doc;
      const ext = { ext: '1009', name: 'Ivy', password: 'ivy-secret' };
      yaml = yamlVerdict({ id: 'acme', domains: ['acme.example'], extensions: [ext], dids: ['+14155550100'], trunks: [TRUNK], ...rename(withField(routing(true), c.field, c.value), true) });
      api = await apiVerdict(putRouting, { tenantId: 'home' }, rename(withField(routing(false), c.field, c.value), false));
    } else if (c.kind === 'voicemailPin') {
      const ext = { ext: '1009', name: 'Ivy', password: 'ivy-secret', voicemail: { pin: c.value } };
      yaml = yamlVerdict({ id: 'acme', domains: ['acme.example'], extensions: [ext] }).map((p) => p.replace(/^\/extensions\/0\/voicemail/, ''));
      api = await apiVerdict(putPin, { tenantId: 'home', box: '1009' }, { pin: c.value });
    } else if (c.kind === 'trunk') {
      const trunk = withField({ ...TRUNK, allowedSources: ['192.0.2.1'] }, c.field, c.value);
      yaml = yamlVerdict({ id: 'acme', domains: ['acme.example'], countryCode: '1', trunks: [trunk] }).map((p) => p.replace(/^\/trunks\/0/, ''));
      api = (await apiVerdict(putTrunks, { tenantId: 'home' }, { trunks: [trunk] })).map((p) => p.replace(/^\/trunks\/0/, ''));
    } else {
      const ext = withField({ ext: '1001', name: 'Alice', password: 'alice-secret', ...(c.field.startsWith('/algorithms/') ? { algorithms: ['SHA-256', 'MD5'] } : {}) }, c.field, c.value);
      yaml = yamlVerdict({ id: 'acme', name: 'Acme', domains: ['acme.example'], limits: {}, ...(c.field === '/callerId' ? { countryCode: '1' } : {}), extensions: [ext] }).map((p) =>
        p.replace(/^\/extensions\/0/, ''),
      );
      api = await apiVerdict(createExtension, { tenantId: 'home' }, ext);
    }
    // Refused: at the field (a ring group's bad name is also reported where a route names it).
    const verdict = (paths: string[]) => (c.ok ? paths : paths.filter((p) => p === c.field || !p.startsWith('/inboundRoutes/0/destination')));
    assert.equal([...new Set(verdict(yaml))], c.ok ? [] : [c.field], `YAML verdict on ${show(c.value)}: ${yaml.join(', ')}`);
    assert.equal([...new Set(verdict(api))], c.ok ? [] : [c.field], `API verdict on ${show(c.value)}: ${api.join(', ')}`);
  });
}

test.run();
