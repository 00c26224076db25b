// Issue 5, item 7: the CLI mirrors the admin API. Run as a real process (tsx src/cli/main.ts)
// against a data directory with the server stopped (it works on the data directory with
// the API's own routes) and with `pbx serve` running (it goes through the API with the
// token of pbx.yaml); the server sees what the CLI changed: phones register with the
// extensions it created, a suspended tenant's phones are refused, and both ways answer
// the same.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess, REPO } from '../support/pbx-process.js';
import { UdpPhone } from '../support/udp-phone.js';

const s = suite('cli admin');
const ADMIN = 'cli-admin-provider-secret';

let pbx: PbxProcess;
const phones: UdpPhone[] = [];

/** Runs the CLI asynchronously (the server's log pipe must keep flowing meanwhile). */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const baseEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete baseEnv['PBX_TOKEN'];
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), ...args], { cwd: REPO, env: { ...baseEnv, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out, err });
    });
  });
}

/** `pbx <args> --config <the test's pbx.yaml>` */
const pbxCli = (...args: string[]) => cli([...args, '--config', pbx.configFile]);

async function ok(...args: string[]): Promise<string> {
  const r = await pbxCli(...args);
  assert.is(r.code, 0, `pbx ${args.join(' ')}:\n${r.out}\n${r.err}`);
  return r.out;
}

function generatedPassword(out: string): string {
  const m = /password of \S+: (\S+)\s+\(generated/.exec(out);
  assert.ok(m, `a generated password is printed: ${out}`);
  return m![1]!;
}

async function phone(user: string, domain: string, password: string): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user, domain, password, server: { host: '127.0.0.1', port: pbx.ports.udp } });
  phones.push(p);
  return p;
}

let alphaPassword = '';

s.before(async () => {
  pbx = await PbxProcess.create({ tenants: [], transports: ['udp'], adminToken: ADMIN });
});

s.after.each(() => {
  for (const p of phones.splice(0)) p.close();
});

s.after(async () => {
  await pbx.dispose();
});

