import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { interleave, makeUsers, passwordFor, sippCsv, splitUsers, writePbxConfig } from './tenant-data.mjs';

test('10,000 extensions in 100 tenants, unique per tenant, deterministic passwords', () => {
  const users = makeUsers();
  assert.is(users.length, 10_000);
  assert.is(new Set(users.map((u) => `${u.ext}@${u.domain}`)).size, 10_000);
  assert.equal(users[0], { tenant: 't000', domain: 't000.bench', ext: '1000', password: passwordFor('t000', '1000') });
  assert.is(users[9999].ext, '1099');
  assert.is(users[9999].domain, 't099.bench');
  assert.is(passwordFor('t000', '1000'), passwordFor('t000', '1000'));
  assert.is.not(passwordFor('t000', '1000'), passwordFor('t001', '1000'));
});

test('the SIPp CSV spreads consecutive lines over tenants and carries the auth keyword', () => {
  const csv = sippCsv(interleave(makeUsers(3, 2))).trimEnd().split('\n');
  assert.is(csv[0], 'SEQUENTIAL');
  assert.is(csv.length, 7);
  const [ext, domain, pw, auth] = csv[1].split(';');
  assert.equal([ext, domain], ['1000', 't000.bench']);
  assert.is(auth, `[authentication username=1000 password=${pw}]`);
  assert.is(csv[2].split(';')[1], 't001.bench');
});

test('splitting for parallel SIPp processes never shares a user', () => {
  const parts = splitUsers(makeUsers(10, 10), 3);
  assert.equal(parts.map((p) => p.length), [34, 33, 33]);
  const keys = parts.flat().map((u) => `${u.ext}@${u.domain}`);
  assert.is(new Set(keys).size, 100);
});

test('the PBX config follows the operator contract and parses as YAML', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-data-'));
  try {
    const users = makeUsers(2, 3);
    const file = writePbxConfig(dir, users, { host: '127.0.0.1', port: 5080 });
    const cfg = parse(readFileSync(file, 'utf8'));
    assert.equal(cfg.sip, { listen: ['udp://127.0.0.1:5080'], publicAddress: '127.0.0.1' });
    assert.equal(cfg.security, { trusted: ['127.0.0.0/8'], floodRate: 0 });
    assert.equal(cfg.auth, { algorithms: ['MD5'] });
    assert.is(cfg.tenantsDir, 'tenants');
    assert.equal(readdirSync(join(dir, 'tenants')).sort(), ['t000.yaml', 't001.yaml']);
    const t = parse(readFileSync(join(dir, 'tenants', 't001.yaml'), 'utf8'));
    assert.is(t.id, 't001');
    assert.equal(t.domains, ['t001.bench']);
    assert.equal(t.extensions[2], { ext: '1002', password: passwordFor('t001', '1002') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
