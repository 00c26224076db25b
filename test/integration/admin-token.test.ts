// Issue 9, item 5: `npm install && npm start` with no api.adminToken still gives the
// provider a way in. The first start makes <dataDir>/admin-token (0600) and says where it
// is (never what it is), later starts reuse it, the CLI on the same machine finds it, and
// a token configured in pbx.yaml wins over the file.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess, REPO, type TestTenant } from '../support/pbx-process.js';

const s = suite('admin token file');
const ACME: TestTenant = { id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret' }] };
const CONFIGURED = 'configured-provider-token-in-pbx-yaml';

const started: PbxProcess[] = [];
let pbx: PbxProcess;
let tokenFile = '';
let fileToken = '';

/** Runs the CLI asynchronously (the server's log pipe must keep flowing), with no token in the environment. */
function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env['PBX_TOKEN'];
    delete env['PBX_ADMIN_TOKEN'];
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), ...args], { cwd: REPO, env });
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

async function status(p: PbxProcess, token: string): Promise<number> {
  const res = await fetch(`${p.apiUrl}/tenants`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

/** Stops the current server and starts one on the same directory with a new pbx.yaml. */
async function restartWith(opts: { adminToken?: string }): Promise<PbxProcess> {
  await pbx.stop();
  const next = await PbxProcess.create({ tenants: [ACME], transports: ['udp'], dir: pbx.dir, ...opts });
  started.push(next);
  await next.start();
  return next;
}

s.after(async () => {
  for (const p of started.reverse()) await p.stop('SIGKILL').catch(() => undefined);
  await started[started.length - 1]?.dispose();
});

s('the first start without api.adminToken makes <dataDir>/admin-token (0600) and logs where, not what', async () => {
  pbx = await PbxProcess.start({ tenants: [ACME], transports: ['udp'] });
  started.push(pbx);
  tokenFile = join(pbx.dir, 'data', 'admin-token');
  const line = await pbx.waitForLog(/admin token created/);
  assert.ok(line.includes(`file=${tokenFile}`), line);
  assert.is(statSync(tokenFile).mode & 0o777, 0o600);
  fileToken = readFileSync(tokenFile, 'utf8').trim();
  assert.ok(fileToken.length >= 32, 'a long random token');
  assert.not.ok(
    pbx.logs.some((l) => l.includes(fileToken)),
    'the token itself is never logged',
  );
  assert.is(await status(pbx, fileToken), 200);
  assert.is(await status(pbx, fileToken + 'x'), 401);
});

s('the CLI on the same machine finds the token file and goes through the API', async () => {
  const from = pbx.logs.length;
  const r = await cli(['tenant', 'list', '--config', pbx.configFile]);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, /^acme\s+active/m);
  await pbx.waitForLog(/\/api\/v1\/tenants/, 5_000, from);
  // It is this config's own token: not handed to another API.
  const other = await cli(['tenant', 'list', '--config', pbx.configFile, '--url', `http://127.0.0.1:${pbx.apiPort}/api/v1`]);
  assert.is(other.code, 2, other.out + other.err);
  assert.match(other.err, /needs a token/);
});

s('a restart reuses the file', async () => {
  pbx = await restartWith({});
  // A new PbxProcess: its logs are this run's only.
  assert.ok(pbx.logs.some((l) => l.includes('admin token from file') && l.includes(`file=${tokenFile}`)), pbx.logs.join('\n'));
  assert.not.ok(pbx.logs.some((l) => l.includes('admin token created')));
  assert.is(readFileSync(tokenFile, 'utf8').trim(), fileToken);
  assert.is(statSync(tokenFile).mode & 0o777, 0o600);
  assert.is(await status(pbx, fileToken), 200);
});

s('api.adminToken in pbx.yaml wins over the file, for the server and for the CLI', async () => {
  pbx = await restartWith({ adminToken: CONFIGURED });
  assert.not.ok(
    pbx.logs.some((l) => l.includes('admin token')),
    'no token file is read or made',
  );
  assert.is(await status(pbx, CONFIGURED), 200);
  assert.is(await status(pbx, fileToken), 401, 'the file token is not the provider token then');
  assert.is(readFileSync(tokenFile, 'utf8').trim(), fileToken, 'the file is left alone');
  // The CLI takes pbx.yaml's token (the file's would be refused with 401, exit 1).
  const r = await cli(['tenant', 'list', '--config', pbx.configFile]);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, /^acme\s+active/m);
});

s('with api.adminToken set from the first start, no token file is made', async () => {
  const p = await PbxProcess.start({ tenants: [ACME], transports: ['udp'], adminToken: CONFIGURED });
  try {
    assert.is(await status(p, CONFIGURED), 200);
    assert.not.ok(existsSync(join(p.dir, 'data', 'admin-token')));
  } finally {
    await p.dispose();
  }
});

s.run();
