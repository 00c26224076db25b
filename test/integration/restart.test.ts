// Bindings persist in the tenant store and survive a restart; SIGTERM stops cleanly.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess } from '../support/pbx-process.js';
import { credentials, runSipp } from '../support/sipp.js';
import { requireTools } from '../support/tools.js';

const ACME = { id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret' }] };
const run = requireTools('bindings across a restart', 'sipp') ? test : test.skip;
let pbx: PbxProcess;

test.before(async () => {
  if (run === test) pbx = await PbxProcess.start({ tenants: [ACME], transports: ['udp'] });
});
test.after(async () => {
  await pbx?.dispose();
});

run('a binding registered before a restart is still there after it', async () => {
  const reg = await runSipp({ scenario: 'register-auth.xml', remote: `127.0.0.1:${pbx.ports.udp}`, inject: [credentials('1001', 'acme.example', 'acme-1001-secret')] });
  assert.is(reg.code, 0, reg.output);

  // SIGUSR2 prints the counters whatever the log level
  const from = pbx.logs.length;
  pbx.signal('SIGUSR2');
  const stats = await pbx.waitForLog(/STATS stats /, 5000, from);
  assert.match(stats, /\bcontacts=1\b/);
  assert.match(stats, /\bheapUsedBytes=\d+/);

  const stopped = await pbx.stop('SIGTERM');
  assert.is(stopped.code, 0, 'SIGTERM exits 0');
  assert.ok(pbx.logs.some((l) => / stopped/.test(l)), 'the stop was logged');
  // A clean close checkpoints the WAL: no -wal file is left with content.
  const tenantDir = join(pbx.dir, 'data', 'tenants', 'acme');
  for (const f of readdirSync(tenantDir)) {
    if (f.endsWith('-wal')) assert.is(statSync(join(tenantDir, f)).size, 0, `${f} is empty after a clean stop`);
  }
  assert.ok(existsSync(join(tenantDir, 'tenant.sqlite')));

  await pbx.start();
  const fetch = await runSipp({ scenario: 'fetch-bindings.xml', remote: `127.0.0.1:${pbx.ports.udp}`, inject: [credentials('1001', 'acme.example', 'acme-1001-secret')] });
  assert.is(fetch.code, 0, 'the binding survived: ' + fetch.output);
});

run('SIGINT also stops gracefully with exit code 0', async () => {
  const r = await pbx.stop('SIGINT');
  assert.is(r.code, 0);
});

test.run();
