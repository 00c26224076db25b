import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigErrors } from '../util/errors.js';
import { OutboundAddressPolicy } from '../util/outbound-address-policy.js';
import { parsePbxConfig } from './pbx-config.js';
import { parseTenantConfig } from './tenant-config.js';

const PBX = '/etc/pbx/pbx.yaml';
const TENANT = '/etc/pbx/tenants/acme.yaml';

function errors(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigErrors) return e.message.split('\n');
    throw e;
  }
  throw new Error('no error');
}

test('pbx.yaml subscriptions: and smtp: with defaults; password from the environment', () => {
  const c = parsePbxConfig(['subscriptions: { minExpires: 30 }', 'smtp: { host: relay.example, user: pbx, password: "${SMTP_PW}", from: "PBX <vm@pbx.example>" }'].join('\n'), PBX, { SMTP_PW: 'hunter2' });
  assert.equal(c.subscriptions, { minExpires: 30, maxExpires: 3600, defaultExpires: 3600, ratePerSecond: 50, burst: 200, maxPerTenant: 2000 });
  assert.equal(c.smtp, { host: 'relay.example', port: 587, secure: false, user: 'pbx', password: 'hunter2', from: 'PBX <vm@pbx.example>', attempts: 5 });
  const none = parsePbxConfig('', PBX, {});
  assert.is(none.smtp, undefined);
  assert.is(none.subscriptions, undefined);
});

test('pbx.yaml: bad subscription bounds and smtp keys are refused with file:line:col', () => {
  const e = errors(() => parsePbxConfig(['subscriptions:', '  minExpires: 600', '  maxExpires: 60', 'smtp:', '  host: relay.example', '  password: x', '  from: nobody', '  port: 70000'].join('\n'), PBX, {}));
  assert.ok(e.some((l) => l.startsWith('/etc/pbx/pbx.yaml:2:15: subscriptions.minExpires: must not exceed maxExpires')), e.join('\n'));
  assert.ok(e.some((l) => /^\/etc\/pbx\/pbx\.yaml:8:\d+: smtp\.port/.test(l)), e.join('\n'));
});

const base = ['id: acme', 'domains: [ acme.example ]'];

test('tenant webhooks: url, secret (from the environment) and events', () => {
  const t = parseTenantConfig([...base, 'webhooks:', '  - { url: "https://hooks.acme.example/vm", secret: "${HOOK_SECRET}", events: [ voicemail.new ] }'].join('\n'), TENANT, { HOOK_SECRET: 'a-long-enough-secret' });
  assert.equal(t.webhooks, [{ url: 'https://hooks.acme.example/vm', secret: 'a-long-enough-secret', events: ['voicemail.new'] }]);
});

test('tenant webhooks: short secret and unknown event are refused with their place', () => {
  const e = errors(() => parseTenantConfig([...base, 'webhooks:', '  - { url: "https://hooks.example", secret: short, events: [ call.end ] }'].join('\n'), TENANT, {}));
  assert.ok(e.some((l) => l.startsWith('/etc/pbx/tenants/acme.yaml:4:') && l.includes('webhooks[0].secret')), e.join('\n'));
  assert.ok(e.some((l) => l.includes('webhooks[0].events[0]')), e.join('\n'));
});

test('tenant webhooks: a URL that is not http(s), holds credentials, or names a loopback address', () => {
  const policy = new OutboundAddressPolicy({ ownAddresses: [] });
  const e = errors(() =>
    parseTenantConfig(
      [...base, 'webhooks:', '  - { url: "ftp://x.example/a", secret: "0123456789abcdef", events: [ voicemail.new ] }', '  - { url: "https://u:p@hooks.example/", secret: "0123456789abcdef", events: [ voicemail.new ] }', '  - { url: "http://127.0.0.1:9/x", secret: "0123456789abcdef", events: [ voicemail.new ] }'].join('\n'),
      TENANT,
      {},
      { trunkAddresses: policy },
    ),
  );
  assert.ok(e.some((l) => l.startsWith('/etc/pbx/tenants/acme.yaml:4:') && l.includes('webhooks[0].url: must be an http:// or https:// URL')), e.join('\n'));
  assert.ok(e.some((l) => l.startsWith('/etc/pbx/tenants/acme.yaml:5:') && l.includes('webhooks[1].url: must not hold credentials')), e.join('\n'));
  assert.ok(e.some((l) => l.startsWith('/etc/pbx/tenants/acme.yaml:6:') && l.includes('webhooks[2].url') && l.includes('loopback')), e.join('\n'));
});

test.run();
