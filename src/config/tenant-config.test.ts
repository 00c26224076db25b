import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROMPT_NAME_RE } from '../media/prompts/prompt-path.js';
import { FIELDS } from '../model/field-rules.js';
import { ConfigErrors } from '../util/errors.js';
import { OutboundAddressPolicy } from '../util/outbound-address-policy.js';
import { parseTenantConfig, tenantIdOfFile } from './tenant-config.js';
import type { TenantConfig } from './types.js';

const FILE = '/etc/pbx/tenants/acme.yaml';

/** What a tenant with no trunks, DIDs or routes gets. */
const EMPTY_ROUTING = { countryCode: '', nationalPrefix: '0', dids: [], trunks: [], ringGroups: [], inboundRoutes: [], outboundRoutes: [] };

function problems(text: string, file = FILE, env: Record<string, string> = {}): string[] {
  try {
    parseTenantConfig(text, file, env);
  } catch (err) {
    assert.instance(err, ConfigErrors);
    return (err as ConfigErrors).errors.map((e) => e.message);
  }
  assert.unreachable('no ConfigErrors thrown');
  return [];
}

test('a minimal tenant: name defaults to id, no limits, no extensions', () => {
  const expected: TenantConfig = {
    file: FILE,
    id: 'acme',
    name: 'acme',
    domains: ['acme.example'],
    limits: {},
    extensions: [],
    countryCode: '',
    nationalPrefix: '0',
    dids: [],
    trunks: [],
    ringGroups: [],
    inboundRoutes: [],
    outboundRoutes: [],
  };
  assert.equal(parseTenantConfig('id: acme\ndomains: [ acme.example ]\n', FILE, {}), expected);
});

test('a full tenant: limits, extensions with defaults, numbers as extensions, domains lowercased', () => {
  const text = `
id: acme
name: Acme Corp
domains: [ Acme.Example, sip.acme.example, 192.0.2.1, "::1" ]
limits: { calls: 10, extensions: 100, storageMB: 500, registrations: 200, callsPerSecond: 5 }
extensions:
  - { ext: 1001, name: Alice, password: "alice-1001-secret" }
  - ext: "1002"
    password: \${BOB_PW}
    enabled: false
    maxContacts: 2
  - { ext: 0100, password: "operator-pw" }
  - { ext: "*99+x_1.a-b", password: "feature-code" }
`;
  const expected: TenantConfig = {
    ...EMPTY_ROUTING,
    file: FILE,
    id: 'acme',
    name: 'Acme Corp',
    domains: ['acme.example', 'sip.acme.example', '192.0.2.1', '[::1]'],
    limits: { calls: 10, extensions: 100, storageMB: 500, registrations: 200, callsPerSecond: 5 },
    extensions: [
      { ext: '1001', name: 'Alice', password: 'alice-1001-secret', enabled: true, classOfService: 'national' },
      { ext: '1002', name: '1002', password: 'bob-secret-pw', enabled: false, maxContacts: 2, classOfService: 'national' },
      { ext: '0100', name: '0100', password: 'operator-pw', enabled: true, classOfService: 'national' },
      { ext: '*99+x_1.a-b', name: '*99+x_1.a-b', password: 'feature-code', enabled: true, classOfService: 'national' },
    ],
  };
  // '*' is not an extension character: the last entry is refused; the rest is checked without it.
  assert.equal(problems(text, FILE, { BOB_PW: 'bob-secret-pw' }), [
    "/etc/pbx/tenants/acme.yaml:13:12: extensions[3].ext: must be an extension number: 1-32 characters of 0-9 A-Z a-z + . _ -, starting with a letter, digit or +",
  ]);
  assert.equal(parseTenantConfig(text.replace('*99', '99'), FILE, { BOB_PW: 'bob-secret-pw' }), {
    ...expected,
    extensions: expected.extensions.map((e) => (e.ext.startsWith('*') ? { ...e, ext: '99+x_1.a-b', name: '99+x_1.a-b' } : e)),
  });
});

