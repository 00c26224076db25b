// A call whose media stops is hung up on both legs after calls.rtpTimeoutSeconds, and
// recorded with the reason.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxServer } from '../../src/app/pbx-server.js';
import { SqliteTenantStore } from '../../src/store/tenant-store.js';
import { silentLogger } from '../../src/util/logger.js';
import { tenantYaml } from '../support/pbx-process.js';
import { freePort } from '../support/ports.js';
import { UdpPhone } from '../support/udp-phone.js';

let dir: string;
let server: PbxServer;
let port: number;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-rtpto-'));
  mkdirSync(join(dir, 'tenants'));
  port = await freePort();
  const base = 43000 + Math.floor(Math.random() * 100) * 20;
  writeFileSync(join(dir, 'pbx.yaml'), [`sip: { listen: [ "udp://127.0.0.1:${port}" ] }`, `api: { listen: "127.0.0.1:${await freePort()}" }`, 'dataDir: data', `rtp: { ports: ${base}-${base + 19}, workers: 1 }`, 'registrar: { writeDelayMs: 0 }', 'calls: { rtpTimeoutSeconds: 1 }'].join('\n'));
  writeFileSync(join(dir, 'tenants', 'acme.yaml'), tenantYaml({ id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret' }, { ext: '1002', password: 'acme-1002-secret' }] }));
  server = await PbxServer.start(join(dir, 'pbx.yaml'), { logger: silentLogger, env: {} });
});
test.after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('no RTP for rtpTimeoutSeconds: both legs get BYE and the CDR says why', async () => {
  const caller = await UdpPhone.open({ user: '1001', domain: 'acme.example', password: 'acme-1001-secret', server: { host: '127.0.0.1', port } });
  const callee = await UdpPhone.open({ user: '1002', domain: 'acme.example', password: 'acme-1002-secret', server: { host: '127.0.0.1', port } });
  try {
    assert.is(await callee.register(), 200);
    assert.is((await caller.call('1002')).status, 200);
    // nobody sends RTP
    await caller.next((m) => m.kind === 'request' && m.method === 'BYE', 8000);
    await callee.next((m) => m.kind === 'request' && m.method === 'BYE', 8000);
    let cdr;
    for (let i = 0; i < 50 && !cdr; i++) {
      const st = SqliteTenantStore.open(join(dir, 'data'), 'acme');
      cdr = st.listCdrs().find((c) => c.disposition === 'answered');
      st.close();
      if (!cdr) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(cdr, 'a CDR');
    assert.is(cdr!.hangupSide, 'system');
    assert.match(cdr!.hangupCause ?? '', /RTP timeout/);
  } finally {
    caller.close();
    callee.close();
  }
});

test.run();
