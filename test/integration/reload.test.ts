// SIGHUP re-applies changed tenant files without dropping registrations; a broken file
// is reported as file:line:col and the running configuration stays.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeaderValues } from '../../src/sip/message/headers.js';
import { newCallId } from '../../src/util/ids.js';
import { PbxProcess, tenantYaml } from '../support/pbx-process.js';
import { credentials, runSipp } from '../support/sipp.js';
import { requireTools } from '../support/tools.js';
import { UdpUa } from '../support/udp-ua.js';

const ACME = { id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret' }] };
const GLOBEX = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret' }] };
const run = requireTools('reload', 'sipp') ? test : test.skip;
let pbx: PbxProcess;

test.before(async () => {
  // SHA-256 first for the auth tests below, which end by going back to [MD5] (SIPp answers MD5).
  if (run === test) pbx = await PbxProcess.start({ tenants: [ACME, GLOBEX], transports: ['udp'], extraYaml: 'auth: { algorithms: [ SHA-256, MD5 ], nonceTtlSeconds: 300 }' });
});
test.after(async () => {
  await pbx?.dispose();
});

const sipp = (scenario: string, row: string[]) => runSipp({ scenario, remote: `127.0.0.1:${pbx.ports.udp}`, inject: [row] });

async function hup(): Promise<void> {
  const from = pbx.logs.length;
  pbx.signal('SIGHUP');
  await pbx.waitForLog(/ reloaded applied=/, 10_000, from);
}

/** The algorithms of the 401 to an unauthenticated REGISTER, in order. */
async function challenged(user: string, domain: string): Promise<string[]> {
  const ua = await UdpUa.open({ host: '127.0.0.1', port: pbx.ports.udp });
  try {
    const res = await ua.request(ua.register({ user, domain, cseq: 1, callId: newCallId() }));
    assert.is(res?.status, 401);
    return getHeaderValues(res!, 'www-authenticate').map((v) => /algorithm=([\w-]+)/.exec(v)?.[1] ?? '?');
  } finally {
    ua.close();
  }
}

run('auth.algorithms in pbx.yaml applies on SIGHUP: two challenges, then MD5 alone', async () => {
  assert.equal(await challenged('1001', 'acme.example'), ['SHA-256', 'MD5']);
  assert.equal(await challenged('1001', 'globex.example'), ['SHA-256', 'MD5']);
  const text = readFileSync(pbx.configFile, 'utf8');
  writeFileSync(pbx.configFile, text.replace(/^auth: .*$/m, 'auth: { algorithms: [ MD5 ], nonceTtlSeconds: 120 }'));
  await hup();
  assert.equal(await challenged('1001', 'acme.example'), ['MD5']);
  assert.equal(await challenged('1001', 'globex.example'), ['MD5']);
  assert.is((await sipp('register-auth.xml', credentials('1001', 'acme.example', 'acme-1001-secret'))).code, 0, 'MD5 registers');
});

run("a tenant's auth.algorithms applies on SIGHUP, to that tenant only; removing it falls back to pbx.yaml", async () => {
  pbx.writeTenantFile('globex', tenantYaml({ ...GLOBEX, extraYaml: 'auth: { algorithms: [ SHA-256, MD5 ] }' }));
  await hup();
  assert.equal(await challenged('1001', 'globex.example'), ['SHA-256', 'MD5']);
  assert.equal(await challenged('4711', 'globex.example'), ['SHA-256', 'MD5'], 'an unknown user sees the same');
  assert.equal(await challenged('1001', 'acme.example'), ['MD5'], 'acme keeps the server default');
  pbx.writeTenantFile('globex', tenantYaml(GLOBEX));
  await hup();
  assert.equal(await challenged('1001', 'globex.example'), ['MD5']);
});

run('a changed tenant file applies on SIGHUP and existing registrations stay', async () => {
  assert.is((await sipp('register-auth.xml', credentials('1001', 'acme.example', 'acme-1001-secret'))).code, 0);
  // 1003 does not exist yet
  assert.is((await sipp('register-wrong-password.xml', credentials('1003', 'acme.example', 'acme-1003-secret'))).code, 0);

  pbx.writeTenantFile('acme', tenantYaml({ ...ACME, extensions: [...ACME.extensions, { ext: '1003', password: 'acme-1003-secret' }] }));
  await hup();
  assert.is((await sipp('register-auth.xml', credentials('1003', 'acme.example', 'acme-1003-secret'))).code, 0, 'the new extension registers');
  assert.is((await sipp('fetch-bindings.xml', credentials('1001', 'acme.example', 'acme-1001-secret'))).code, 0, '1001 is still registered');
});

run('a broken tenant file is reported with file:line:col and the old config keeps running', async () => {
  pbx.writeTenantFile('acme', 'id: acme\ndomains: [ acme.example\nextensions:\n  - { ext: "1001", password: "x" }\n');
  const from = pbx.logs.length;
  await hup();
  const err = pbx.logs.slice(from).find((l) => /acme\.yaml:\d+:\d+: /.test(l));
  assert.ok(err, 'an error line names acme.yaml:line:col; got:\n' + pbx.logs.slice(from).join('\n'));
  assert.is((await sipp('register-auth.xml', credentials('1003', 'acme.example', 'acme-1003-secret'))).code, 0, '1003 still works');
  assert.is((await sipp('fetch-bindings.xml', credentials('1001', 'acme.example', 'acme-1001-secret'))).code, 0, '1001 binding kept');
});

run('a tenant whose file is deleted stops resolving; its domain is refused', async () => {
  rmSync(join(pbx.dir, 'tenants', 'globex.yaml'));
  await hup();
  const r = await sipp('register-auth.xml', credentials('1001', 'globex.example', 'globex-1001-secret'));
  assert.is.not(r.code, 0);
  assert.match(r.output, /404/);
});

run('a broken pbx.yaml is reported and the server keeps serving', async () => {
  writeFileSync(pbx.configFile, 'sip:\n  listen: [ "udp://127.0.0.1:1" \nbogus: 1\n');
  const from = pbx.logs.length;
  await hup();
  assert.ok(pbx.logs.slice(from).some((l) => /pbx\.yaml:\d+:\d+: /.test(l)), 'pbx.yaml error with position');
  assert.ok(pbx.logs.slice(from).some((l) => /running configuration stays/.test(l)));
  assert.is((await sipp('register-auth.xml', credentials('1001', 'acme.example', 'acme-1001-secret'))).code, 0);
});

test.run();