test('id must match the file name, with .yaml or .yml', () => {
  assert.equal(problems('id: acme\ndomains: [ a.example ]\n', 'tenants/globex.yaml'), [
    "tenants/globex.yaml:1:5: id: 'acme' does not match the file name globex.yaml (expected 'globex')",
  ]);
  assert.is(parseTenantConfig('id: globex\ndomains: [ a.example ]\n', 'tenants/globex.yml', {}).id, 'globex');
  assert.is(tenantIdOfFile('/x/y/acme-2.YAML'), 'acme-2');
});

test('id must be a tenant id', () => {
  assert.equal(problems('id: Acme\ndomains: [ a.example ]\n', 'tenants/Acme.yaml'), [
    "tenants/Acme.yaml:1:5: id: 'Acme' is not a tenant id: 1-63 lowercase letters, digits and '-', not starting with '-'",
  ]);
  assert.equal(problems('id: -x\ndomains: [ a.example ]\n', 'tenants/-x.yaml')[0].endsWith("'-x' is not a tenant id: 1-63 lowercase letters, digits and '-', not starting with '-'"), true);
  const long = 'a'.repeat(64);
  assert.equal(problems(`id: ${long}\ndomains: [ a.example ]\n`, `tenants/${long}.yaml`).length, 1);
  assert.is(parseTenantConfig(`id: ${long.slice(1)}\ndomains: [ a.example ]\n`, `${long.slice(1)}.yaml`, {}).id, long.slice(1));
});

test('required keys: id and domains', () => {
  assert.equal(problems(''), ['/etc/pbx/tenants/acme.yaml:1:1: id: required key is missing', '/etc/pbx/tenants/acme.yaml:1:1: domains: required key is missing']);
  assert.equal(problems('name: Acme\n'), ['/etc/pbx/tenants/acme.yaml:1:1: id: required key is missing', '/etc/pbx/tenants/acme.yaml:1:1: domains: required key is missing']);
});

test('domains: non-empty, valid, unique after lowercasing', () => {
  assert.equal(problems('id: acme\ndomains: []\n'), ['/etc/pbx/tenants/acme.yaml:2:10: domains: must not be empty']);
  const text = ['id: acme', 'domains:', '  - acme.example', '  - ACME.example', '  - acme_example', '  - "acme.example:5060"', '  - "[::1]"'].join('\n');
  assert.equal(problems(text), [
    "/etc/pbx/tenants/acme.yaml:4:5: domains[1]: duplicate domain 'acme.example' (first at line 3)",
    "/etc/pbx/tenants/acme.yaml:5:5: domains[2]: 'acme_example' is not a domain name or IP address",
    "/etc/pbx/tenants/acme.yaml:6:5: domains[3]: 'acme.example:5060' is not a domain name or IP address",
  ]);
  assert.equal(problems('id: acme\ndomains: acme.example\n'), ["/etc/pbx/tenants/acme.yaml:2:10: domains: expected a list, got 'acme.example'"]);
});

test('limits: whole numbers from 0 to their maximum, known keys', () => {
  const text = 'id: acme\ndomains: [ a.example ]\nlimits:\n  calls: -1\n  storageMb: 5\n  extensions: 2.5\n';
  assert.equal(problems(text), [
    '/etc/pbx/tenants/acme.yaml:4:10: limits.calls: must be a whole number from 0 to 100000',
    "/etc/pbx/tenants/acme.yaml:5:3: limits.storageMb: unknown key (did you mean 'storageMB'?)",
    '/etc/pbx/tenants/acme.yaml:6:15: limits.extensions: expected an integer, got 2.5',
  ]);
});

test('duplicate extension numbers are reported at the repeat, string and number alike', () => {
  const text = ['id: acme', 'domains: [ a.example ]', 'extensions:', '  - { ext: 1001, password: "first-secret" }', '  - { ext: "1002", password: "second-secret" }', '  - ext: "1001"', '    password: third-secret'].join('\n');
  assert.equal(problems(text), ["/etc/pbx/tenants/acme.yaml:6:10: extensions[2].ext: duplicate extension '1001' (first at line 4)"]);
});

