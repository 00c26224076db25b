// The security baseline against the real server: repeated authentication failures ban
// a source while other sources still register; a flood from one source is throttled
// and banned without slowing another.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess } from '../support/pbx-process.js';
import { credentials, runSipp } from '../support/sipp.js';
import { requireTools } from '../support/tools.js';

const ACME = { id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret' }, { ext: '1002', password: 'acme-1002-secret' }] };
const run = requireTools('banning', 'sipp') ? test : test.skip;
let pbx: PbxProcess;

test.before(async () => {
  if (run !== test) return;
  pbx = await PbxProcess.start({
    tenants: [ACME],
    transports: ['udp'],
    extraYaml: ['security:', '  trusted: [ "127.0.0.9" ]', '  floodRate: 40', '  floodBanSeconds: 120', '  authFailBan: { attempts: 3, windowSeconds: 60, banSeconds: 600 }'].join('\n'),
  });
});
test.after(async () => {
  await pbx?.dispose();
});

const remote = () => `127.0.0.1:${pbx.ports.udp}`;

run('repeated failures ban the source; another source still registers', async () => {
  const bad = await runSipp({ scenario: 'register-wrong-password.xml', remote: remote(), localIp: '127.0.0.2', calls: 3, rate: 5, inject: [credentials('1001', 'acme.example', 'guessed-password')] });
  assert.is(bad.code, 0, 'three wrong passwords, three 403s: ' + bad.output);
  await pbx.waitForLog(/ban/i);
  assert.ok(pbx.logs.some((l) => /ban/i.test(l) && l.includes('127.0.0.2')), 'the ban names the address');

  const banned = await runSipp({ scenario: 'register-auth.xml', remote: remote(), localIp: '127.0.0.2', timeoutSeconds: 4, inject: [credentials('1001', 'acme.example', 'acme-1001-secret')] });
  assert.is.not(banned.code, 0, 'the banned source gets no answer even with the right password');
  assert.is(banned.successful, 0);

  const other = await runSipp({ scenario: 'register-auth.xml', remote: remote(), localIp: '127.0.0.3', inject: [credentials('1001', 'acme.example', 'acme-1001-secret')] });
  assert.is(other.code, 0, 'another source is unaffected: ' + other.output);
});

run('a trusted source is never banned for failures', async () => {
  const bad = await runSipp({ scenario: 'register-wrong-password.xml', remote: remote(), localIp: '127.0.0.9', calls: 5, rate: 10, inject: [credentials('1002', 'acme.example', 'guessed-password')] });
  assert.is(bad.code, 0, bad.output);
  const ok = await runSipp({ scenario: 'register-auth.xml', remote: remote(), localIp: '127.0.0.9', inject: [credentials('1002', 'acme.example', 'acme-1002-secret')] });
  assert.is(ok.code, 0, 'still served: ' + ok.output);
});

run('a flood from one source is throttled then banned, while another source is served', async () => {
  const flood = runSipp({ scenario: 'options.xml', remote: remote(), localIp: '127.0.0.4', calls: 1500, rate: 300, timeoutSeconds: 12, inject: [['acme.example']], extra: ['-recv_timeout', '1000', '-max_retrans', '0', '-l', '500'] });
  const calm = runSipp({ scenario: 'options.xml', remote: remote(), localIp: '127.0.0.5', calls: 40, rate: 5, timeoutSeconds: 20, inject: [['acme.example']] });
  const [f, c] = await Promise.all([flood, calm]);
  assert.ok(f.failed > 0, `the flood was throttled (failed ${f.failed}, succeeded ${f.successful})`);
  assert.ok(pbx.logs.some((l) => /ban/i.test(l) && l.includes('127.0.0.4')), 'the flooding source was banned');
  assert.is(c.code, 0, 'the calm source got every answer: ' + c.output);
  assert.is(c.successful, 40);
});

test.run();
