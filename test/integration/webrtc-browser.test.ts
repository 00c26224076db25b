// Browser legs end to end (issue 14, WebRTC): headless Chromium (Debian's, driven by
// playwright-core) with a fake microphone playing a tone file runs SIP.js on a page this
// test serves; it registers over the PBX's WebSocket listener and calls a UDP phone that
// speaks only PCMU. ICE-lite, DTLS-SRTP and rtcp-mux happen in the media worker; the tone
// must arrive at the phone as plain G.711.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { toneShare } from '../../src/media/dsp/goertzel.js';
import { PbxProcess, REPO } from '../support/pbx-process.js';
import { listen, sleep, until } from '../support/flow-call.js';
import { requireTools } from '../support/tools.js';
import { encodeWav, sineWave } from '../support/tone.js';
import { UdpPhone } from '../support/udp-phone.js';

const CHROMIUM = '/usr/bin/chromium';
const TONE_HZ = 700;
const ACME = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: [
    { ext: '1001', password: 'acme-1001-secret' },
    { ext: '1002', password: 'acme-1002-secret' },
    { ext: '1003', password: 'acme-1003-secret' },
    { ext: '1004', password: 'acme-1004-secret' },
  ],
};

const enabled = requireTools('WebRTC browser calls', 'chromium');
const s = suite('WebRTC: Chromium with SIP.js over WebSocket');
let pbx: PbxProcess;
let browser: Browser;
let web: Server;
let dir: string;
let pageUrl = '';
const closers: Array<() => unknown> = [];

s.before(async () => {
  if (!enabled) return;
  dir = mkdtempSync(join(tmpdir(), 'pbx-webrtc-'));
  writeFileSync(join(dir, 'tone.wav'), encodeWav(sineWave(TONE_HZ, 10, 48000)));
  const bundle = await build({ entryPoints: [join(REPO, 'test/fixtures/webrtc/softphone.ts')], bundle: true, format: 'esm', write: false, platform: 'browser', target: 'es2022', logLevel: 'silent' });
  const js = bundle.outputFiles[0]!.contents;
  web = createServer((req, res) => {
    if (req.url === '/softphone.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(js);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><html lang="en"><head><title>softphone test</title><script type="module" src="/softphone.js"></script></head><body></body></html>');
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
  pageUrl = `http://127.0.0.1:${(web.address() as { port: number }).port}/`;
  pbx = await PbxProcess.start({ tenants: [ACME], transports: ['udp', 'ws', 'wss'] });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${join(dir, 'tone.wav')}`,
      '--ignore-certificate-errors',
      '--autoplay-policy=no-user-gesture-required',
      '--no-sandbox',
    ],
  });
});
s.after.each(async () => {
  for (const c of closers.splice(0)) await c();
});
s.after(async () => {
  await browser?.close();
  web?.close();
  await pbx?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function softphone(user: string, transport: 'ws' | 'wss' = 'ws'): Promise<Page> {
  const page = await browser.newPage();
  closers.push(() => page.close());
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`[browser ${user}] ${m.text()}`);
  });
  await page.goto(pageUrl);
  await page.waitForFunction(() => (globalThis as unknown as { phone?: unknown }).phone !== undefined);
  const wsUrl = transport === 'ws' ? `ws://127.0.0.1:${pbx.ports.ws}` : `wss://127.0.0.1:${pbx.ports.wss}`;
  const state = await page.evaluate((o) => (globalThis as unknown as { phone: { register(o: unknown): Promise<string> } }).phone.register(o), {
    wsUrl,
    user,
    domain: 'acme.example',
    password: `acme-${user}-secret`,
  });
  assert.is(state, 'Registered', `${user} registers over ${transport}`);
  return page;
}

const run = enabled ? s : s.skip;

run('a browser registers over wss and calls a PCMU phone: the tone arrives at the phone over DTLS-SRTP → RTP', async () => {
  const phone = await UdpPhone.open({ user: '1002', domain: 'acme.example', password: 'acme-1002-secret', server: { host: '127.0.0.1', port: pbx.ports.udp } });
  closers.push(() => phone.close());
  assert.is(await phone.register(), 200);
  const heard = listen(phone);
  const page = await softphone('1001', 'wss');
  const state = await page.evaluate(() => (globalThis as unknown as { phone: { call(t: string): Promise<string> } }).phone.call('sip:1002@acme.example'));
  assert.is(state, 'Established', 'the call is up');
  await until(() => heard.length > 100, 10_000, 'RTP at the phone');
  const toneFrames = heard.slice(-50).filter((f) => toneShare(f, 8000, TONE_HZ) > 0.5).length;
  assert.ok(toneFrames > 25, `the ${TONE_HZ} Hz tone arrives at the phone (${toneFrames}/50 frames)`);
  // The phone speaks only PCMU and the browser offered it too: the browser leg carries PCMU, no transcoding.
  const st = await page.evaluate(() => (globalThis as unknown as { phone: { received(): Promise<{ sentCodec: string }> } }).phone.received());
  assert.is(st.sentCodec.toLowerCase(), 'audio/pcmu');
  await page.evaluate(() => (globalThis as unknown as { phone: { hangup(): Promise<void> } }).phone.hangup());
  await sleep(200);
});

type Phone = { call(t: string): Promise<string>; state(): string; received(): Promise<{ packetsReceived: number; audioLevel: number; codec: string }>; hangup(): Promise<void> };
const received = (p: Page) => p.evaluate(() => (globalThis as unknown as { phone: Phone }).phone.received());

run('two browsers call each other through the PBX (one over ws, one over wss), and each receives audio', async () => {
  const caller = await softphone('1001', 'ws');
  const callee = await softphone('1003', 'wss');
  const state = await caller.evaluate(() => (globalThis as unknown as { phone: Phone }).phone.call('sip:1003@acme.example'));
  assert.is(state, 'Established', 'the call is up');
  let a = await received(caller);
  let b = await received(callee);
  for (let i = 0; i < 100 && !(a.packetsReceived > 50 && b.packetsReceived > 50 && a.audioLevel > 0 && b.audioLevel > 0); i++) {
    await sleep(100);
    a = await received(caller);
    b = await received(callee);
  }
  assert.ok(a.packetsReceived > 50 && a.audioLevel > 0, `the caller receives audio: ${JSON.stringify(a)}`);
  assert.ok(b.packetsReceived > 50 && b.audioLevel > 0, `the callee receives audio: ${JSON.stringify(b)}`);
  await caller.evaluate(() => (globalThis as unknown as { phone: Phone }).phone.hangup());
});

run("a browser calling an extension that is not registered reaches its voicemail, an application leg of the PBX, and hears its greeting", async () => {
  const caller = await softphone('1001', 'ws');
  const state = await caller.evaluate(() => (globalThis as unknown as { phone: Phone }).phone.call('sip:1004@acme.example'));
  assert.is(state, 'Established', 'voicemail answers');
  let a = await received(caller);
  for (let i = 0; i < 100 && !(a.packetsReceived > 25 && a.audioLevel > 0); i++) {
    await sleep(100);
    a = await received(caller);
  }
  assert.ok(a.packetsReceived > 25 && a.audioLevel > 0, `the browser hears the greeting: ${JSON.stringify(a)}`);
  await caller.evaluate(() => (globalThis as unknown as { phone: Phone }).phone.hangup());
});

s.run();