test('passwords: required, a string, at least 8 characters', () => {
  const text = [
    'id: acme',
    'domains: [ a.example ]',
    'extensions:',
    '  - { ext: "1001", password: short }',
    '  - { ext: "1002", password: 12345678 }',
    '  - { ext: "1003" }',
    '  - ext: "1004"',
    '    password:',
  ].join('\n');
  assert.equal(problems(text), [
    '/etc/pbx/tenants/acme.yaml:4:30: extensions[0].password: must be a password of 8-256 characters',
    '/etc/pbx/tenants/acme.yaml:5:30: extensions[1].password: expected a string, got 12345678 (put it in quotes)',
    '/etc/pbx/tenants/acme.yaml:6:5: extensions[2].password: a password is required (or ha1: { realm, md5, sha256 } as pbx tenant export writes)',
    '/etc/pbx/tenants/acme.yaml:8:14: extensions[3].password: a password is required (or ha1: { realm, md5, sha256 } as pbx tenant export writes)',
  ]);
});

test('extension fields: bad ext, enabled not a boolean, unknown key, maxContacts', () => {
  const text = [
    'id: acme',
    'domains: [ a.example ]',
    'extensions:',
    '  - { ext: "10 01", password: "long-enough" }',
    '  - { ext: "", password: "long-enough" }',
    '  - { ext: "1003", password: "long-enough", enabled: "no" }',
    '  - { ext: "1004", password: "long-enough", pasword: "x" }',
    '  - { ext: "1005", password: "long-enough", maxContacts: 0 }',
    `  - { ext: "${'9'.repeat(33)}", password: "long-enough" }`,
  ].join('\n');
  assert.equal(problems(text), [
    "/etc/pbx/tenants/acme.yaml:4:12: extensions[0].ext: must be an extension number: 1-32 characters of 0-9 A-Z a-z + . _ -, starting with a letter, digit or +",
    "/etc/pbx/tenants/acme.yaml:5:12: extensions[1].ext: must be an extension number: 1-32 characters of 0-9 A-Z a-z + . _ -, starting with a letter, digit or +",
    "/etc/pbx/tenants/acme.yaml:6:54: extensions[2].enabled: expected true or false, got 'no'",
    "/etc/pbx/tenants/acme.yaml:7:45: extensions[3].pasword: unknown key (did you mean 'password'?)",
    '/etc/pbx/tenants/acme.yaml:8:58: extensions[4].maxContacts: must be a whole number from 1 to 1000',
    '/etc/pbx/tenants/acme.yaml:9:12: extensions[5].ext: must be an extension number: 1-32 characters of 0-9 A-Z a-z + . _ -, starting with a letter, digit or +',
  ]);
});