s('server stopped: the CLI works on the data directory with the API rules', async () => {
  assert.not.ok(existsSync(join(pbx.dir, 'data', 'pbx.pid')));
  let out = await ok('tenant', 'create', 'alpha', '--name', 'Alpha Ltd', '--domain', 'alpha.example', '--limit', 'extensions=2', '--feature', 'voicemail');
  assert.match(out, /created tenant alpha \(on the data directory/);
  assert.match(out, /limits:\s+extensions=2/);

  out = await ok('ext', 'add', 'alpha', '1001', '--name', 'Alice');
  alphaPassword = generatedPassword(out);
  assert.ok(alphaPassword.length >= 16);
  await ok('ext', 'add', 'alpha', '1002', '--name', 'Bob', '--password', 'bob-1002-secret', '--class-of-service', 'internal');

  // The API's refusals, with their codes, exit 1.
  let r = await pbxCli('ext', 'add', 'alpha', '1003', '--name', 'Carol');
  assert.is(r.code, 1, r.out + r.err);
  assert.match(r.err, /409 limit_exceeded: limits\.extensions is 2/);
  r = await pbxCli('ext', 'add', 'alpha', '1001', '--name', 'Again');
  assert.is(r.code, 1);
  assert.match(r.err, /409 conflict/);
  r = await pbxCli('ext', 'list', 'nosuch');
  assert.is(r.code, 1);
  assert.match(r.err, /404 not_found/);
  r = await pbxCli('tenant', 'create', 'alpha', '--name', 'Twice', '--domain', 'other.example');
  assert.is(r.code, 1);
  assert.match(r.err, /409 tenant_exists/);
  r = await pbxCli('cdr', 'list', 'alpha', '--disposition', 'bogus');
  assert.is(r.code, 1);
  assert.match(r.err, /422 validation_failed/);
  // Usage errors exit 2.
  r = await pbxCli('ext', 'add', 'alpha', '1004');
  assert.is(r.code, 2, 'missing --name');
  r = await pbxCli('tenant', 'delete', 'alpha', '--grace-days', 'soon');
  assert.is(r.code, 2, 'a bad number');
  r = await pbxCli('tenant', 'list', '--api', '--direct');
  assert.is(r.code, 2);

  out = await ok('ext', 'list', 'alpha');
  assert.match(out, /^EXT\s+NAME\s+ENABLED\s+CLASS/m);
  assert.match(out, /^1001\s+Alice\s+yes\s+national/m);
  assert.match(out, /^1002\s+Bob\s+yes\s+internal/m);
  const exts = JSON.parse(await ok('ext', 'list', 'alpha', '--json'));
  assert.is(exts.total, 2);
  assert.equal(exts.items.map((x: { ext: string }) => x.ext), ['1001', '1002']);
  assert.not.ok(JSON.stringify(exts).includes(alphaPassword), 'a password is shown only once');

  assert.match(await ok('tenant', 'suspend', 'alpha'), /tenant alpha suspended/);
  assert.match(await ok('tenant', 'list', '--status', 'suspended'), /^alpha\s+suspended\s+api\s+alpha\.example/m);
  assert.match(await ok('tenant', 'resume', 'alpha'), /tenant alpha resumed/);
  const shown = JSON.parse(await ok('tenant', 'show', 'alpha', '--json'));
  assert.is(shown.status, 'active');
  assert.equal(shown.features, { voicemail: true });

  out = await ok('cdr', 'csv', 'alpha');
  assert.is(out.split('\r\n')[0], 'id,callId,startedAt,answeredAt,endedAt,durationMs,billableS,direction,disposition,fromExt,toExt,fromNumber,toNumber,fromUri,toUri,trunk,did,hangupCause,hangupSide');
  assert.match(await ok('cdr', 'list', 'alpha'), /^STARTED\s+DIRECTION/);

  // A scratch tenant, deleted and purged at once.
  await ok('tenant', 'create', 'scratch', '--name', 'Scratch', '--domain', 'scratch.example');
  assert.match(await ok('tenant', 'delete', 'scratch', '--grace-days', '0'), /tenant scratch deleted/);
  assert.not.ok(existsSync(join(pbx.dir, 'data', 'tenants', 'scratch')));
  assert.equal(JSON.parse(await ok('tenant', 'list', '--json')).items.map((t: { id: string }) => t.id), ['alpha']);
});

s('server running: the CLI goes through the API and the server sees every change', async () => {
  await pbx.start();
  assert.ok(existsSync(join(pbx.dir, 'data', 'pbx.pid')), 'pbx serve writes its pid file');

  // What the CLI wrote while the server was stopped is served now.
  const alice = await phone('1001', 'alpha.example', alphaPassword);
  assert.is(await alice.register(), 200);

  // Changes with --direct would go behind the server's back: refused. Reads are fine.
  let r = await pbxCli('ext', 'add', 'alpha', '1005', '--name', 'Eve', '--direct');
  assert.is(r.code, 1);
  assert.match(r.err, /server_running/);
  assert.match(await ok('tenant', 'list', '--direct'), /^alpha\s+active/m);

  // No token: a clear error (usage, 2). A wrong one: the API's 401. PBX_TOKEN works.
  const bare = join(pbx.dir, 'pbx-no-token.yaml');
  writeFileSync(bare, readFileSync(pbx.configFile, 'utf8').replace(/^\s*adminToken:.*$/m, ''));
  r = await cli(['tenant', 'list', '--config', bare]);
  assert.is(r.code, 2, r.out + r.err);
  assert.match(r.err, /a server runs on .* \(pid \d+\), so this goes through its API, which needs a token: give --token, set PBX_TOKEN/);
  r = await cli(['tenant', 'list', '--config', bare], { PBX_TOKEN: ADMIN });
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /^alpha\s+active/m);
  r = await pbxCli('tenant', 'list', '--token', 'wrong');
  assert.is(r.code, 1);
  assert.match(r.err, /401 unauthorized/);

  const logsBefore = pbx.logs.length;
  let out = await ok('tenant', 'create', 'beta', '--name', 'Beta GmbH', '--domain', 'beta.example');
  assert.match(out, /^created tenant beta$/m);
  out = await ok('ext', 'add', 'beta', '2001', '--name', 'Dora');
  const doraPassword = generatedPassword(out);
  await ok('ext', 'add', 'beta', '2002', '--name', 'Emil', '--password', 'emil-2002-secret');
  assert.ok(
    pbx.logs.slice(logsBefore).some((l) => l.includes('/api/v1/tenants/beta/extensions')),
    'the change went through the API',
  );

  const dora = await phone('2001', 'beta.example', doraPassword);
  const emil = await phone('2002', 'beta.example', 'emil-2002-secret');
  assert.is(await dora.register(), 200, 'an extension made by the CLI registers at once');
  assert.is(await emil.register(), 200);

  await ok('tenant', 'suspend', 'beta');
  assert.is(await dora.register(), 403, 'a suspended tenant is refused');
  assert.is(await alice.register(), 200, 'other tenants are untouched');
  await ok('tenant', 'resume', 'beta');
  assert.is(await dora.register(), 200);

  // A call leaves a record that `pbx cdr` shows.
  emil.answer = { kind: 'busy' };
  const call = await dora.call('2002');
  assert.is(call.status, 486);
  let cdrs: { items: Array<{ disposition: string; fromExt: string; toExt: string }> } = { items: [] };
  for (let i = 0; i < 50 && cdrs.items.length === 0; i++) {
    cdrs = JSON.parse(await ok('cdr', 'list', 'beta', '--json'));
    if (cdrs.items.length === 0) await new Promise((res) => setTimeout(res, 100));
  }
  assert.is(cdrs.items.length, 1);
  assert.is(cdrs.items[0]!.disposition, 'busy');
  assert.is(cdrs.items[0]!.fromExt, '2001');
  const csv = (await ok('cdr', 'csv', 'beta', '--disposition', 'busy')).trim().split('\r\n');
  assert.is(csv.length, 2);
  assert.match(csv[1]!, /,internal,busy,2001,2002,/);
  assert.match(await ok('cdr', 'list', 'beta', '--ext', '2002'), /internal\s+busy\s+2001\s+2002/);

  // A new password: the old one stops working at once.
  out = await ok('ext', 'passwd', 'beta', '2001');
  const newPassword = generatedPassword(out);
  assert.is.not(newPassword, doraPassword);
  assert.is.not(await dora.register(), 200, 'the old password is refused');
  const dora2 = await phone('2001', 'beta.example', newPassword);
  assert.is(await dora2.register(), 200);

  await ok('ext', 'rm', 'beta', '2002');
  assert.is.not(await emil.register(), 200, 'a removed extension cannot register');

  // The same answers through the API and, later, on the data directory.
  const viaApi = {
    tenant: JSON.parse(await ok('tenant', 'show', 'beta', '--json')),
    exts: JSON.parse(await ok('ext', 'list', 'beta', '--json')),
    cdrs: JSON.parse(await ok('cdr', 'list', 'beta', '--json')),
  };
  await pbx.stop();
  assert.not.ok(existsSync(join(pbx.dir, 'data', 'pbx.pid')));
  const direct = {
    tenant: JSON.parse(await ok('tenant', 'show', 'beta', '--json')),
    exts: JSON.parse(await ok('ext', 'list', 'beta', '--json')),
    cdrs: JSON.parse(await ok('cdr', 'list', 'beta', '--json')),
  };
  assert.equal(direct, viaApi);

  // --api with the server stopped: told plainly that nothing answers.
  r = await pbxCli('tenant', 'list', '--api');
  assert.is(r.code, 1);
  assert.match(r.err, /unreachable: cannot reach the API/);
});

s.run();
