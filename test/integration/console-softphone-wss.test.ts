// The console's Phone page over HTTPS and WSS end to end (issue 14): the API listener serves
// the console over TLS (api.tls with test/fixtures/tls, a self-signed certificate: the test
// browser runs with --ignore-certificate-errors, since no CA here signs it), so the page picks
// the wss:// SIP listener. The browser registers over WSS, dials an extension forwarded to an
// IVR, and presses 2 on the page's keypad: the digit goes as RFC 4733 telephone-events in the
// DTLS-SRTP media (the page says so, and the PBX logs the digit as rfc4733), and the IVR acts
// on it: option 2 bridges the call to extension 1003, which rings, answers and hears the page.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { axeViolations, ensureConsoleBuilt, launchSoftphoneChromium, requireChromium, screenshot, signIn, withPage } from '../support/console-browser.js';
import { toneShare } from '../../src/media/dsp/goertzel.js';
import { listen, tonePrompt, until } from '../support/flow-call.js';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';
import { freePort } from '../support/ports.js';
import { encodeWav, sineWave } from '../support/tone.js';
import { UdpPhone } from '../support/udp-phone.js';

const REPO = process.cwd();
const ACME: TestTenant = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: [
    { ext: '1001', name: 'Alice', password: 'acme-1001-secret', extraKeys: 'webPassword: "alice-web-pass"' },
    { ext: '1002', password: 'acme-1002-secret' },
    { ext: '1003', password: 'acme-1003-secret' },
    { ext: '1009', password: 'acme-1009-secret', extraKeys: 'forward: { always: { ivr: main } }' },
  ],
  extraYaml: ['ivrs:', '  - name: main', '    greeting: menu', '    options: { "2": { extension: "1003" } }', '    timeoutSeconds: 20', '    retries: 0'].join('\n'),
};

const enabled = requireChromium('console softphone over wss');
const s = suite('console softphone over wss');
let pbx: PbxProcess | undefined;
let browser: Browser | undefined;
let dir = '';
let apiPort = 0;
const phones: UdpPhone[] = [];

s.before(async () => {
  if (!enabled) return;
  ensureConsoleBuilt();
  dir = mkdtempSync(join(tmpdir(), 'pbx-console-wss-'));
  writeFileSync(join(dir, 'tone.wav'), encodeWav(sineWave(700, 10, 48000)));
  tonePrompt(dir, 'menu', 500, 1);
  apiPort = await freePort();
  const fixture = (f: string) => join(REPO, 'test/fixtures/tls', f);
  pbx = await PbxProcess.start({
    tenants: [ACME],
    transports: ['udp', 'wss'],
    extraYaml: [
      'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }',
      'registrar: { writeDelayMs: 0 }',
      `media: { prompts: "${dir}" }`,
      'api:',
      `  listen: "127.0.0.1:${apiPort}"`,
      `  tls: { cert: ${fixture('test.crt')}, key: ${fixture('test.key')} }`,
    ].join('\n'),
  });
  browser = await launchSoftphoneChromium(join(dir, 'tone.wav'), { ignoreCertificateErrors: true });
});

s.after.each(async () => {
  for (const p of phones.splice(0)) {
    await p.register(0).catch(() => undefined);
    p.close();
  }
});

s.after(async () => {
  await browser?.close();
  await pbx?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const base = () => `https://127.0.0.1:${apiPort}`;

async function phone(ext: string): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user: ext, domain: 'acme.example', password: `acme-${ext}-secret`, server: { host: '127.0.0.1', port: pbx!.ports.udp }, answerDirection: true });
  phones.push(p);
  assert.is(await p.register(), 200, `${ext} registers`);
  return p;
}

async function connect(page: Page): Promise<void> {
  await signIn(page, '1001@acme.example', 'alice-web-pass');
  await page.getByRole('link', { name: 'Phone' }).click();
  await page.getByLabel('SIP password').fill('acme-1001-secret');
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByTestId('registration').filter({ hasText: 'Connected' }).waitFor({ timeout: 15_000 });
}

const callStatus = (page: Page, text: string) => page.getByTestId('call-status').filter({ hasText: text }).waitFor({ timeout: 15_000 });

const run = enabled ? s : s.skip;

run('over HTTPS the page offers only the wss listener, and its CSP allows exactly that', async () => {
  const csp = (await fetch(`${base()}/console/`).catch(() => undefined))?.headers.get('content-security-policy');
  // Node's fetch refuses the self-signed certificate; the browser (with the flag) reads the header instead.
  await withPage(browser!, base(), 'softphone-wss-csp', async (page) => {
    const r = await page.goto('/console/');
    const header = csp ?? (await r!.headerValue('content-security-policy')) ?? '';
    assert.match(header, `connect-src 'self' wss://127.0.0.1:${pbx!.ports.wss};`);
    await signIn(page, '1001@acme.example', 'alice-web-pass');
    const session = (await page.evaluate(async () => (await fetch('/api/v1/session')).json())) as { sipWs?: string[] };
    assert.equal(session.sipWs, [`wss://127.0.0.1:${pbx!.ports.wss}`]);
  });
});

run('the page registers over WSS, calls an IVR, and its keypad digit (RFC 4733 in the media) takes the IVR option to extension 1003', async () => {
  const carol = await phone('1003');
  const mark = carol.mark();
  const atCarol = listen(carol);
  await withPage(browser!, base(), 'softphone-wss-ivr', async (page, problems) => {
    await connect(page);
    await page.getByLabel('Number or extension to call').fill('1009');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await callStatus(page, 'In a call');
    await page.getByRole('button', { name: 'Send 2' }).click();
    const via = page.getByTestId('dtmf-via');
    await via.waitFor({ timeout: 5000 });
    assert.is(await via.getAttribute('data-via'), 'rtp', 'the digit went as RFC 4733 telephone-events, not SIP INFO');
    // The PBX heard the digit in the media (RFC 4733 from the DTLS-SRTP leg) and the IVR acted on it.
    const heard = await pbx!.waitForLog(/ dtmf session=\S+ leg=a digit=2 .*source=rfc4733/, 15_000);
    assert.ok(heard, 'the PBX heard 2 as RFC 4733');
    await pbx!.waitForLog(/application continues tenant=acme .*to="extension 1003" .*reason=ivr-option/, 15_000);
    const invite = await carol.next((m) => m.kind === 'request' && m.method === 'INVITE', 15_000, mark);
    assert.match(invite.body.toString(), 'm=audio', 'the IVR option rings 1003');
    // 1003 answers: the browser's tone (DTLS-SRTP from the page, G.711 here) reaches it.
    await until(() => atCarol.length > 100, 15_000, 'RTP at 1003');
    const tone = atCarol.slice(-50).filter((f) => toneShare(f, 8000, 700) > 0.5).length;
    assert.ok(tone > 25, `the page's 700 Hz tone arrives at 1003 after the IVR bridged the call (${tone}/50 frames)`);
    assert.equal(await axeViolations(page), [], 'axe on the Phone page (in a call, digit sent)');
    await screenshot(page, 'softphone-wss-ivr');
    await page.getByRole('button', { name: 'Hang up' }).click().catch(() => undefined);
    assert.equal(problems, [], 'no page error or CSP violation');
  });
});

s.run();
