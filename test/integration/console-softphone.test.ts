// The console's browser softphone (issue 14 point 3) end to end: headless Chromium (Debian's,
// driven by playwright-core) with a fake microphone playing a 700 Hz tone; a user signs in to
// the console, opens the Phone page, connects with the SIP password over the PBX's ws
// listener, calls a UDP phone of the same tenant (the tone arrives there as G.711), holds
// (the phone sees the re-INVITE), sends DTMF (the phone receives RFC 4733 events), hangs up;
// then the phone calls the browser and the page answers; a blind transfer from the page moves
// the phone to a third phone; an attended transfer (consult, then REFER with Replaces) leaves
// the two phones talking to each other; another tenant's extension cannot be reached from the page;
// axe on the Phone page; no CSP violation or page error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { toneShare } from '../../src/media/dsp/goertzel.js';
import type { SipMessage } from '../../src/sip/message/types.js';
import { axeViolations, CHROMIUM, ensureConsoleBuilt, requireChromium, screenshot, signIn, withPage } from '../support/console-browser.js';
import { byeFrom, joined, listen, sdpPort, sleep, until } from '../support/flow-call.js';
import { PcmuSender } from '../support/pcmu-sender.js';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';
import { encodeWav, sineWave } from '../support/tone.js';
import { UdpPhone } from '../support/udp-phone.js';

const TONE_HZ = 700;
const ACME: TestTenant = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: [
    { ext: '1001', name: 'Alice', password: 'acme-1001-secret', extraKeys: 'webPassword: "alice-web-pass"' },
    { ext: '1002', password: 'acme-1002-secret' },
    { ext: '1003', password: 'acme-1003-secret' },
    { ext: '1004', name: 'Dana Admin', password: 'acme-1004-secret', extraKeys: 'webPassword: "dana-web-pass", webAdmin: true' },
  ],
};

const GLOBEX: TestTenant = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1002', password: 'globex-1002-secret' }] };

const enabled = requireChromium('console softphone');
const s = suite('console softphone');
let pbx: PbxProcess | undefined;
let browser: Browser | undefined;
let dir = '';
const phones: UdpPhone[] = [];

s.before(async () => {
  if (!enabled) return;
  ensureConsoleBuilt();
  dir = mkdtempSync(join(tmpdir(), 'pbx-console-softphone-'));
  writeFileSync(join(dir, 'tone.wav'), encodeWav(sineWave(TONE_HZ, 10, 48000)));
  pbx = await PbxProcess.start({
    tenants: [ACME, GLOBEX],
    transports: ['udp', 'ws'],
    extraYaml: ['security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }', 'registrar: { writeDelayMs: 0 }'].join('\n'),
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${join(dir, 'tone.wav')}`,
      '--autoplay-policy=no-user-gesture-required',
      '--no-sandbox',
      '--disable-dev-shm-usage',
    ],
  });
});

// Each test's phones leave (unregistered), so the next test's phone is the only one of its extension.
s.after.each(async () => {
  for (const p of phones.splice(0)) {
    await p.register(0).catch(() => undefined);
    p.close();
  }
});

s.after(async () => {
  for (const p of phones) p.close();
  await browser?.close();
  await pbx?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const base = () => `http://127.0.0.1:${pbx!.apiPort}`;

async function phone(ext: string, tenant = 'acme'): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user: ext, domain: `${tenant}.example`, password: `${tenant}-${ext}-secret`, server: { host: '127.0.0.1', port: pbx!.ports.udp }, answerDirection: true });
  phones.push(p);
  assert.is(await p.register(), 200, `${ext} registers`);
  return p;
}

/** Signs in as 1001 (or another extension), opens the Phone page and connects with the SIP password. */
async function connect(page: Page, ext = '1001', webPassword = 'alice-web-pass'): Promise<void> {
  await signIn(page, `${ext}@acme.example`, webPassword);
  await page.getByRole('link', { name: 'Phone' }).click();
  await page.getByRole('heading', { name: 'Phone', level: 1 }).waitFor();
  assert.is(await page.getByLabel('SIP user').inputValue(), `${ext}@acme.example`, 'the SIP user comes from the session');
  await page.getByLabel('SIP password').fill(`acme-${ext}-secret`);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByTestId('registration').filter({ hasText: 'Connected' }).waitFor({ timeout: 10_000 });
}

const callStatus = (page: Page, text: string) => page.getByTestId('call-status').filter({ hasText: text }).waitFor({ timeout: 10_000 });

/** What the page plays out of its call-audio element: RMS and the strongest frequency (Web Audio analyser). */
function heardInPage(page: Page): Promise<{ rms: number; peakHz: number }> {
  return page.evaluate(async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const g = globalThis as any;
    const audio = g.document.querySelector('[data-testid=remote-audio]');
    const ctx = new g.AudioContext();
    const an = ctx.createAnalyser();
    an.fftSize = 4096;
    ctx.createMediaStreamSource(audio.srcObject).connect(an);
    await new Promise((r) => setTimeout(r, 700));
    const wave = new Float32Array(an.fftSize);
    an.getFloatTimeDomainData(wave);
    const bins = new Float32Array(an.frequencyBinCount);
    an.getFloatFrequencyData(bins);
    let peak = 0;
    for (let i = 1; i < bins.length; i++) if (bins[i]! > bins[peak]!) peak = i;
    let sum = 0;
    for (const v of wave) sum += v * v;
    const out = { rms: Math.sqrt(sum / wave.length), peakHz: (peak * ctx.sampleRate) / an.fftSize };
    await ctx.close();
    return out;
  });
}

