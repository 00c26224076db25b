import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTenantConfig } from './tenant-config.js';
import { tenantYamlText, type TenantYamlInput } from './tenant-yaml.js';

const FILE = '/etc/pbx/tenants/acme.yaml';
const ENV = { PBX_ADMIN_TOKEN: 'provider-admin-token', ACME_TRUNK_PASSWORD: 'from-the-env' };

const base: TenantYamlInput = {
  id: 'acme',
  name: '${PBX_ADMIN_TOKEN}',
  domains: ['acme.example'],
  limits: {},
  countryCode: '1',
  extensions: [
    { ext: '1001', name: '${PBX_ADMIN_TOKEN}', password: 'pw-${PBX_ADMIN_TOKEN}' },
    { ext: '1002', name: 'Bob $${X} $', password: 'bob-pa$$word' },
  ],
  trunks: [
    { name: 'sip-co', kind: 'register', host: 'sip.carrier.example', username: '${ACME_TRUNK_PASSWORD}', password: 'a${PBX_ADMIN_TOKEN}$${b}$', registerExpires: 600 },
  ],
};

test('text a tenant wrote applies back as itself: names never expand, secrets are escaped', () => {
  const text = tenantYamlText(base);
  const back = parseTenantConfig(text, FILE, ENV);
  assert.is(back.name, '${PBX_ADMIN_TOKEN}');
  assert.equal(back.extensions.map((e) => [e.name, e.password]), [
    ['${PBX_ADMIN_TOKEN}', 'pw-${PBX_ADMIN_TOKEN}'],
    ['Bob $${X} $', 'bob-pa$$word'],
  ]);
  assert.equal([back.trunks[0]!.username, back.trunks[0]!.password], ['${ACME_TRUNK_PASSWORD}', 'a${PBX_ADMIN_TOKEN}$${b}$']);
  assert.not.ok(text.includes('provider-admin-token'));
  assert.ok(!JSON.stringify(back).includes('provider-admin-token'), 'no value of the environment in the tenant');
});

test('an operator-written trunk password or extension password still reads the environment', () => {
  const text = [
    'id: acme',
    'name: ${PBX_ADMIN_TOKEN}',
    'domains: [ acme.example ]',
    'countryCode: "1"',
    'extensions:',
    '  - { ext: "1001", name: "${PBX_ADMIN_TOKEN}", password: "${ACME_TRUNK_PASSWORD}" }',
    'trunks:',
    '  - { name: sip-co, kind: register, host: sip.carrier.example, username: acme, password: "${ACME_TRUNK_PASSWORD}" }',
  ].join('\n');
  const t = parseTenantConfig(text, FILE, ENV);
  assert.equal([t.name, t.extensions[0]!.name, t.extensions[0]!.password, t.trunks[0]!.password], [
    '${PBX_ADMIN_TOKEN}',
    '${PBX_ADMIN_TOKEN}',
    'from-the-env',
    'from-the-env',
  ]);
});

test('a tenant with trunks and no countryCode (the API allows it) exports as countryCode "" and applies back', () => {
  const t: TenantYamlInput = { ...base, countryCode: '', extensions: [] };
  const text = tenantYamlText(t);
  assert.match(text, /^countryCode: ""$/m);
  const back = parseTenantConfig(text, FILE, ENV);
  assert.is(back.countryCode, '');
  assert.is(back.trunks.length, 1);
  // Without trunks, DIDs or routes the key is left out, as before.
  assert.not.match(tenantYamlText({ ...t, trunks: [] }), /countryCode/);
  // Written by hand, the key is still required: leaving it out is the mistake it catches.
  assert.throws(() => parseTenantConfig(text.replace(/^countryCode: ""\n/m, ''), FILE, ENV), /countryCode: required because the tenant has trunks/);
});

test.run();
