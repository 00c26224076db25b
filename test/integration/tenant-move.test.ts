// Configuration as code, backups and moves against real server processes:
// `pbx tenant pack` on a running instance, `pbx tenant unpack` into a second running
// instance, and a phone registers there with the moved tenant's credentials (also after a
// restart); `pbx tenant apply` to a running server (SIGHUP through the pid file) and
// `--dry-run`; `pbx restore-tenant` refuses while the server runs.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess, REPO, tenantYaml, type TestTenant } from '../support/pbx-process.js';
import { UdpPhone } from '../support/udp-phone.js';

function pbx(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

const acme: TestTenant = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: [
    { ext: '1001', password: 'acme-1001-secret' },
    { ext: '1002', password: 'acme-1002-secret' },
  ],
  extraYaml: 'countryCode: "1"\ndids: [ "+14155550100" ]',
};
const globex: TestTenant = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret' }] };
const initech: TestTenant = { id: 'initech', domains: ['initech.example'], extensions: [{ ext: '2001', password: 'initech-2001-secret' }] };

let one: PbxProcess;
let two: PbxProcess;
const phones: UdpPhone[] = [];

async function phone(server: PbxProcess, user: string, domain: string, password: string): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user, domain, password, server: { host: '127.0.0.1', port: server.ports.udp } });
  phones.push(p);
  return p;
}

test.before(async () => {
  one = await PbxProcess.start({ tenants: [acme, globex], transports: ['udp'] });
  two = await PbxProcess.start({ tenants: [initech], transports: ['udp'] });
});
test.after(async () => {
  for (const p of phones) p.close();
  await one?.dispose();
  await two?.dispose();
});

test('serve writes a pid file in the data directory while it runs', () => {
  const pid = Number(readFileSync(join(one.dir, 'data', 'pbx.pid'), 'utf8'));
  assert.ok(Number.isInteger(pid) && pid > 0);
});

test('a tenant packed on a running instance and unpacked into another running one: its phones register there', async () => {
  const before = await phone(one, '1001', 'acme.example', 'acme-1001-secret');
  assert.is(await before.register(), 200);
  // The moved tenant is unknown on instance two before the move.
  const early = await phone(two, '1002', 'acme.example', 'acme-1002-secret');
  assert.is.not(await early.register(), 200);

  const file = join(two.dir, 'acme.pbxtenant.tar.gz');
  let r = pbx('tenant', 'pack', 'acme', '--config', one.configFile, '-o', file);
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /packed tenant acme/);
  // An existing output file is kept unless --force says otherwise.
  const packed = readFileSync(file);
  writeFileSync(`${file}.other`, 'another tenant, packed earlier');
  r = pbx('tenant', 'pack', 'acme', '--config', one.configFile, '-o', `${file}.other`);
  assert.is(r.code, 1, r.out);
  assert.match(r.out, /acme\.pbxtenant\.tar\.gz\.other exists already; give --force to overwrite it/);
  assert.is(readFileSync(`${file}.other`, 'utf8'), 'another tenant, packed earlier');
  assert.not.ok(existsSync(`${file}.other.partial`), 'no partial file left behind');
  r = pbx('tenant', 'pack', 'acme', '--config', one.configFile, '-o', `${file}.other`, '--force');
  assert.is(r.code, 0, r.out);
  assert.is(readFileSync(`${file}.other`).subarray(0, 2).toString('hex'), '1f8b', 'overwritten with a gzip pack');
  assert.equal(readFileSync(file), packed);
  rmSync(`${file}.other`);

  r = pbx('tenant', 'unpack', file, '--config', two.configFile);
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /unpacked tenant acme: domains acme\.example; DIDs \+14155550100/);
  assert.match(r.out, /wrote .*tenants\/acme\.yaml/);
  assert.match(r.out, /told the running server \(pid \d+\) to reload/);
  assert.ok(existsSync(join(two.dir, 'tenants', 'acme.yaml')));

  const moved = await phone(two, '1002', 'acme.example', 'acme-1002-secret');
  let code = 0;
  for (let i = 0; i < 40 && code !== 200; i++) {
    code = await moved.register();
    if (code !== 200) await new Promise((res) => setTimeout(res, 100));
  }
  assert.is(code, 200, 'the moved credentials work on instance two');
  const wrong = await phone(two, '1002', 'acme.example', 'not-the-password');
  assert.is.not(await wrong.register(), 200);

  // A second unpack is refused: the tenant exists now.
  r = pbx('tenant', 'unpack', file, '--config', two.configFile);
  assert.is(r.code, 1);
  assert.match(r.out, /exists already/);

  // After a restart the moved tenant is still there (its file was written, so it is not disabled).
  await two.restart();
  const again = await phone(two, '1001', 'acme.example', 'acme-1001-secret');
  assert.is(await again.register(), 200);
});