function toneFramesOf(heard: Int16Array[]): number {
  return heard.slice(-50).filter((f) => toneShare(f, 8000, TONE_HZ) > 0.5).length;
}

/** RFC 4733 event packets (payload type 101) the phone receives, by event code. */
function dtmfEvents(p: UdpPhone): Set<number> {
  const got = new Set<number>();
  p.rtp.on('message', (b: Buffer) => {
    if (b.length >= 16 && b[0]! >> 6 === 2 && (b[1]! & 0x7f) === 101) got.add(b[12]!);
  });
  return got;
}

const run = enabled ? s : s.skip;

run('GET /session answers the ws listener as sipWs, and the console CSP allows exactly that WebSocket', async () => {
  const page = await fetch(`${base()}/console/`);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, `connect-src 'self' ws://127.0.0.1:${pbx!.ports.ws};`);
  assert.not.match(csp, 'unsafe-inline');
  const login = await fetch(`${base()}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: '1001@acme.example', password: 'alice-web-pass' }) });
  assert.is(login.status, 200);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const session = (await (await fetch(`${base()}/api/v1/session`, { headers: { cookie } })).json()) as { sipWs?: string[]; ext?: string };
  assert.equal(session.sipWs, [`ws://127.0.0.1:${pbx!.ports.ws}`]);
  assert.is(session.ext, '1001');
});

run('the Phone page registers, calls a phone of the tenant (the tone arrives), holds, sends DTMF and hangs up', async () => {
  const bob = await phone('1002');
  const heard = listen(bob);
  const digits = dtmfEvents(bob);
  await withPage(browser!, base(), 'softphone-call', async (page, problems) => {
    await connect(page);
    assert.equal(await axeViolations(page), [], 'axe on the Phone page (connected)');
    await page.getByLabel('Number or extension to call').fill('1002');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await callStatus(page, 'In a call');
    await until(() => heard.length > 100, 10_000, 'RTP at the phone');
    const tone = toneFramesOf(heard);
    assert.ok(tone > 25, `the ${TONE_HZ} Hz tone arrives at the phone (${tone}/50 frames)`);
    assert.equal(await axeViolations(page), [], 'axe on the Phone page (in a call)');
    await screenshot(page, 'softphone-in-call');

    // Hold: the page's re-INVITE reaches the phone as a re-INVITE that holds it (RFC 3264 §8.4).
    const mark = bob.mark();
    await page.getByRole('button', { name: 'Hold' }).click();
    await callStatus(page, 'On hold');
    const reinvite = await bob.next((m) => m.kind === 'request' && m.method === 'INVITE', 5000, mark);
    assert.match(reinvite.body.toString(), /a=(sendonly|inactive)/, 'the phone is put on hold');
    assert.is(await page.getByRole('button', { name: 'Resume' }).getAttribute('aria-pressed'), 'true');
    const mark2 = bob.mark();
    await page.getByRole('button', { name: 'Resume' }).click();
    await callStatus(page, 'In a call');
    const resumed = await bob.next((m) => m.kind === 'request' && m.method === 'INVITE', 5000, mark2);
    assert.not.match(resumed.body.toString(), /a=(sendonly|inactive)/, 'the phone is taken off hold');

    // DTMF: SIP INFO from the page; the PBX plays it to the phone as RFC 4733 (event 5 and #=11).
    await page.getByRole('button', { name: 'Send 5' }).click();
    await page.getByRole('button', { name: 'Send #' }).click();
    await until(() => digits.has(5) && digits.has(11), 5000, 'RFC 4733 events 5 and # at the phone');

    const mark3 = bob.mark();
    await page.getByRole('button', { name: 'Hang up' }).click();
    await byeFrom(bob, mark3);
    await callStatus(page, 'The call ended');
    assert.equal(problems, [], 'no page error or CSP violation');
  });
});

