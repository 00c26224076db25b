// Extensions cannot be enumerated: an unknown user and a wrong password get the same
// answer, and sipvicious' svwar learns nothing.
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess } from '../support/pbx-process.js';
import { freePort } from '../support/ports.js';
import { credentials, runSipp } from '../support/sipp.js';
import { requireTools } from '../support/tools.js';

const ACME = { id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret' }, { ext: '1002', password: 'acme-1002-secret' }] };
const haveSipp = requireTools('enumeration (SIPp)', 'sipp');
const haveSvwar = requireTools('enumeration (svwar)', 'svwar');
let pbx: PbxProcess;

test.before(async () => {
  if (haveSipp || haveSvwar) pbx = await PbxProcess.start({ tenants: [ACME], transports: ['udp'], extraYaml: 'security: { trusted: [ "127.0.0.0/8" ] }' });
});
test.after(async () => {
  await pbx?.dispose();
});

(haveSipp ? test : test.skip)('an unknown user gets exactly the answer a wrong password gets', async () => {
  const remote = `127.0.0.1:${pbx.ports.udp}`;
  const wrong = await runSipp({ scenario: 'register-wrong-password.xml', remote, inject: [credentials('1001', 'acme.example', 'wrong-password')], extra: ['-trace_msg'] });
  const unknown = await runSipp({ scenario: 'register-wrong-password.xml', remote, inject: [credentials('7777', 'acme.example', 'wrong-password')], extra: ['-trace_msg'] });
  assert.is(wrong.code, 0, wrong.output);
  assert.is(unknown.code, 0, 'an unknown user also gets 403 after the challenge: ' + unknown.output);
});

async function svwar(method: string, port: number): Promise<string> {
  const local = await freePort();
  return new Promise((resolve) => {
    const args = ['-e', '990-1010,7777', '--domain', 'acme.example', '-m', method, '-p', String(port), '-P', String(local), '-b', '127.0.0.1', '--force', '--maximumtime', '5', '127.0.0.1'];
    const child = spawn('svwar', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const t = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', () => {
      clearTimeout(t);
      resolve(out);
    });
  });
}

(haveSvwar ? test : test.skip)('svwar finds no extension with REGISTER, INVITE or OPTIONS', async () => {
  for (const method of ['REGISTER', 'INVITE', 'OPTIONS']) {
    const out = await svwar(method, pbx.ports.udp);
    assert.not.match(out, /\b100[12]\b\s*\|/, `${method}: svwar listed a real extension:\n${out}`);
    assert.match(out, /found nothing/, `${method}: svwar should report nothing:\n${out}`);
  }
});

test.run();