test('pbx tenant apply --dry-run on a running server prints the change and applies nothing; apply hands the file to the server', async () => {
  const changed: TestTenant = { ...globex, extensions: [...globex.extensions, { ext: '1002', password: 'globex-1002-secret' }] };
  const file = join(one.dir, 'globex.yaml'); // outside tenantsDir
  writeFileSync(file, tenantYaml(changed));
  const tenantsFile = join(one.dir, 'tenants', 'globex.yaml');
  const was = readFileSync(tenantsFile, 'utf8');

  let r = pbx('tenant', 'apply', file, '--dry-run', '--config', one.configFile);
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /tenant globex: would be updated \(dry run: nothing written\)/);
  assert.match(r.out, /extensions: added 1002/);
  assert.is(readFileSync(tenantsFile, 'utf8'), was);
  const newPhone = await phone(one, '1002', 'globex.example', 'globex-1002-secret');
  assert.is.not(await newPhone.register(), 200, 'the dry run applied nothing');

  r = pbx('tenant', 'apply', file, '--config', one.configFile);
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /tenant globex: updated/);
  assert.match(r.out, /applied by the running server \(pid \d+, SIGHUP\)/);
  assert.is(readFileSync(tenantsFile, 'utf8'), readFileSync(file, 'utf8'));
  assert.is(await newPhone.register(), 200);

  // A broken file: file:line:col, nothing copied.
  writeFileSync(file, tenantYaml(changed).replace('globex-1002-secret', 'short'));
  r = pbx('tenant', 'apply', file, '--config', one.configFile);
  assert.is(r.code, 1);
  assert.match(r.out, /globex\.yaml:\d+:\d+: extensions\[1\]\.password/);
  assert.is.not(readFileSync(tenantsFile, 'utf8'), readFileSync(file, 'utf8'));
});

test('pbx tenant apply --dry-run of a new tenant lists what would be created, with no numbering change when the file sets none', async () => {
  const hooli: TestTenant = { id: 'hooli', domains: ['hooli.example'], extensions: [{ ext: '3001', password: 'hooli-3001-secret' }] };
  const file = join(one.dir, 'hooli.yaml');
  writeFileSync(file, tenantYaml(hooli));
  const r = pbx('tenant', 'apply', file, '--dry-run', '--config', one.configFile);
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /tenant hooli: would be created \(dry run: nothing written\)/);
  assert.match(r.out, /extensions: added 3001/);
  assert.not.match(r.out, /numbering/);
  assert.not.ok(existsSync(join(one.dir, 'tenants', 'hooli.yaml')));

  // A domain another tenant owns is reported at its node, like any YAML error; nothing is applied.
  const thief: TestTenant = { id: 'thief', domains: ['thief.example', 'acme.example'], extensions: [{ ext: '3001', password: 'thief-3001-secret' }] };
  const thiefFile = join(one.dir, 'thief.yaml');
  writeFileSync(thiefFile, tenantYaml(thief));
  for (const dry of [['--dry-run'], []]) {
    const t = pbx('tenant', 'apply', thiefFile, ...dry, '--config', one.configFile);
    assert.is(t.code, 1, t.out);
    assert.match(t.out, /thief\.yaml:3:27: domains\[1\]: acme\.example belongs to tenant acme/);
  }
  assert.not.ok(existsSync(join(one.dir, 'tenants', 'thief.yaml')));

  // The same file dropped into tenantsDir: the running server logs it at the domain's node too.
  const dropped = join(one.dir, 'tenants', 'thief.yaml');
  writeFileSync(dropped, tenantYaml(thief));
  const mark = one.logs.length;
  one.signal('SIGHUP');
  await one.waitForLog(/tenants\/thief\.yaml:3:27: domains\[1\]: acme\.example belongs to tenant acme/, 10_000, mark);
  rmSync(dropped);
  one.signal('SIGHUP');
});

test('pbx backup runs online; pbx restore-tenant refuses while the server runs and works once it is stopped', async () => {
  const backups = join(one.dir, 'backups');
  let r = pbx('backup', '--config', one.configFile, '--dir', backups, '--keep', '2');
  assert.is(r.code, 0, r.out);
  const path = /backup written: (\S+)/.exec(r.out)![1]!;
  assert.match(r.out, /tenants: acme, globex/);

  r = pbx('restore-tenant', 'acme', '--from', path, '--config', one.configFile);
  assert.is(r.code, 1);
  assert.match(r.out, /a server runs on .* \(pid \d+\)/);

  await one.stop();
  rmSync(join(one.dir, 'data', 'tenants', 'acme'), { recursive: true, force: true });
  r = pbx('restore-tenant', 'acme', '--from', path, '--config', one.configFile);
  assert.is(r.code, 0, r.out);
  assert.match(r.out, /restored tenant acme/);
  await one.start();
  const p = await phone(one, '1001', 'acme.example', 'acme-1001-secret');
  assert.is(await p.register(), 200);
});

test.run();
