// Registration over UDP, TCP and TLS against the real server, driven by SIPp.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess } from '../support/pbx-process.js';
import { credentials, runSipp, type SippRun } from '../support/sipp.js';
import { StunnelClient } from '../support/stunnel.js';
import { requireTools } from '../support/tools.js';

const ACME = { id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret' }, { ext: '1002', password: 'acme-1002-secret' }] };
const GLOBEX = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret' }, { ext: '1002', password: 'globex-1002-secret' }] };

type Transport = 'udp' | 'tcp' | 'tls';
const transports: Transport[] = ['udp', 'tcp', 'tls'];

const haveSipp = requireTools('registration over UDP/TCP', 'sipp');
const haveTls = haveSipp && requireTools('registration over TLS', 'stunnel4');

let pbx: PbxProcess;
let tunnel: StunnelClient | undefined;

function peer(t: Transport): Pick<SippRun, 'remote' | 'transport'> {
  if (t === 'udp') return { remote: `127.0.0.1:${pbx.ports.udp}`, transport: 'u1' };
  if (t === 'tcp') return { remote: `127.0.0.1:${pbx.ports.tcp}`, transport: 't1' };
  return { remote: `127.0.0.1:${tunnel!.port}`, transport: 't1' };
}

async function sipp(t: Transport, scenario: string, row: string[]) {
  const r = await runSipp({ scenario, ...peer(t), inject: [row] });
  return r;
}

for (const t of transports) {
  const s = suite(`register over ${t}`);
  const enabled = t === 'tls' ? haveTls : haveSipp;
  s.before(async () => {
    if (!enabled) return;
    pbx = await PbxProcess.start({ tenants: [ACME, GLOBEX] });
    if (t === 'tls') tunnel = await StunnelClient.start(pbx.ports.tls);
  });
  s.after(async () => {
    tunnel?.stop();
    tunnel = undefined;
    await pbx?.dispose();
  });
  const run = enabled ? s : s.skip;

  run('a REGISTER with digest auth succeeds, and the binding is listed', async () => {
    const r = await sipp(t, 'register-auth.xml', credentials('1001', 'acme.example', 'acme-1001-secret'));
    assert.is(r.code, 0, r.output);
    assert.is(r.successful, 1);
    const f = await sipp(t, 'fetch-bindings.xml', credentials('1001', 'acme.example', 'acme-1001-secret'));
    assert.is(f.code, 0, f.output);
  });

  run('a wrong password gets 403 and registers nothing', async () => {
    const r = await sipp(t, 'register-wrong-password.xml', credentials('1002', 'acme.example', 'not-the-password'));
    assert.is(r.code, 0, r.output);
    const f = await sipp(t, 'fetch-no-bindings.xml', credentials('1002', 'acme.example', 'acme-1002-secret'));
    assert.is(f.code, 0, f.output);
  });

  run("tenant A's 1001 cannot register in tenant B's domain with A's password", async () => {
    const r = await sipp(t, 'register-wrong-password.xml', credentials('1001', 'globex.example', 'acme-1001-secret'));
    assert.is(r.code, 0, r.output);
    const f = await sipp(t, 'fetch-no-bindings.xml', credentials('1001', 'globex.example', 'globex-1001-secret'));
    assert.is(f.code, 0, 'nothing may have been registered in globex: ' + f.output);
  });

  run('the same extension number registers independently in two tenants, and unregister removes only one', async () => {
    assert.is((await sipp(t, 'register-auth.xml', credentials('1002', 'acme.example', 'acme-1002-secret'))).code, 0);
    assert.is((await sipp(t, 'register-auth.xml', credentials('1002', 'globex.example', 'globex-1002-secret'))).code, 0);
    const un = await sipp(t, 'unregister.xml', credentials('1002', 'acme.example', 'acme-1002-secret'));
    assert.is(un.code, 0, un.output);
    assert.is((await sipp(t, 'fetch-no-bindings.xml', credentials('1002', 'acme.example', 'acme-1002-secret'))).code, 0, 'acme 1002 is gone');
    const still = await sipp(t, 'fetch-bindings.xml', credentials('1002', 'globex.example', 'globex-1002-secret'));
    assert.is(still.code, 0, 'globex 1002 is untouched: ' + still.output);
  });

  run('an unknown domain is refused', async () => {
    const r = await runSipp({ scenario: 'register-auth.xml', ...peer(t), inject: [credentials('1001', 'initech.example', 'whatever-secret')] });
    assert.is.not(r.code, 0);
    assert.match(r.output, /404/);
  });

  s.run();
}