test('auth.algorithms per tenant and algorithms per extension: parsed in order, checked with file:line:col', () => {
  const ok = parseTenantConfig(
    ['id: acme', 'domains: [ a.example ]', 'auth: { algorithms: [ SHA-256, MD5 ] }', 'extensions:', '  - { ext: "1001", password: "long-enough", algorithms: [ MD5 ] }', '  - { ext: "1002", password: "long-enough" }'].join('\n'),
    FILE,
    {},
  );
  assert.equal(ok.auth, { algorithms: ['SHA-256', 'MD5'] });
  assert.equal(ok.extensions[0]!.algorithms, ['MD5']);
  assert.is(ok.extensions[1]!.algorithms, undefined);
  assert.is(parseTenantConfig('id: acme\ndomains: [ a.example ]\n', FILE, {}).auth, undefined, 'absent: the server default applies');
  const text = [
    'id: acme',
    'domains: [ a.example ]',
    'auth: { algorithms: [ SHA-512, MD5, MD5 ] }',
    'extensions:',
    '  - { ext: "1001", password: "long-enough", algorithms: [] }',
    '  - { ext: "1002", password: "long-enough", algorithms: MD5 }',
  ].join('\n');
  const got = problems(text);
  assert.is(got.length, 4, got.join('\n'));
  assert.match(got[0]!, /^\/etc\/pbx\/tenants\/acme\.yaml:3:\d+: auth\.algorithms\[0\]: expected one of SHA-256, MD5, got 'SHA-512'$/);
  assert.match(got[1]!, /^\/etc\/pbx\/tenants\/acme\.yaml:3:\d+: auth\.algorithms\[2\]: duplicate algorithm 'MD5'/);
  assert.match(got[2]!, /^\/etc\/pbx\/tenants\/acme\.yaml:5:\d+: extensions\[0\]\.algorithms: must not be empty$/);
  assert.match(got[3]!, /^\/etc\/pbx\/tenants\/acme\.yaml:6:\d+: extensions\[1\]\.algorithms: /);
  assert.throws(() => parseTenantConfig('id: acme\ndomains: [ a.example ]\nauth: { algorithm: [ MD5 ] }\n', FILE, {}), /auth\.algorithm: unknown key/);
});

test('recording: tenant-level and per extension, checked with the shared rule at file:line:col', () => {
  const ok = parseTenantConfig(
    ['id: acme', 'domains: [ a.example ]', 'recording: on-demand', 'extensions:', '  - { ext: "1001", password: "long-enough", recording: always }', '  - { ext: "1002", password: "long-enough" }'].join('\n'),
    FILE,
    {},
  );
  assert.is(ok.recording, 'on-demand');
  assert.equal(ok.extensions.map((e) => e.recording), ['always', undefined]);
  assert.is(parseTenantConfig('id: acme\ndomains: [ a.example ]\n', FILE, {}).recording, undefined, 'absent: never');
  assert.equal(parseTenantConfig('id: acme\ndomains: [ a.example ]\nfeatureCodes: { recordToggle: "#77" }\n', FILE, {}).featureCodes, { recordToggle: '#77' });
  for (const bad of ['1', '*', '*1a', '**********', '" *1"']) {
    assert.throws(() => parseTenantConfig(`id: acme\ndomains: [ a.example ]\nfeatureCodes: { recordToggle: ${JSON.stringify(bad)} }\n`, FILE, {}), /:3:\d+: featureCodes\.recordToggle: must be a feature code/, bad);
  }
  const got = problems(['id: acme', 'domains: [ a.example ]', 'recording: sometimes', 'extensions:', '  - { ext: "1001", password: "long-enough", recording: yes }'].join('\n'));
  assert.is(got.length, 2, got.join('\n'));
  assert.match(got[0]!, /^\/etc\/pbx\/tenants\/acme\.yaml:3:12: recording: expected one of never, always, on-demand, got 'sometimes'$/);
  assert.match(got[1]!, /^\/etc\/pbx\/tenants\/acme\.yaml:5:\d+: extensions\[0\]\.recording: expected one of never, always, on-demand/);
});

test('moh.class: a class name (the prompt-name rule, shared with media/prompts), at file:line:col', () => {
  assert.equal(parseTenantConfig('id: acme\ndomains: [ a.example ]\nmoh: { class: jazz }\n', FILE, {}).moh, { class: 'jazz' });
  assert.is(parseTenantConfig('id: acme\ndomains: [ a.example ]\n', FILE, {}).moh, undefined, 'absent: the default class');
  for (const bad of ['Jazz', '../jazz', '', '-jazz', 'x'.repeat(65), 'jazz/blues']) {
    assert.throws(() => parseTenantConfig(`id: acme\ndomains: [ a.example ]\nmoh: { class: ${JSON.stringify(bad)} }\n`, FILE, {}), /:3:\d+: moh\.class: must be a class name/, bad);
  }
  assert.equal(new RegExp(FIELDS.mohClass.pattern, 'u').source, PROMPT_NAME_RE.source, 'the same rule as prompt names');
});

