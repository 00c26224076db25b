// Issue 13 point 1: with warm caches, a REGISTER refresh and a call between two extensions
// read nothing of the tenant's settings, bindings, extensions or routing from SQLite. The
// real server in-process, real UDP phones, the real tenant file; every statement the
// tenant stores run is seen through PbxServerOptions.onStoreStatement (better-sqlite3's
// `verbose`). Writes (bindings, call records) and the once-per-tick PRAGMA data_version
// are allowed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxServer } from '../../src/app/pbx-server.js';
import type { SipRequest } from '../../src/sip/message/types.js';
import { memoryLogger } from '../../src/util/logger.js';
import { tenantYaml } from '../support/pbx-process.js';
import { freePort } from '../support/ports.js';
import { UdpPhone } from '../support/udp-phone.js';

let dir: string;
let server: PbxServer;
let port: number;
const phones: UdpPhone[] = [];
let statements: string[] = [];

const ACME = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: ['1001', '1002'].map((e) => ({ ext: e, password: `acme-${e}-secret`, extraKeys: 'voicemail: { enabled: false }' })),
};

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-hot-sqlite-'));
  mkdirSync(join(dir, 'tenants'));
  port = await freePort();
  const rtpBase = 40000 + Math.floor(Math.random() * 200) * 100;
  writeFileSync(
    join(dir, 'pbx.yaml'),
    [
      'dataDir: data',
      `sip: { listen: [ "udp://127.0.0.1:${port}" ] }`,
      `api: { listen: "127.0.0.1:${await freePort()}" }`,
      `rtp: { ports: ${rtpBase}-${rtpBase + 99}, workers: 1 }`,
      'security: { floodRate: 0 }',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'tenants', 'acme.yaml'), tenantYaml(ACME));
  server = await PbxServer.start(join(dir, 'pbx.yaml'), { logger: memoryLogger('info'), env: {}, onStoreStatement: (sql) => statements.push(sql) });
});

test.after(async () => {
  for (const p of phones) p.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function phone(user: string): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user, domain: 'acme.example', password: `acme-${user}-secret`, server: { host: '127.0.0.1', port } });
  phones.push(p);
  return p;
}

async function callAndHangUp(caller: UdpPhone, callee: UdpPhone): Promise<void> {
  const res = await caller.call('1002');
  assert.is(res.status, 200, `got ${res.status} ${res.reason}`);
  await callee.next((m) => m.kind === 'request' && (m as SipRequest).method === 'INVITE');
  assert.is((await caller.inDialog('BYE')).status, 200);
  await callee.next((m) => m.kind === 'request' && (m as SipRequest).method === 'BYE');
}

/** Reads (SELECT, or a PRAGMA other than data_version) of the cached tables. */
function cachedReads(sqls: string[]): string[] {
  return sqls.filter((q) => /^\s*SELECT\b/i.test(q) && /\bFROM\s+(?:main\.)?(settings|bindings|extensions|call_handling|trunks|ring_groups|ring_group_members|dids|inbound_routes|outbound_routes|outbound_route_patterns|outbound_route_trunks)\b/i.test(q));
}

test('warm caches: a REGISTER refresh and a call between extensions read no settings, bindings, extensions, call handling or routing', async () => {
  const caller = await phone('1001');
  const callee = await phone('1002');
  // Cold: the first registrations and a first call fill the caches.
  assert.is(await caller.register(), 200);
  assert.is(await callee.register(), 200);
  await callAndHangUp(caller, callee);
  assert.ok(cachedReads(statements).length > 0, 'the cold path did read them (the hook sees the statements)');

  statements = [];
  assert.is(await caller.register(), 200, 'refresh');
  const onRefresh = [...statements];
  statements = [];
  await callAndHangUp(caller, callee);
  const onCall = [...statements];

  assert.equal(cachedReads(onRefresh), [], `REGISTER refresh:\n${onRefresh.join('\n')}`);
  assert.equal(cachedReads(onCall), [], `call:\n${onCall.join('\n')}`);
  // What is left on the call: its records (written at once) and reads of other tables.
  console.log('statements of a warm REGISTER refresh:', onRefresh.length, '\n  ' + onRefresh.join('\n  '));
  console.log('statements of a warm call:', onCall.length, '\n  ' + onCall.join('\n  '));
});

test.run();
