// The demo files in config/ must always parse: `npm start` on a fresh clone reads them.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePbxConfig } from './pbx-config.js';
import { parseTenantConfig } from './tenant-config.js';

const configDir = fileURLToPath(new URL('../../config/', import.meta.url));
const pbxFile = join(configDir, 'pbx.yaml');

test('config/pbx.yaml parses with no environment set', () => {
  const c = parsePbxConfig(readFileSync(pbxFile, 'utf8'), pbxFile, {});
  assert.equal(c.sip.listen, [
    { protocol: 'udp', host: '127.0.0.1', port: 5060 },
    { protocol: 'tcp', host: '127.0.0.1', port: 5060 },
    { protocol: 'tls', host: '127.0.0.1', port: 5061 },
    { protocol: 'ws', host: '127.0.0.1', port: 5066 },
    { protocol: 'wss', host: '127.0.0.1', port: 7443 },
  ]);
  assert.equal(c.sip.tls, { cert: join(configDir, 'certs/demo.crt'), key: join(configDir, 'certs/demo.key') });
  assert.is(c.dataDir, join(configDir, '../data'));
  assert.is(c.tenantsDir, join(configDir, 'tenants'));
  assert.equal(c.api, { host: '127.0.0.1', port: 8080, uploadLimitMB: 20 });
  assert.equal(c.security.trusted, []);
});

test('config/pbx.yaml takes the admin token from PBX_ADMIN_TOKEN', () => {
  const c = parsePbxConfig(readFileSync(pbxFile, 'utf8'), pbxFile, { PBX_ADMIN_TOKEN: 'demo-token' });
  assert.is(c.api.adminToken, 'demo-token');
});

// An operator (or the README's `pbx tenant apply` example) may add tenant files next to
// the demo ones: the demo tenants must be there and valid, whatever else is.
test('the demo tenants acme and globex are there and parse, with their extensions', () => {
  const tenantsDir = join(configDir, 'tenants');
  const files = readdirSync(tenantsDir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.includes('acme.yaml') && files.includes('globex.yaml'), `demo tenant files missing from ${tenantsDir}: ${files.join(', ')}`);
  const [acme, globex] = ['acme.yaml', 'globex.yaml'].map((f) => parseTenantConfig(readFileSync(join(tenantsDir, f), 'utf8'), join(tenantsDir, f), {}));
  assert.equal([acme.id, acme.domains], ['acme', ['acme.example']]);
  assert.equal(
    acme.extensions.map((e) => [e.ext, e.name, e.password, e.enabled]),
    [
      ['1001', 'Alice', 'acme-1001-secret', true],
      ['1002', 'Bob', 'acme-1002-secret', true],
    ],
  );
  assert.equal([globex.id, globex.domains], ['globex', ['globex.example']]);
  assert.equal(
    globex.extensions.map((e) => [e.ext, e.password]),
    [
      ['1001', 'globex-1001-secret'],
      ['1002', 'globex-1002-secret'],
    ],
  );
});

test.run();
