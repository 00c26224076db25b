/**
 * The SIP front threads answer nothing the main thread would not (issue 13 point 2), with
 * sip.threads: 2 against the real server:
 * - a banned address whose registered phone keeps its own port exempt: a REGISTER from
 *   another port of that address, read by the front thread, gets no answer at all (the
 *   main thread refuses it), never the front's 401;
 * - forced overload (SIGHUP with sip.overload.shedDelayMs 0): a first REGISTER read by the
 *   front thread right after the reload gets the main thread's 503, not a 401 whose answer
 *   with credentials would then be served.
 * Which thread reads a source port is learnt from /metrics (test/support/front-thread-client.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeader } from '../../src/sip/message/headers.js';
import { settledCounters, threadClientOn, type ThreadServer } from '../support/front-thread-client.js';
import { PbxProcess } from '../support/pbx-process.js';
import { UdpPhone } from '../support/udp-phone.js';
import { UdpUa } from '../support/udp-ua.js';

const TOKEN = 'front-thread-guard-token';
const PHONE_HOST = '127.0.0.23';
let pbx: PbxProcess;
const open: Array<{ close(): void }> = [];
const server = (): ThreadServer => ({ udpPort: pbx.ports.udp, apiPort: pbx.apiPort, token: TOKEN });

test.before(async () => {
  pbx = await PbxProcess.start({
    tenants: [
      {
        id: 'acme',
        domains: ['acme.example'],
        extensions: ['1001', '1002', '1003'].map((ext) => ({ ext, password: `acme-${ext}-secret`, extraKeys: 'voicemail: { enabled: false }' })),
      },
    ],
    transports: ['udp'],
    sipYaml: ['threads: 2', 'overload: { shedDelayMs: 100 }'],
    extraYaml: ['security: { floodRate: 300, authFailBan: { attempts: 10, windowSeconds: 60, banSeconds: 600 } }', 'registrar: { writeDelayMs: 0 }'].join('\n'),
    adminToken: TOKEN,
  });
  // The tenant's store is opened by a REGISTER on the main thread: the front thread's snapshot lists it from then on.
  const warm = await threadClientOn(server(), 0, open);
  assert.is((await warm.register('1001', 'acme.example')).status, 401);
});

test.after(async () => {
  for (const o of open) o.close();
  await pbx?.dispose();
});

test("a banned address's other port, read by the front thread, gets no answer (as from the main thread); the phone's own port is still served", async () => {
  const phone = await UdpPhone.open({ user: '1001', domain: 'acme.example', password: 'acme-1001-secret', server: { host: '127.0.0.1', port: pbx.ports.udp }, bindAddress: PHONE_HOST });
  open.push(phone);
  assert.is(await phone.register(), 200);
  // A port of the phone's address that the front thread reads; before the ban it is challenged there.
  const other = await threadClientOn(server(), 1, open, PHONE_HOST);
  const before = await settledCounters(server());
  assert.is((await other.register('1002', 'acme.example')).status, 401);
  assert.is((await settledCounters(server())).challenged1, before.challenged1 + 1, 'the front thread challenged it');

  // Spoofed failures from a third port of that address: ten 403s, then the address is banned (its phone's flow exempt).
  const attacker = await UdpUa.open({ host: '127.0.0.1', port: pbx.ports.udp }, PHONE_HOST);
  open.push(attacker);
  let refused = 0;
  for (let i = 0; i < 12; i++) if ((await attacker.registerWithAuth({ user: '1002', domain: 'acme.example', password: `guess-${i}`, algorithm: 'MD5' })).final?.status === 403) refused++;
  assert.is(refused, 10);
  await pbx.waitForLog(/source banned address=127\.0\.0\.23 /);

  const mid = await settledCounters(server());
  const unanswered = await other.register('1002', 'acme.example', [], 3_000).then((r) => `answered ${r.status}`, (e: Error) => e.message);
  assert.match(unanswered, /no response/, 'no answer to the other port');
  const after = await settledCounters(server());
  assert.is(after.challenged1, mid.challenged1, 'the front thread did not challenge it');
  assert.is(after.forwarded1, mid.forwarded1 + 1, 'it forwarded it: the main thread refused it');
  assert.is(await phone.register(), 200, "the phone's own port is still served");
});

test('forced overload: a first REGISTER read by the front thread right after the SIGHUP gets the main thread\'s 503, not a challenge', async () => {
  const client = await threadClientOn(server(), 1, open);
  const text = readFileSync(pbx.configFile, 'utf8').replace(/overload: \{[^}]*\}/, 'overload: { shedDelayMs: 0 }');
  writeFileSync(pbx.configFile, text);
  const from = pbx.logs.length;
  pbx.signal('SIGHUP');
  await pbx.waitForLog(/reloaded/, 10_000, from);
  const res = await client.register('1003', 'acme.example');
  assert.is(res.status, 503, `got ${res.status} ${res.reason}`);
  const retry = Number(getHeader(res, 'retry-after'));
  assert.ok(Number.isInteger(retry) && retry >= 5 && retry <= 30, `Retry-After ${getHeader(res, 'retry-after')}`);
  writeFileSync(pbx.configFile, text.replace(/overload: \{[^}]*\}/, 'overload: { shedDelayMs: 100 }'));
  const back = pbx.logs.length;
  pbx.signal('SIGHUP');
  await pbx.waitForLog(/reloaded/, 10_000, back);
  // The admitted share climbs back by a tenth per tick: normal again within about a second.
  await pbx.waitForLog(/sip overload: shedding -> normal/, 10_000, back);
  assert.is((await client.register('1003', 'acme.example')).status, 401, 'challenged again once it cleared');
});

test.run();