run("a phone calls the browser and the page answers: the browser's tone arrives at the phone, the phone's tone plays in the page", async () => {
  const bob = await phone('1002');
  const heard = listen(bob);
  await withPage(browser!, base(), 'softphone-answer', async (page, problems) => {
    await connect(page);
    const answered = bob.call('1001');
    await callStatus(page, 'Incoming call');
    assert.equal(await axeViolations(page), [], 'axe on the Phone page (ringing)');
    await page.getByRole('button', { name: 'Answer' }).click();
    assert.is((await answered).status, 200, 'the phone gets 200 from the browser');
    await callStatus(page, 'In a call');
    await until(() => heard.length > 100, 10_000, 'RTP at the phone');
    const tone = toneFramesOf(heard);
    assert.ok(tone > 25, `the ${TONE_HZ} Hz tone arrives at the phone (${tone}/50 frames)`);
    // The other way: the phone's 1 kHz reaches the page's call audio.
    const sender = new PcmuSender(bob, sdpPort(await answered), 0x5151, 1000);
    const sending = sender.tone(3000);
    await sleep(800);
    const inPage = await heardInPage(page);
    await sending;
    assert.ok(inPage.rms > 0.01 && Math.abs(inPage.peakHz - 1000) < 40, `the phone's 1 kHz tone plays in the page: ${JSON.stringify(inPage)}`);
    const mark = bob.mark();
    await page.getByRole('button', { name: 'Hang up' }).click();
    await byeFrom(bob, mark);
    assert.equal(problems, [], 'no page error or CSP violation');
  });
});

run('a blind transfer from the page (REFER) connects the phone to a third phone', async () => {
  const bob = await phone('1002');
  const carol = await phone('1003');
  await withPage(browser!, base(), 'softphone-transfer', async (page, problems) => {
    await connect(page);
    await page.getByLabel('Number or extension to call').fill('1002');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await callStatus(page, 'In a call');
    const mark = carol.mark();
    await page.getByLabel('Transfer to (number or extension)').fill('1003');
    await page.getByRole('button', { name: 'Transfer', exact: true }).click();
    const invite = await carol.next((m) => m.kind === 'request' && m.method === 'INVITE', 10_000, mark);
    assert.match(invite.body.toString(), 'm=audio', 'the third phone is called with media');
    await callStatus(page, 'The call ended');
    await sleep(300);
    const bobGot = bob.received.map((m) => (m.kind === 'request' ? m.method : String(m.status)));
    assert.ok(bob.dialog !== undefined, `the phone stays in a call (now with the third phone): it got ${bobGot.join(' ')}`);
    assert.equal(problems, [], 'no page error or CSP violation');
  });
  await sleep(200);
});

/**
 * The page calls 1002, consults 1003 and completes: the PBX re-INVITEs 1003 onto the first
 * call (RFC 5589 §7) and takes 1002 off hold. Returns both phones and those re-INVITEs.
 */
async function attendedTransfer(page: Page, bob: UdpPhone, carol: UdpPhone): Promise<{ moved: SipMessage; resumed: SipMessage }> {
  await connect(page);
  await page.getByLabel('Number or extension to call').fill('1002');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await callStatus(page, 'In a call');
  const markB = bob.mark();
  const markC = carol.mark();
  await page.getByLabel('Transfer to (number or extension)').fill('1003');
  await page.getByRole('button', { name: 'Consult first' }).click();
  const hold = await bob.next((m) => m.kind === 'request' && m.method === 'INVITE', 10_000, markB);
  assert.match(hold.body.toString(), /a=(sendonly|inactive)/, 'the first call is held while consulting');
  await carol.next((m) => m.kind === 'request' && m.method === 'INVITE', 10_000, markC);
  await page.getByTestId('consult-status').filter({ hasText: 'Consulting 1003' }).waitFor({ timeout: 10_000 });
  assert.equal(await axeViolations(page), [], 'axe on the Phone page (consulting)');
  await screenshot(page, 'softphone-consulting');
  const markB2 = bob.mark();
  const markC2 = carol.mark();
  await page.getByRole('button', { name: 'Complete transfer' }).click();
  const moved = await carol.next((m) => m.kind === 'request' && m.method === 'INVITE', 10_000, markC2);
  const resumed = await bob.next((m) => m.kind === 'request' && m.method === 'INVITE' && !/a=(sendonly|inactive)/.test(m.body.toString()), 10_000, markB2);
  await callStatus(page, 'The call ended');
  assert.ok(!carol.received.slice(markC2).some((m) => m.kind === 'request' && m.method === 'BYE'), 'the consulted phone is not hung up: its call moved');
  return { moved, resumed };
}

