// Issue 9, item 3: a `pbx serve` that cannot own its listeners or its data directory
// stops at once, says why, exits non-zero, and has written nothing: no tenant applied,
// no store opened on another server's files. A pid file left by a dead process does
// not stand in the way.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess, REPO, tenantYaml, type TestTenant } from '../support/pbx-process.js';

const s = suite('serve start');
const ADMIN = 'serve-start-provider-secret';
const ACME: TestTenant = { id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret' }] };
/** Long enough for a slow start on a busy machine; a server that hangs is killed then and fails the test. */
const BOUND_MS = 30_000;

let running: PbxProcess;
const others: PbxProcess[] = [];

/** Runs `pbx serve --config <file>` to its end (or kills it after BOUND_MS). */
function serve(configFile: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), 'serve', '--config', configFile], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const t = setTimeout(() => child.kill('SIGKILL'), BOUND_MS);
    child.on('close', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, out });
    });
  });
}

/** Every file under dir: size, mtime and a hash of its contents. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = statSync(p);
        out[p] = `${st.size} ${st.mtimeMs} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
      }
    }
  };
  walk(dir);
  return out;
}

async function another(edit: (yaml: string, p: PbxProcess) => string): Promise<PbxProcess> {
  const p = await PbxProcess.create({ tenants: [ACME], transports: ['udp', 'tcp'], adminToken: ADMIN });
  others.push(p);
  writeFileSync(p.configFile, edit(readFileSync(p.configFile, 'utf8'), p));
  return p;
}

s.before(async () => {
  running = await PbxProcess.start({ tenants: [ACME], adminToken: ADMIN });
});

s.after(async () => {
  await running?.dispose();
  for (const p of others) await p.dispose();
});

s('a second server on the same SIP port exits 1 at once, names the address, and writes no data', async () => {
  const second = await another((y, p) => y.replaceAll(`127.0.0.1:${p.ports.udp}`, `127.0.0.1:${running.ports.udp}`));
  const r = await serve(second.configFile);
  assert.is(r.signal, null, `it ended by itself, not killed after ${BOUND_MS} ms:\n${r.out}`);
  assert.is(r.code, 1, r.out);
  assert.match(r.out, new RegExp(`cannot listen on udp://127\\.0\\.0\\.1:${running.ports.udp}: the address is in use`));
  const data = join(second.dir, 'data');
  assert.equal(existsSync(data) ? readdirSync(data) : [], [], 'no store, no tenant, no pid file left');
  assert.not.match(r.out, /tenants loaded|applied/);
  assert.ok(running.running, 'the first server runs on');
});

s('a second server on the same API port exits 1 and names it', async () => {
  const second = await another((y, p) => y.replace(`127.0.0.1:${p.apiPort}`, `127.0.0.1:${running.apiPort}`));
  const r = await serve(second.configFile);
  assert.is(r.signal, null, r.out);
  assert.is(r.code, 1, r.out);
  assert.match(r.out, new RegExp(`cannot listen on http://127\\.0\\.0\\.1:${running.apiPort}: the address is in use`));
  const data = join(second.dir, 'data');
  assert.equal(existsSync(data) ? readdirSync(data) : [], []);
});

s('a second server on the same data directory, on other ports, exits 1 and applies nothing', async () => {
  const data = join(running.dir, 'data');
  // A change the second server would apply if it got that far.
  running.writeTenantFile('acme', tenantYaml({ ...ACME, extensions: [...ACME.extensions, { ext: '1002', password: 'acme-1002-secret' }] }));
  const before = snapshot(data);
  const second = await another((y) => y.replace(/^dataDir: data$/m, `dataDir: ${data}`).replace(/^tenantsDir: tenants$/m, `tenantsDir: ${join(running.dir, 'tenants')}`));
  const r = await serve(second.configFile);
  assert.is(r.signal, null, r.out);
  assert.is(r.code, 1, r.out);
  assert.match(r.out, new RegExp(`data directory ${data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: another server \\(pid \\d+\\) runs here`));
  assert.equal(snapshot(data), before, 'not one file of the running server changed');
  assert.ok(running.running);
  // And the running server still has the old extensions: nobody applied the file behind its back.
  const res = await fetch(`${running.apiUrl}/tenants/acme/extensions`, { headers: { authorization: `Bearer ${ADMIN}` } });
  assert.is(res.status, 200);
  const exts = ((await res.json()) as { items: Array<{ ext: string }> }).items.map((e) => e.ext);
  assert.equal(exts, ['1001']);
  running.writeTenantFile('acme', tenantYaml(ACME));
});

s('a pid file left by a dead process is taken over, and removed on stop', async () => {
  const p = await PbxProcess.create({ tenants: [ACME], transports: ['udp'] });
  others.push(p);
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  const pidFile = join(p.dir, 'data', 'pbx.pid');
  mkdirSync(join(p.dir, 'data'));
  writeFileSync(pidFile, `${dead}\n`);
  await p.start();
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  assert.is.not(pid, dead);
  assert.not.throws(() => process.kill(pid, 0), 'the pid file names the live server');
  const r = await p.stop();
  assert.is(r.code, 0);
  assert.not.ok(existsSync(pidFile), 'the pid file goes with the server');
});

s('a start that fails late (media workers up, SIP bound) closes everything and exits 1', async () => {
  const p = await PbxProcess.create({ tenants: [ACME], transports: ['udp', 'tcp'] });
  others.push(p);
  // No api.adminToken, and a token file that cannot be one: found only when the API starts, last.
  mkdirSync(join(p.dir, 'data'));
  writeFileSync(join(p.dir, 'data', 'admin-token'), 'two words\n');
  const r = await serve(p.configFile);
  assert.is(r.signal, null, `it ended by itself, not killed after ${BOUND_MS} ms:\n${r.out}`);
  assert.is(r.code, 1, r.out);
  assert.match(r.out, /media workers started/);
  assert.match(r.out, `pbx serve: ${join(p.dir, 'data', 'admin-token')}: not a token`);
  assert.not.ok(existsSync(join(p.dir, 'data', 'pbx.pid')), 'the pid file goes');
  // Its listeners were let go: a server on the same config starts.
  writeFileSync(join(p.dir, 'data', 'admin-token'), 'now-a-good-token\n');
  await p.start();
  await p.stop();
});

s.run();
