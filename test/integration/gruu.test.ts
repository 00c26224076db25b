// RFC 5627 GRUUs against the real server: Debian's linphonec registers (it asks for a GRUU
// by default: Supported: gruu and +sip.instance) and receives pub-gruu and temp-gruu in its
// 200; a call to either GRUU rings that device only, while another registered device of
// the same extension (a raw UDP phone) gets no INVITE. A forged temp GRUU, and a GRUU
// presented in another tenant's domain, reach nobody.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Linphonec } from '../support/linphonec.js';
import { PbxProcess } from '../support/pbx-process.js';
import { encodeWav, sineWave } from '../support/tone.js';
import { requireTools } from '../support/tools.js';
import { UdpPhone } from '../support/udp-phone.js';

const secret = (e: string) => `acme-${e}-secret`;
const ACME = { id: 'acme', domains: ['acme.example'], extensions: ['1001', '1002'].map((e) => ({ ext: e, password: secret(e) })) };
const GLOBEX = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1002', password: 'globex-1002-secret' }] };

const s = suite('gruu: RFC 5627 issuance and routing');
const enabled = requireTools('gruu (linphonec)', 'linphonec');
const run = enabled ? s : s.skip;
let pbx: PbxProcess;
let linphone: Linphonec;
const closers: Array<() => unknown> = [];

s.before(async () => {
  if (!enabled) return;
  const base = 44000 + Math.floor(Math.random() * 100) * 100;
  pbx = await PbxProcess.start({ tenants: [ACME, GLOBEX], transports: ['udp'], extraYaml: `rtp: { ports: ${base}-${base + 99}, workers: 1 }` });
});

s.after(async () => {
  for (const c of closers.splice(0)) await c();
  await linphone?.dispose();
  await pbx?.dispose();
});

async function udpPhone(user: string, domain = 'acme.example', password = secret(user)): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user, domain, password, server: { host: '127.0.0.1', port: pbx.ports.udp } });
  closers.push(() => p.close());
  return p;
}

/** The value of a Contact parameter in the 200 to linphone's REGISTER, read from its own SIP log. */
async function gruuFromLog(param: 'pub-gruu' | 'temp-gruu'): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const log = readFileSync(join(linphone.dir, 'linphone.log'), 'utf8');
    const m = new RegExp(`${param}="([^"]+)"`).exec(log);
    if (m) return m[1]!;
    if (Date.now() > deadline) throw new Error(`no ${param} in linphone's log`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** user and "domain;params" of a GRUU, in the form UdpPhone.call takes them. */
function callee(gruu: string): { user: string; domain: string } {
  const m = /^sip:([^@]+)@(.+)$/.exec(gruu);
  if (!m) throw new Error(`not a SIP URI: ${gruu}`);
  return { user: m[1]!, domain: m[2]! };
}

run('linphone registers, receives pub-gruu and temp-gruu, and a call to each reaches it while the other device of 1002 does not ring', async () => {
  const wav = join(pbx.dir, 'mic.wav');
  writeFileSync(wav, encodeWav(sineWave(440, 10, 8000, 1, 0.5)));
  linphone = await Linphonec.start({ user: '1002', domain: 'acme.example', password: secret('1002'), proxy: { host: '127.0.0.1', port: pbx.ports.udp }, sourceWav: wav, sipLog: true });
  await linphone.waitRegistered();
  const pub = await gruuFromLog('pub-gruu');
  const temp = await gruuFromLog('temp-gruu');
  assert.match(pub, /^sip:1002@acme\.example;gr=urn:uuid:[0-9a-f-]+$/);
  assert.match(temp, /^sip:tgruu\.[A-Za-z0-9_-]+@acme\.example;gr$/);

  // A second device of extension 1002, registered without an instance id.
  const desk = await udpPhone('1002');
  assert.is(await desk.register(), 200);
  desk.answer = { kind: 'answer' };
  const caller = await udpPhone('1001');


  for (const gruu of [pub, temp]) {
    const mark = desk.mark();
    const lines = linphone.lines.length;
    const { user, domain } = callee(gruu);
    const call = caller.call(user, { domain, timeoutMs: 20_000 });
    const incoming = await linphone.answer(15_000, lines);
    assert.match(incoming, /1001/, 'linphone rings for its GRUU, from the caller');
    const final = await call;
    assert.is(final.status, 200, `the call to ${gruu.slice(0, 30)}… is answered by linphone`);
    assert.not.ok(desk.received.slice(mark).some((m) => m.kind === 'request' && m.method === 'INVITE'), 'the other device of 1002 never got an INVITE');
    await caller.inDialog('BYE');
    await linphone.waitLine(/Call .*(ended|terminated)/i, 10_000, lines).catch(() => undefined);
  }

  // The reference: a plain call to 1002 forks to every device, and the desk phone does ring.
  const plainMark = desk.mark();
  const plain = caller.call('1002', { timeoutMs: 15_000 });
  await desk.next((m) => m.kind === 'request' && m.method === 'INVITE', 10_000, plainMark);
  assert.is((await plain).status, 200, 'the desk phone answers the plain call');
  await caller.inDialog('BYE');
});

run('a forged temp GRUU gets 404, and a GRUU in another tenant\'s domain never reaches that tenant\'s device', async () => {
  const caller = await udpPhone('1001');
  const forged = await caller.call('tgruu.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', { domain: 'acme.example;gr' });
  assert.is(forged.status, 404);

  // globex's 1002 registered; acme's caller tries its public GRUU form and a temp GRUU of acme in globex's domain.
  const other = await udpPhone('1002', 'globex.example', 'globex-1002-secret');
  assert.is(await other.register(), 200);
  const mark = other.mark();
  const temp = await gruuFromLog('temp-gruu');
  const { user } = callee(temp);
  const cross = await caller.call(user, { domain: 'globex.example;gr' });
  assert.ok(cross.status >= 400 && cross.status < 500, `refused (${cross.status})`);
  // globex's own phone presents acme's temp GRUU token in globex's domain: sealed for acme, it opens to nothing.
  const globexCaller = await udpPhone('1002', 'globex.example', 'globex-1002-secret');
  assert.is((await globexCaller.call(user, { domain: 'globex.example;gr' })).status, 404);
  const crossPub = await caller.call('1002', { domain: 'globex.example;gr=urn:uuid:00000000-0000-0000-0000-000000000000' });
  assert.ok(crossPub.status >= 400 && crossPub.status < 500, `refused (${crossPub.status})`);
  assert.not.ok(other.received.slice(mark).some((m) => m.kind === 'request' && m.method === 'INVITE'), "globex's device never rang");
  // An unknown instance of a real extension in the caller's own tenant: nobody to ring.
  const unknown = await caller.call('1002', { domain: 'acme.example;gr=urn:uuid:00000000-0000-0000-0000-000000000000' });
  assert.is(unknown.status, 480);
});

s.run();