test('blf.showPeers: a boolean, default false; anything else at file:line:col', () => {
  assert.equal(parseTenantConfig('id: acme\ndomains: [ a.example ]\nblf: { showPeers: true }\n', FILE, {}).blf, { showPeers: true });
  assert.equal(parseTenantConfig('id: acme\ndomains: [ a.example ]\nblf: {}\n', FILE, {}).blf, { showPeers: false });
  assert.is(parseTenantConfig('id: acme\ndomains: [ a.example ]\n', FILE, {}).blf, undefined);
  assert.throws(() => parseTenantConfig('id: acme\ndomains: [ a.example ]\nblf: { showPeers: sometimes }\n', FILE, {}), /acme\.yaml:3:\d+: blf\.showPeers/);
  assert.throws(() => parseTenantConfig('id: acme\ndomains: [ a.example ]\nblf: { peers: true }\n', FILE, {}), /acme\.yaml:3:\d+: blf\.peers: unknown key/);
});

test('more extensions than limits.extensions is reported at the extensions key', () => {
  const text = ['id: acme', 'domains: [ a.example ]', 'limits: { extensions: 1 }', 'extensions:', '  - { ext: "1001", password: "first-secret" }', '  - { ext: "1002", password: "second-secret" }'].join('\n');
  assert.equal(problems(text), ['/etc/pbx/tenants/acme.yaml:4:1: extensions: lists 2 extensions but limits.extensions is 1']);
  assert.is(parseTenantConfig(text.replace('extensions: 1 }', 'extensions: 2 }'), FILE, {}).extensions.length, 2);
});

test('inboundCos: a class of service, kept; anything else is placed at its line and column', () => {
  const base = 'id: acme\ndomains: [ a.example ]\n';
  assert.is(parseTenantConfig(base, FILE, {}).inboundCos, undefined, 'absent: internal (the router\'s default)');
  assert.is(parseTenantConfig(`${base}inboundCos: national\n`, FILE, {}).inboundCos, 'national');
  const bad = problems(`${base}inboundCos: everything\n`);
  assert.is(bad.length, 1);
  assert.match(bad[0]!, /^\/etc\/pbx\/tenants\/acme\.yaml:3:13: inboundCos: /);
});

test('unknown top-level keys, with and without a suggestion', () => {
  assert.equal(problems('id: acme\ndomain: [ a.example ]\ncolour: []\n'), [
    '/etc/pbx/tenants/acme.yaml:1:1: domains: required key is missing',
    "/etc/pbx/tenants/acme.yaml:2:1: domain: unknown key (did you mean 'domains'?)",
    '/etc/pbx/tenants/acme.yaml:3:1: colour: unknown key (known keys: id, name, domains, limits, extensions, countryCode, nationalPrefix, callerId, inboundCos, auth, recording, srtp, featureCodes, moh, natKeepalive, media, blf, pickupGroups, park, dids, trunks, ringGroups, inboundRoutes, outboundRoutes, conferences, voicemailBoxes, webhooks, timezone, schedules, timeConditions, ivrs, queues)',
  ]);
});

test('media: direct media off by default; on with trunks of the tenant; a foreign trunk or a bad value at its line and column', () => {
  const base = 'id: acme\ndomains: [ a.example ]\n';
  assert.is(parseTenantConfig(base, FILE, {}).media, undefined);
  assert.equal(parseTenantConfig(`${base}media: { direct: true }\n`, FILE, {}).media, { direct: true, trunks: [] });
  const trunk = 'countryCode: "1"\ntrunks:\n  - { name: carrier, kind: ip, host: sip.carrier.example, allowedSources: [ "192.0.2.9/32" ] }\n';
  assert.equal(parseTenantConfig(`${base}${trunk}media: { direct: true, trunks: [ carrier ] }\n`, FILE, {}).media, { direct: true, trunks: ['carrier'] });
  assert.equal(problems(`${base}${trunk}media: { direct: true, trunks: [ carrier, other ] }\n`), ['/etc/pbx/tenants/acme.yaml:6:43: media.trunks[1]: other is not a trunk of this tenant']);
  const bad = problems(`${base}media: { direct: yes-please }\n`);
  assert.is(bad.length, 1);
  assert.match(bad[0]!, /^\/etc\/pbx\/tenants\/acme\.yaml:3:18: media\.direct: /);
});