run('an attended transfer from the page: hold, a consultation call to a third phone, then REFER with Replaces: the PBX moves the third phone onto the first call and both page calls end', async () => {
  const bob = await phone('1002');
  const carol = await phone('1003');
  await withPage(browser!, base(), 'softphone-attended-transfer', async (page, problems) => {
    await attendedTransfer(page, bob, carol);
    assert.is(await page.getByTestId('consult-status').count(), 0, 'no consultation left on the page');
    assert.ok(bob.dialog !== undefined && carol.dialog !== undefined, 'both phones are still in a call');
    assert.ok(pbx!.logs.some((l) => /attended transfer: joined tenant=acme .*target=1003/.test(l)), 'the PBX joined 1003 into the first call');
    assert.equal(problems, [], 'no page error or CSP violation');
  });
});

run('after an attended transfer from the page the two phones hear each other (the consulted phone gets plain RTP, not the browser leg\'s WebRTC profile)', async () => {
  const bob = await phone('1002');
  const carol = await phone('1003');
  await withPage(browser!, base(), 'softphone-attended-transfer-audio', async (page) => {
    const { moved, resumed } = await attendedTransfer(page, bob, carol);
    assert.not.match(moved.body.toString(), 'SAVPF', 'the consulted phone is offered plain RTP');
    await sleep(300);
    const atB = listen(bob);
    const atC = listen(carol);
    await Promise.all([new PcmuSender(bob, sdpPort(resumed), 0x5151, 1000).tone(1500), new PcmuSender(carol, sdpPort(moved), 0x6161, 600).tone(1500)]);
    assert.ok(toneShare(joined(atC, 10), 8000, 1000) > 0.5, "the consulted phone hears the first one's 1 kHz");
    assert.ok(toneShare(joined(atB, 10), 8000, 600) > 0.5, "the first phone hears the consulted one's 600 Hz");
  });
});

run('a tenant admin who has an extension gets the Phone page too, and calls from it', async () => {
  const bob = await phone('1002');
  const heard = listen(bob);
  await withPage(browser!, base(), 'softphone-tenant-admin', async (page, problems) => {
    await connect(page, '1004', 'dana-web-pass');
    assert.match(await page.getByTestId('who').innerText(), 'tenant admin');
    await page.getByLabel('Number or extension to call').fill('1002');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await callStatus(page, 'In a call');
    await until(() => heard.length > 100, 10_000, 'RTP at the phone');
    assert.ok(toneFramesOf(heard) > 25, 'the tone arrives at the phone');
    await page.getByRole('button', { name: 'Hang up' }).click();
    await callStatus(page, 'The call ended');
    assert.equal(problems, [], 'no page error or CSP violation');
  });
});

run('a wrong SIP password: the page says it is not connected and why, and offers to try again', async () => {
  await withPage(browser!, base(), 'softphone-wrong-password', async (page, problems) => {
    await signIn(page, '1001@acme.example', 'alice-web-pass');
    await page.goto('/console/#/me/phone');
    await page.getByLabel('SIP password').fill('not-the-sip-password');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByTestId('registration').filter({ hasText: 'Not connected' }).waitFor({ timeout: 10_000 });
    assert.match(await page.getByTestId('registration-problem').innerText(), /Last problem: (401|403|407)/);
    assert.is(await page.getByLabel('SIP password').inputValue(), '', 'the typed password is not kept in the field');
    assert.ok(await page.getByRole('button', { name: 'Connect' }).isEnabled());
    assert.equal(await axeViolations(page), [], 'axe on the Phone page (refused)');
    assert.equal(problems, [], 'no page error or CSP violation');
  });
});

run('a bad dial string gets a clear answer at the field and sends nothing', async () => {
  await withPage(browser!, base(), 'softphone-bad-input', async (page, problems) => {
    await connect(page);
    await page.getByLabel('Number or extension to call').fill('<script>x</script>');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await page.getByText('Enter an extension, a number, or user@domain.').waitFor();
    assert.is(await page.getByLabel('Number or extension to call').getAttribute('aria-invalid'), 'true');
    await callStatus(page, 'No call');
    assert.equal(problems, [], 'no page error or CSP violation');
  });
});

run("the page cannot reach another tenant's extension: dialling 1002@globex.example rings nothing there", async () => {
  const other = await phone('1002', 'globex');
  const mark = other.mark();
  await withPage(browser!, base(), 'softphone-other-tenant', async (page) => {
    await connect(page);
    await page.getByLabel('Number or extension to call').fill('1002@globex.example');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await callStatus(page, 'The call ended');
    const why = await page.getByTestId('call-problem').innerText();
    assert.match(why, /Last problem: [4-6]\d\d /, `the PBX refuses the call: ${why}`);
  });
  assert.ok(!other.received.slice(mark).some((m) => m.kind === 'request' && m.method === 'INVITE'), "the other tenant's phone never rang");
});

s.run();
