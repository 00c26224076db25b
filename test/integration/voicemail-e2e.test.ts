// Voicemail end to end through real calls (issue 11, "Done means"): the real server in this
// process, real phones over loopback UDP (RTP tones, RFC 4733 keys), a real media worker,
// real SQLite files, a real SMTP server and webhook receiver. An unanswered call leaves a
// message whose audio is the caller's tone; the box's MWI subscriber hears yes 1/0; the mail
// with the WAV and the signed webhook arrive; *98 (box and PIN, from another extension) and
// *97 (own phone, no PIN) play it back (the listener hears the tone), 7 deletes it and MWI
// says no; three wrong PINs lock a box; DND sends a call to the box; a full box plays
// "mailbox full" and stores nothing, as does a tenant whose storage is full; SIPp leaves a
// message too; a caller of acme never reaches globex's box, an acme
// route cannot name globex's box, and a crafted prompt path is refused at apply.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { verifyWebhookSignature } from '../../src/notify/webhook-signature.js';
import type { SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { memoryLogger } from '../../src/util/logger.js';
import { bestToneShare, containsAudio, HeardAudio, promptSamples } from '../support/heard-audio.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import { PcmuSender } from '../support/pcmu-sender.js';
import { freePort } from '../support/ports.js';
import { REPO, tenantYaml, type TestTenant } from '../support/pbx-process.js';
import { SippProcess } from '../support/sipp-process.js';
import { credentials } from '../support/sipp.js';
import { smtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { requireTools } from '../support/tools.js';
import { decodeWav } from '../support/tone.js';
import { UdpPhone } from '../support/udp-phone.js';
import { UdpSubscriber } from '../support/udp-subscriber.js';

const WEBHOOK_SECRET = 'acme-webhook-secret-0123';
const logger = memoryLogger('info');
let pbx: InProcessPbx;
let sink: SmtpSink;
let http: ReturnType<typeof createServer>;
const hooks: Array<{ path: string; body: string; headers: IncomingMessage['headers'] }> = [];
let mwi: UdpSubscriber;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sdpPort = (m: SipResponse) => Number(/m=audio (\d+)/.exec(m.body.toString())?.[1]);
const MSG_RE = /^[0-9]{14}-[0-9a-f]{12}\.wav$/;

let acme: TestTenant;
const globex: TestTenant = {
  id: 'globex',
  domains: ['globex.example'],
  extensions: [
    { ext: '2001', password: 'globex-2001-secret' },
    { ext: '2002', password: 'globex-2002-secret', extraKeys: 'voicemail: { pin: "4321" }' },
  ],
};

/** A tenant whose storage (limits.storageMB: 1) the test fills with other files. */
const initech: TestTenant = {
  id: 'initech',
  domains: ['initech.example'],
  limits: { storageMB: 1 },
  extensions: [
    { ext: '3001', password: 'initech-3001-secret' },
    { ext: '3002', password: 'initech-3002-secret' },
  ],
};

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not in time`);
    await sleep(50);
  }
}

function boxDir(tenant: string, box: string): string {
  return join(pbx.dir, 'data', 'tenants', tenant, 'voicemail', box);
}

function messages(tenant: string, box: string): string[] {
  try {
    return readdirSync(boxDir(tenant, box)).filter((f) => MSG_RE.test(f));
  } catch {
    return [];
  }
}

function wavSamples(path: string): { pcm: Int16Array; rate: number } {
  const a = decodeWav(readFileSync(path));
  return { pcm: a.samples, rate: a.sampleRate };
}

const KEY: Record<string, number> = { '*': 10, '#': 11 };

/** Presses keys as RFC 4733 events in the phone's RTP stream, a short tone gap between. */
async function press(s: PcmuSender, keys: string): Promise<void> {
  for (const k of keys) {
    await s.digit(KEY[k] ?? Number(k), 100);
    await sleep(120);
  }
}

/** Waits until what the phone heard since `from` contains the start of a prompt (it is being played). */
async function heardPrompt(heard: HeardAudio, id: string, from: number, ms = 15_000): Promise<void> {
  const p = promptSamples(REPO, id);
  const head = p.subarray(0, Math.min(p.length, 8000));
  const end = Date.now() + ms;
  // Each poll searches only what came since the last one (plus a prompt's length of overlap).
  let scanned = 0;
  for (;;) {
    const got = heard.samples(from);
    if (containsAudio(got.subarray(Math.max(0, scanned - head.length)), head) > 0.85) return;
    scanned = got.length;
    if (Date.now() > end) throw new Error(`prompt ${id} not heard (${got.length} samples since the mark)`);
    await sleep(300);
  }
}

/**
 * A caller reaches a box: a tone of `hz` until the recorder's file appears (the greeting and
 * the beep are over), `ms` more of it, then `#`; the PBX thanks and hangs up.
 */
async function leaveMessage(caller: UdpPhone, dialled: string, o: { tenant?: string; box: string; hz: number; ms?: number; ssrc: number }): Promise<{ heard: HeardAudio; file: string }> {
  const tenant = o.tenant ?? 'acme';
  const before = new Set(messages(tenant, o.box));
  const heard = new HeardAudio(caller);
  const res = await caller.call(dialled, { timeoutMs: 20_000 });
  assert.is(res.status, 200, `${dialled}: ${res.status} ${res.reason}`);
  const s = new PcmuSender(caller, sdpPort(res), o.ssrc, o.hz);
  const end = Date.now() + 20_000;
  let file: string | undefined;
  while (!(file = messages(tenant, o.box).find((f) => !before.has(f)))) {
    if (Date.now() > end) throw new Error(`no recording started in ${tenant}/${o.box}`);
    await s.tone(200);
  }
  await s.tone(o.ms ?? 2500);
  const mark = caller.mark();
  await press(s, '#');
  await caller.next((m) => m.kind === 'request' && m.method === 'BYE', 15_000, mark);
  return { heard, file: join(boxDir(tenant, o.box), file) };
}

/** A call to a feature code that answers; returns its sender and what the caller hears. */
async function dial(caller: UdpPhone, dialled: string, ssrc: number): Promise<{ s: PcmuSender; heard: HeardAudio }> {
  const heard = new HeardAudio(caller);
  const res = await caller.call(dialled, { timeoutMs: 10_000 });
  assert.is(res.status, 200, `${dialled}: ${res.status} ${res.reason}`);
  const s = new PcmuSender(caller, sdpPort(res), ssrc, 400);
  await until(() => heard.count > 5, `${dialled}: audio from the PBX`);
  return { s, heard };
}

const body = (m: SipRequest) => m.body.toString();

test.before(async () => {
  sink = await smtpSink({ user: 'relay', password: 'relay-pw' });
  http = createServer((req, res) => {
    let b = '';
    req.on('data', (d) => (b += d));
    req.on('end', () => {
      hooks.push({ path: req.url ?? '', body: b, headers: req.headers });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.2', () => r()));
  acme = {
    id: 'acme',
    domains: ['acme.example'],
    extensions: [
      { ext: '1001', password: 'acme-1001-secret' },
      { ext: '1002', password: 'acme-1002-secret', extraKeys: 'voicemail: { pin: "2468", email: "bob@acme.example" }' },
      { ext: '1003', password: 'acme-1003-secret', extraKeys: 'voicemail: { pin: "1357" }' },
      { ext: '1004', password: 'acme-1004-secret', extraKeys: 'voicemail: { maxMessages: 1 }' },
    ],
    extraYaml: `countryCode: "1"\ndids: [ "+14155550100" ]\nwebhooks:\n  - { url: "http://127.0.0.2:${(http.address() as AddressInfo).port}/acme", secret: "${WEBHOOK_SECRET}", events: [ voicemail.new ] }`,
  };
  pbx = await InProcessPbx.start({
    name: 'vm-e2e',
    logger,
    security: 'tenantTrunkAllowedNetworks: [ "127.0.0.2/32" ]',
    extraYaml: `calls: { noAnswerSeconds: 3 }\nsmtp: { host: 127.0.0.1, port: ${sink.port}, user: relay, password: relay-pw, from: "PBX <voicemail@pbx.example>" }`,
    tenants: [acme, globex, initech],
  });
  let printed = 0;
  if (process.env.VM_E2E_LOG) setInterval(() => { for (const l of logger.lines.slice(printed)) console.error(l); printed = logger.lines.length; }, 200).unref();
  mwi = await UdpSubscriber.open({ user: '1002', domain: 'acme.example', password: 'acme-1002-secret', server: { host: '127.0.0.1', port: pbx.port } });
});

test.after(async () => {
  mwi?.close();
  await pbx?.stop();
  await sink?.close();
  await new Promise((r) => http?.close(r));
});

test('no answer: the caller\'s 700 Hz is left in 1002\'s box; MWI yes 1/0; the mail with the WAV and the signed webhook arrive', async () => {
  assert.is((await mwi.subscribe('1002', { expires: 600 }))?.status, 200);
  const first = await mwi.nextNotify(0);
  assert.match(body(first), /Messages-Waiting: no/);

  const bob = await pbx.phone('acme', '1002');
  assert.is(await bob.register(), 200);
  bob.answer = { kind: 'ring' };
  const alice = await pbx.phone('acme', '1001');
  const { file } = await leaveMessage(alice, '1002', { box: '1002', hz: 700, ssrc: 0x700 });
  assert.ok(bob.received.some((m) => m.kind === 'request' && m.method === 'INVITE'), '1002 rang first');
  await bob.register(0);

  const { pcm, rate } = wavSamples(file);
  assert.ok(pcm.length >= rate * 2, `at least two seconds recorded: ${pcm.length} samples`);
  const share = bestToneShare(pcm, 700);
  assert.ok(share > 0.8, `the stored message is the caller's 700 Hz: ${share}`);

  const yes = await mwi.nextNotify(1, 5000, (m) => /Messages-Waiting: yes/.test(body(m)));
  assert.match(body(yes), /Voice-Message: 1\/0/);

  const mail = await sink.next(0);
  assert.is((mail.to as { text: string }).text, 'bob@acme.example');
  assert.match(mail.subject ?? '', /box 1002/);
  assert.ok(mail.attachments[0]!.content.equals(readFileSync(file)), 'the attachment is the stored WAV, byte for byte');

  await until(() => hooks.length > 0, 'the webhook');
  const h = hooks[0]!;
  assert.is(h.path, '/acme');
  assert.ok(verifyWebhookSignature(WEBHOOK_SECRET, String(h.headers['x-pbx-timestamp']), h.body, h.headers['x-pbx-signature'] as string), 'the signature verifies');
  assert.not.ok(verifyWebhookSignature('another-secret-0123456', String(h.headers['x-pbx-timestamp']), h.body, h.headers['x-pbx-signature'] as string));
  const j = JSON.parse(h.body);
  assert.is(j.event, 'voicemail.new');
  assert.is(j.box, '1002');
  assert.is(`${j.message.id}.wav`, file.split('/').pop());
});

test('*98 from 1001 with box 1002 and its PIN: 1 plays the message (the listener hears 700 Hz); MWI goes to no (read)', async () => {
  const alice = await pbx.phone('acme', '1001');
  const { s, heard } = await dial(alice, '*98', 0x981);
  await heardPrompt(heard, 'vm-enter-mailbox', 0);
  await press(s, '1002#');
  await heardPrompt(heard, 'vm-enter-password', 0);
  await press(s, '2468#');
  let mark = heard.count;
  await heardPrompt(heard, 'vm-menu-main', mark);
  mark = heard.count;
  const notifies = mwi.notifies.length;
  await press(s, '1');
  await heardPrompt(heard, 'vm-menu-message', mark, 30_000);
  const share = bestToneShare(heard.samples(mark), 700);
  assert.ok(share > 0.8, `1001 heard the message's 700 Hz: ${share}`);
  const read = await mwi.nextNotify(notifies, 5000, (m) => /Voice-Message: 0\/1/.test(body(m)));
  assert.match(body(read), /Messages-Waiting: no/);
  assert.is((await alice.inDialog('BYE')).status, 200);
});

test('*97 from 1002 (own phone, no PIN): 1 plays the saved message (700 Hz heard), 7 deletes it: file gone, MWI 0/0', async () => {
  const bob = await pbx.phone('acme', '1002');
  const { s, heard } = await dial(bob, '*97', 0x971);
  await heardPrompt(heard, 'vm-menu-main', 0);
  assert.is(containsAudio(heard.samples(0), promptSamples(REPO, 'vm-enter-password')) > 0.85, false, 'no PIN asked');
  let mark = heard.count;
  await press(s, '1');
  await heardPrompt(heard, 'vm-menu-message', mark, 30_000);
  assert.ok(bestToneShare(heard.samples(mark), 700) > 0.8, '1002 heard its message');
  mark = heard.count;
  const notifies = mwi.notifies.length;
  await press(s, '7');
  await heardPrompt(heard, 'vm-message-deleted', mark);
  const cleared = await mwi.nextNotify(notifies, 5000, (m) => /Voice-Message: 0\/0/.test(body(m)));
  assert.match(body(cleared), /Messages-Waiting: no/);
  assert.equal(messages('acme', '1002'), [], 'the file is gone');
  assert.is((await bob.inDialog('BYE')).status, 200);
});

test('three wrong PINs lock box 1003 and are logged; then even the right PIN gets "login incorrect"', async () => {
  const alice = await pbx.phone('acme', '1001');
  const { s, heard } = await dial(alice, '*98', 0x982);
  const incorrect = promptSamples(REPO, 'vm-login-incorrect');
  for (const pin of ['0000', '1111', '2222']) {
    const mark = heard.count;
    await heardPrompt(heard, 'vm-enter-mailbox', Math.max(0, mark - 50));
    await press(s, '1003#');
    await heardPrompt(heard, 'vm-enter-password', mark);
    await press(s, `${pin}#`);
    await heardPrompt(heard, 'vm-login-incorrect', mark);
  }
  await alice.next((m) => m.kind === 'request' && m.method === 'BYE', 15_000);
  assert.ok(containsAudio(heard.samples(0), incorrect) > 0.85);
  await until(() => logger.lines.some((l) => l.includes('voicemail box locked after wrong PINs') && l.includes('1003')), 'the lock in the log');
  assert.ok(logger.lines.some((l) => l.includes('authentication failed') && l.includes('method=voicemail') && l.includes('box=1003') && l.includes('tenant=acme')), 'logged as an authentication failure');

  const again = await pbx.phone('acme', '1001');
  const d = await dial(again, '*98', 0x983);
  await heardPrompt(d.heard, 'vm-enter-mailbox', 0);
  await press(d.s, '1003#');
  await heardPrompt(d.heard, 'vm-enter-password', 0);
  const mark = d.heard.count;
  await press(d.s, '1357#');
  await heardPrompt(d.heard, 'vm-login-incorrect', mark);
  assert.is(containsAudio(d.heard.samples(mark), promptSamples(REPO, 'vm-menu-main').subarray(0, 8000)) > 0.85, false, 'no menu while locked');
  await again.inDialog('BYE').catch(() => undefined);
});

test('DND (*78 from 1002): a call does not ring 1002 and goes to its box with reason dnd; *79 ends it', async () => {
  const bob = await pbx.phone('acme', '1002');
  assert.is(await bob.register(), 200);
  const on = await bob.call('*78', { timeoutMs: 10_000 });
  assert.ok(on.status < 300, `*78: ${on.status}`);
  if (on.status === 200) await bob.next((m) => m.kind === 'request' && m.method === 'BYE', 10_000).catch(() => bob.inDialog('BYE'));
  const invitesBefore = bob.received.filter((m) => m.kind === 'request' && m.method === 'INVITE').length;
  const alice = await pbx.phone('acme', '1001');
  const { file } = await leaveMessage(alice, '1002', { box: '1002', hz: 900, ssrc: 0x78, ms: 1500 });
  assert.is(bob.received.filter((m) => m.kind === 'request' && m.method === 'INVITE').length, invitesBefore, 'no INVITE to a DND extension');
  assert.ok(logger.lines.some((l) => l.includes('voicemail deposit') && l.includes('box=1002') && l.includes('reason=dnd')), 'the deposit\'s reason is dnd');
  assert.ok(bestToneShare(wavSamples(file).pcm, 900) > 0.8);
  const m79 = bob.mark();
  const off = await bob.call('*79', { timeoutMs: 10_000 });
  assert.ok(off.status < 300, `*79: ${off.status}`);
  if (off.status === 200) await bob.next((m) => m.kind === 'request' && m.method === 'BYE', 10_000, m79).catch(() => bob.inDialog('BYE'));
  // DND off: 1002 rings again.
  bob.answer = { kind: 'answer' };
  const rang = await alice.call('1002', { timeoutMs: 10_000 });
  assert.is(rang.status, 200);
  assert.is(bob.received.filter((m) => m.kind === 'request' && m.method === 'INVITE').length, invitesBefore + 1, '1002 rang');
  await alice.inDialog('BYE');
  await bob.register(0);
});

test('a caller who hangs up after speaking leaves a message (MWI counts it, mail sent); silence only is dropped: no file, no MWI, no mail', async () => {
  const kept = messages('acme', '1002').length;
  const mails = sink.mails.length;
  const notifies = mwi.notifies.length;
  const alice = await pbx.phone('acme', '1001');
  const res = await alice.call('1002', { timeoutMs: 20_000 });
  assert.is(res.status, 200);
  const s = new PcmuSender(alice, sdpPort(res), 0x51, 500);
  while (messages('acme', '1002').length === kept) await s.tone(200);
  await s.tone(2000);
  assert.is((await alice.inDialog('BYE')).status, 200);
  const counted = await mwi.nextNotify(notifies, 5000, (m) => new RegExp(`Voice-Message: ${kept + 1}/0`).test(body(m)));
  assert.match(body(counted), /Messages-Waiting: yes/);
  assert.is(messages('acme', '1002').length, kept + 1, 'kept after the hang-up');
  await sink.next(mails);

  const quietMails = sink.mails.length;
  const quietNotifies = mwi.notifies.length;
  const res2 = await alice.call('1002', { timeoutMs: 20_000 });
  assert.is(res2.status, 200);
  const quiet = new PcmuSender(alice, sdpPort(res2), 0x52, 0);
  while (messages('acme', '1002').length === kept + 1) await quiet.tone(200);
  await quiet.tone(2000);
  assert.is((await alice.inDialog('BYE')).status, 200);
  await until(() => messages('acme', '1002').length === kept + 1, 'the silent recording dropped');
  await sleep(1000);
  assert.is(sink.mails.length, quietMails, 'no mail for a dropped message');
  assert.is(mwi.notifies.length, quietNotifies, 'no MWI change');
});

test('a full box (maxMessages: 1): the second caller hears "mailbox full" and nothing is stored', async () => {
  const alice = await pbx.phone('acme', '1001');
  await leaveMessage(alice, '1004', { box: '1004', hz: 600, ssrc: 0x41, ms: 1500 });
  assert.is(messages('acme', '1004').length, 1);
  const caller = await pbx.phone('acme', '1003');
  const heard = new HeardAudio(caller);
  const res = await caller.call('1004', { timeoutMs: 20_000 });
  assert.is(res.status, 200);
  const s = new PcmuSender(caller, sdpPort(res), 0x42, 600);
  const bye = caller.next((m) => m.kind === 'request' && m.method === 'BYE', 20_000);
  let done = false;
  void bye.then(() => (done = true));
  while (!done) await s.tone(200);
  assert.ok(containsAudio(heard.samples(0), promptSamples(REPO, 'vm-mailbox-full')) > 0.85, 'the caller heard "mailbox full"');
  assert.is(messages('acme', '1004').length, 1, 'nothing new stored');
  assert.ok(logger.lines.some((l) => l.includes('voicemail deposit refused') && l.includes('box-full')));
});

test('a full tenant (limits.storageMB): the caller hears "mailbox full", nothing is recorded, nothing existing is lost', async () => {
  const dir = join(pbx.dir, 'data', 'tenants', 'initech', 'recordings');
  mkdirSync(dir, { recursive: true });
  const filler = join(dir, 'earlier-call.wav');
  writeFileSync(filler, Buffer.alloc(1024 * 1024 + 1, 1));
  const caller = await pbx.phone('initech', '3001');
  const heard = new HeardAudio(caller);
  const res = await caller.call('3002', { timeoutMs: 20_000 });
  assert.is(res.status, 200, `${res.status} ${res.reason}`);
  const s = new PcmuSender(caller, sdpPort(res), 0x3001, 600);
  let done = false;
  void caller.next((m) => m.kind === 'request' && m.method === 'BYE', 20_000).then(() => (done = true));
  while (!done) await s.tone(200);
  assert.ok(containsAudio(heard.samples(0), promptSamples(REPO, 'vm-mailbox-full')) > 0.85, 'the caller heard "mailbox full"');
  assert.equal(messages('initech', '3002'), [], 'nothing recorded');
  assert.is(readFileSync(filler).length, 1024 * 1024 + 1, 'the existing file is untouched');
  assert.ok(logger.lines.some((l) => l.includes('voicemail deposit refused') && l.includes('tenant=initech') && l.includes('storage-full')));
});

const haveSipp = requireTools('voicemail deposit by SIPp', 'sipp');

test('SIPp (a caller nobody here wrote) reaches 1003\'s box, streams 440 Hz through the greeting and after the beep, and hangs up: the message holds its tone', async () => {
  if (!haveSipp) return;
  const before = messages('acme', '1003').length;
  const sipp = SippProcess.start({
    scenario: 'call-uac.xml',
    remote: `127.0.0.1:${pbx.port}`,
    localPort: await freePort(),
    mediaPort: await freePort(),
    // The system greeting ("the person at extension 1 0 0 3 is not available…", beep) takes about 11 s.
    pauseMs: 17_000,
    timeoutSeconds: 40,
    inject: [[...credentials('1001', 'acme.example', 'acme-1001-secret'), '1003@acme.example']],
  });
  const r = await sipp.done;
  assert.is(r.successful, 1, r.output);
  await until(() => logger.lines.some((l) => l.includes('voicemail message kept') && l.includes('1003')), 'the message kept');
  const files = messages('acme', '1003');
  assert.is(files.length, before + 1);
  const { pcm } = wavSamples(join(boxDir('acme', '1003'), files[files.length - 1]!));
  assert.ok(pcm.length >= 8000 * 2, `seconds recorded: ${pcm.length / 8000}`);
  const share = bestToneShare(pcm, 440);
  assert.ok(share > 0.8, `SIPp's 440 Hz is in the message: ${share}`);
});

test('isolation: *98 with globex\'s box 2002 from acme is "login incorrect", never globex\'s audio', async () => {
  // globex's box 2002 holds a 1 kHz message, left by a real call in globex.
  const g = await pbx.phone('globex', '2001');
  await leaveMessage(g, '2002', { tenant: 'globex', box: '2002', hz: 1000, ssrc: 0x2002, ms: 1500 });
  assert.is(messages('globex', '2002').length, 1);
  const alice = await pbx.phone('acme', '1001');
  const { s, heard } = await dial(alice, '*98', 0x984);
  await heardPrompt(heard, 'vm-enter-mailbox', 0);
  await press(s, '2002#');
  await heardPrompt(heard, 'vm-enter-password', 0);
  const mark = heard.count;
  await press(s, '4321#');
  await heardPrompt(heard, 'vm-login-incorrect', mark);
  await press(s, '1');
  await sleep(1500);
  assert.ok(bestToneShare(heard.samples(0), 1000) < 0.5, 'globex\'s 1 kHz message never played to acme');
  assert.is(containsAudio(heard.samples(mark), promptSamples(REPO, 'vm-menu-main').subarray(0, 8000)) > 0.85, false, 'no menu');
  await alice.inDialog('BYE').catch(() => undefined);
  assert.ok(logger.lines.some((l) => l.includes('authentication failed') && l.includes('no such box')), 'logged');
});

test('isolation at apply: an acme route naming globex\'s box 2002, or a prompt path with ../ (a route\'s play, a menu\'s greeting), is refused and changes nothing', async () => {
  const file = join(pbx.dir, 'tenants', 'acme.yaml');
  const good = readFileSync(file, 'utf8');
  const bad: Array<[string, RegExp]> = [
    ['inboundRoutes:\n  - { did: "+14155550100", destination: { voicemail: "2002" } }', /destination\.voicemail: no voicemail box '2002' in this tenant/],
    ['inboundRoutes:\n  - { did: "+14155550100", destination: { play: "../../globex/prompts/secret" } }', /destination\.play: must be a prompt name/],
    ['ivrs:\n  - { name: main, greeting: "../../globex/prompts/secret", options: { "1": { extension: "1001" } } }', /ivrs\[0\]\.greeting/],
  ];
  try {
    for (const [extra, why] of bad) {
      writeFileSync(file, tenantYaml({ ...acme, extraYaml: `${acme.extraYaml}\n${extra}` }));
      const report = pbx.server.reload();
      assert.ok(report, 'reloaded');
      const failed = report!.failed.find((f) => f.file.endsWith('acme.yaml'));
      assert.ok(failed, `acme refused: ${JSON.stringify(report)}`);
      assert.match(failed!.errors.join('\n'), /acme\.yaml:\d+:\d+/, 'file:line:col');
      assert.match(failed!.errors.join('\n'), why);
      assert.is(report!.applied.includes('acme'), false);
    }
  } finally {
    writeFileSync(file, good);
    pbx.server.reload();
  }
  // acme still runs on what was applied before: a call to 1003 still reaches its box.
  const alice = await pbx.phone('acme', '1001');
  const res = await alice.call('1003', { timeoutMs: 20_000 });
  assert.is(res.status, 200);
  await alice.inDialog('BYE');
});

test.run();