test('a YAML syntax error is placed at its line and column', () => {
  assert.equal(problems('id: acme\ndomains: [ a.example ]\nextensions:\n  - ext: 1001\n    password: x: y\n'), [
    '/etc/pbx/tenants/acme.yaml:5:15: Nested mappings are not allowed in compact mappings',
  ]);
});

test('trunk hosts and outbound proxies given as IP literals are checked against the trunk address policy, at their line and column', () => {
  const policy = new OutboundAddressPolicy({ ownAddresses: ['192.0.2.1'] });
  const text = [
    'id: acme',
    'domains: [ acme.example ]',
    'countryCode: "1"',
    'trunks:',
    '  - { name: a, kind: ip, host: 127.0.0.1, allowedSources: [ "192.0.2.9/32" ] }',
    '  - { name: b, kind: ip, host: 198.51.100.7, outboundProxy: "10.0.0.1:5060", allowedSources: [ "192.0.2.9/32" ] }',
    '  - { name: c, kind: ip, host: sip.carrier.example, allowedSources: [ "192.0.2.9/32" ] }',
    '',
  ].join('\n');
  let errs: string[] = [];
  try {
    parseTenantConfig(text, FILE, {}, { trunkAddresses: policy });
  } catch (e) {
    errs = (e as ConfigErrors).errors.map((x) => x.message);
  }
  assert.is(errs.length, 2, errs.join('\n'));
  assert.match(errs[0]!, /^\/etc\/pbx\/tenants\/acme\.yaml:5:\d+: trunks\[0\]\.host: 127\.0\.0\.1 is a loopback address/);
  assert.match(errs[1]!, /^\/etc\/pbx\/tenants\/acme\.yaml:6:\d+: trunks\[1\]\.outboundProxy: 10\.0\.0\.1 is a private address/);
  // Without a policy (a pure parse), nothing is refused.
  assert.is(parseTenantConfig(text, FILE, {}).trunks.length, 3);
});

test('conferences: rooms parsed; a number that is an extension, a bad PIN or a duplicate is refused with file:line:col', () => {
  const ok = parseTenantConfig('id: acme\ndomains: [ acme.example ]\nconferences:\n  - { number: "800", name: Sales bridge, pin: "1234", maxParticipants: 10 }\n', FILE, {});
  assert.equal(ok.conferences, [{ number: '800', name: 'Sales bridge', pin: '1234', maxParticipants: 10 }]);
  const bad = problems(
    'id: acme\ndomains: [ acme.example ]\nextensions:\n  - { ext: "1001", password: "a-long-secret-1" }\nconferences:\n  - { number: "1001" }\n  - { number: "801" }\n  - { number: "801" }\n',
  );
  assert.ok(bad.some((p) => /acme\.yaml:6:\d+: conferences\[0\]\.number: 1001 is an extension of this tenant/.test(p) || /acme\.yaml:6:\d+:.*1001 is an extension/.test(p)), bad.join('\n'));
  assert.ok(bad.some((p) => /acme\.yaml:8:\d+:.*801/.test(p)), bad.join('\n'));
  const pin = problems('id: acme\ndomains: [ acme.example ]\nconferences:\n  - { number: "801", pin: "12ab" }\n');
  assert.ok(pin.some((p) => /acme\.yaml:4:\d+: conferences\[0\]\.pin: must be a PIN/.test(p)), pin.join('\n'));
});

test.run();
