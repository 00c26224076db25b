// The call harness checked against real reference servers while the B2BUA is being written:
// Kamailio 5.6 as a stateful proxy with registrar and digest auth, anchoring the media on
// rtpengine (userspace), so that the RTP goes through a relay exactly as it will through the PBX.
// What passes here is the scenarios and the wire checks; the PBX's own call tests reuse them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KamailioProxyServer } from '../../bench/calls/lib/kamailio-proxy-server.mjs';
import { RtpengineServer } from '../../bench/calls/lib/rtpengine-server.mjs';
import { runCall, type Party } from './call-harness.js';
import { REPO } from './pbx-process.js';
import { freePort } from './ports.js';
import { requireTools } from './tools.js';

const alice: Party = { user: '1001', domain: 'a.test', password: 'alice-secret' };
const bob: Party = { user: '1002', domain: 'a.test', password: 'bob-secret' };
const carol: Party = { user: '1003', domain: 'a.test', password: 'carol-secret' }; // never registers
const other: Party = { user: '2001', domain: 'b.test', password: 'other-secret' };

const s = suite('call harness against Kamailio + rtpengine');
const enabled = requireTools('call harness against Kamailio + rtpengine', 'sipp', 'tcpdump', 'kamailio', 'rtpengine');
const run = enabled ? s : s.skip;

let dir = '';
let kamailio: KamailioProxyServer | undefined;
let rtpengine: RtpengineServer | undefined;
let server = '';

s.before(async () => {
  if (!enabled) return;
  dir = mkdtempSync(join(tmpdir(), 'call-harness-'));
  const ngPort = await freePort();
  const base = 40000 + Math.floor(Math.random() * 200) * 100;
  rtpengine = new RtpengineServer({ dir: join(dir, 'rtpengine'), ngPort, portMin: base, portMax: base + 99 });
  await rtpengine.start();
  const users = [alice, bob, carol, other].map((p) => ({ tenant: p.domain, domain: p.domain, ext: p.user, password: p.password }));
  kamailio = new KamailioProxyServer({ dir: join(dir, 'kamailio'), host: '127.0.0.1', port: await freePort(), children: 2, users, repoRoot: REPO, rtpengine: `udp:127.0.0.1:${ngPort}`, log: () => {} });
  kamailio.prepare();
  await kamailio.start();
  server = `${kamailio.host}:${kamailio.port}`;
});

s.after(async () => {
  await kamailio?.stop();
  await rtpengine?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

run('an answered call carries RTP both ways through the relay, never end to end', async () => {
  const r = await runCall({ server, caller: alice, callee: bob, seconds: 3 });
  assert.is(r.caller.successful, 1, r.caller.output);
  assert.is(r.callee.successful, 1, r.callee.output);
  const m = r.media!;
  // 3 s of 20 ms packets; allow for start-up and the BYE
  assert.ok(m.callerSent >= 100, `caller sent ${m.callerSent}`);
  assert.ok(m.calleeReceived >= 0.9 * m.callerSent, `callee got ${m.calleeReceived} of ${m.callerSent}`);
  assert.ok(m.callerReceived >= 0.8 * m.callerSent, `caller got ${m.callerReceived} of ${m.callerSent} back`);
  assert.is(m.direct, 0);
  // the relay's addresses are the ones the SDP named
  assert.ok(r.answer && m.callerSources[`${r.answer.host}:${r.answer.port}`]! > 0, JSON.stringify({ answer: r.answer, src: m.callerSources }));
  assert.ok(r.offer && m.calleeSources[`${r.offer.host}:${r.offer.port}`]! > 0, JSON.stringify({ offer: r.offer, src: m.calleeSources }));
});

run('a callee that answers after 2 s: 180 first, then the call goes on as usual', async () => {
  const r = await runCall({ server, caller: alice, callee: bob, seconds: 1, answerDelayMs: 2000, capture: false });
  assert.is(r.caller.successful, 1, r.caller.output);
  assert.is(r.callee.successful, 1, r.callee.output);
});

run('busy: the caller gets 486 and no media flows', async () => {
  const r = await runCall({ server, caller: alice, callee: bob, callerScenario: 'call-uac-busy.xml', calleeScenario: 'call-uas-busy.xml' });
  assert.is(r.caller.successful, 1, r.caller.output);
  assert.is(r.callee.successful, 1, r.callee.output);
  assert.is(r.media!.calleeReceived + r.media!.callerReceived, 0);
});

run('cancel while ringing: 200 for the CANCEL, 487 for the INVITE, at both ends', async () => {
  const r = await runCall({ server, caller: alice, callee: bob, callerScenario: 'call-uac-cancel.xml', calleeScenario: 'call-uas-no-answer.xml' });
  assert.is(r.caller.successful, 1, r.caller.output);
  assert.is(r.callee.successful, 1, r.callee.output);
});

run('a callee who is not registered: 480', async () => {
  const r = await runCall({ server, caller: alice, callee: carol, callerScenario: 'call-uac-unavailable.xml', registerCallee: false, capture: false });
  assert.is(r.caller.successful, 1, r.caller.output);
  assert.is(r.callee.successful, 0);
});

run('no such extension: 404', async () => {
  const r = await runCall({ server, caller: alice, callee: bob, dial: '1999@a.test', callerScenario: 'call-uac-not-found.xml', capture: false });
  assert.is(r.caller.successful, 1, r.caller.output);
  assert.is(r.callee.successful, 0, 'the callee must not be reached');
});

run("another domain's extension: 403, never delivered", async () => {
  const r = await runCall({ server, caller: alice, callee: other, dial: '2001@b.test', callerScenario: 'call-uac-forbidden.xml', capture: false });
  assert.is(r.caller.successful, 1, r.caller.output);
  assert.is(r.callee.successful, 0, 'the callee must not be reached');
});

run('NAT: SDP names an address nobody listens on, and the relay latches to where the RTP really comes from', async () => {
  const r = await runCall({ server, caller: alice, callee: bob, callerScenario: 'call-uac-nat.xml', seconds: 4, stray: true });
  assert.is(r.caller.successful, 1, r.caller.output);
  const m = r.media!;
  assert.ok(m.calleeReceived >= 0.9 * m.callerSent, `callee got ${m.calleeReceived} of ${m.callerSent}`);
  assert.ok(m.callerReceived >= 0.5 * m.callerSent, `caller got ${m.callerReceived} of ${m.callerSent} back (latching)`);
  // Found here: rtpengine relays RTP from any source while it is still learning the endpoint
  // (its default "delayed" learning, about 3 s), strict-source or not. The harness sees each one.
  assert.ok(r.strays > 0, 'stray RTP was sent');
  // Every stray is delivered. (A CI run once counted 26 delivered of 25 sent: the wire
  // capture can see one marked packet twice; the claim here is that none is dropped.)
  assert.ok(m.strayDelivered >= r.strays, JSON.stringify(m));
});

run('stray RTP from a third address after the relay has latched is not relayed (strict-source)', async () => {
  const r = await runCall({ server, caller: alice, callee: bob, callerScenario: 'call-uac-nat.xml', seconds: 6, stray: true, strayDelayMs: 4000 });
  assert.is(r.caller.successful, 1, r.caller.output);
  assert.ok(r.strays > 0, 'stray RTP was sent');
  assert.is(r.media!.strayDelivered, 0, JSON.stringify(r.media));
  assert.ok(r.media!.callerReceived > 0);
});

s.run();
