// Browser legs end to end (issue 14, WebRTC): headless Chromium (Debian's, driven by
// playwright-core) with a fake microphone playing a tone file runs SIP.js on a page this
// test serves; it registers over the PBX's WebSocket listener and calls a UDP phone that
// speaks only PCMU. ICE-lite, DTLS-SRTP and rtcp-mux happen in the media worker; the tone
// must arrive at the phone as plain G.711. Also: a SIPp phone (G.711 only) gets the tone
// (captured on the wire, checked by frequency); a browser in a conference room hears the
// other participant and is heard; a browser reaching an IVR hears its greeting.
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
import { Callee, pbxServer } from '../support/call-harness.js';
import { isRtp, RtpCapture } from '../support/rtp-capture.js';
import { PcmuSender } from '../support/pcmu-sender.js';
import { pcmuToneShare } from '../support/rtp-tone.js';
import { sdpInTrace } from '../support/sipp-process.js';

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
    // Nobody registers 1005: its calls go to the IVR; 1006 is the SIPp phone.
    { ext: '1005', password: 'acme-1005-secret', extraKeys: 'forward: { always: { ivr: main } }' },
    { ext: '1006', password: 'acme-1006-secret' },
  ],
  extraYaml: ['conferences:', '  - { number: "800" }', 'ivrs:', '  - { name: main, greeting: vm-menu-options, options: { "9": hangup }, timeoutSeconds: 5, retries: 2 }'].join('\n'),
};

/** Another tenant with a room of the same number: isolation. */
const GLOBEX = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret' }], extraYaml: ['conferences:', '  - { number: "800" }'].join('\n') };

const enabled = requireTools('WebRTC browser calls', 'chromium', 'sipp', 'tcpdump');
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
  pbx = await PbxProcess.start({ tenants: [ACME, GLOBEX], transports: ['udp', 'ws', 'wss'] });
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

async function softphone(user: string, transport: 'ws' | 'wss' = 'ws', setupPassive = false): Promise<Page> {
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
    setupPassive,
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

/** The share of `hz` in what the page played out over `ms` (decoded PCM from the remote track). */
async function heardShare(p: Page, hz: number, ms = 1000): Promise<{ share: number; sampleRate: number; samples: number }> {
  const h = await p.evaluate((t) => (globalThis as unknown as { phone: { heardSamples(ms: number): Promise<{ sampleRate: number; samples: number[] }> } }).phone.heardSamples(t), ms);
  const pcm = Int16Array.from(h.samples);
  return { share: h.sampleRate > 0 && pcm.length > 0 ? toneShare(pcm, h.sampleRate, hz) : 0, sampleRate: h.sampleRate, samples: pcm.length };
}

run('a browser calls a SIPp phone that speaks only PCMU: the tone arrives at SIPp (captured on the wire, by frequency)', async () => {
  const callee = await Callee.start({ server: pbxServer(pbx), party: { user: '1006', domain: 'acme.example', password: 'acme-1006-secret' }, timeoutSeconds: 60 });
  closers.push(() => callee.stop());
  const cap = await RtpCapture.start({ ports: [callee.media.port], maxSeconds: 60 });
  closers.push(() => cap.stop().catch(() => undefined));
  const page = await softphone('1001', 'ws');
  const state = await page.evaluate(() => (globalThis as unknown as { phone: Phone }).phone.call('sip:1006@acme.example'));
  assert.is(state, 'Established', 'SIPp answers');
  let a = await received(page);
  for (let i = 0; i < 60 && a.packetsReceived < 100; i++) {
    await sleep(100);
    a = await received(page);
  }
  await sleep(1000);
  await page.evaluate(() => (globalThis as unknown as { phone: Phone }).phone.hangup());
  const packets = await cap.stop();
  const offer = sdpInTrace(callee.uas.messages(), /^INVITE /);
  assert.ok(offer, 'SIPp got an offer from the PBX');
  // What reached SIPp's RTP port from the PBX: G.711 µ-law (PT 0), in clear.
  const toSipp = packets.filter((p) => p.dstPort === callee.media.port && p.srcPort !== callee.media.port && isRtp(p.payload));
  const pcmu = toSipp.filter((p) => (p.payload[1]! & 0x7f) === 0 && p.payload.length === 12 + 160).map((p) => p.payload.subarray(12));
  assert.ok(pcmu.length > 100, `PCMU packets reached SIPp: ${pcmu.length} of ${toSipp.length}`);
  const frames = pcmu.slice(-100);
  const toneFrames = frames.filter((f) => pcmuToneShare([f], TONE_HZ) > 0.5).length;
  assert.ok(toneFrames > 50, `the ${TONE_HZ} Hz tone arrives at SIPp (${toneFrames}/100 frames; share over all ${pcmuToneShare(frames, TONE_HZ).toFixed(2)})`);
  // SIPp echoes (-rtp_echo): the browser hears its own tone back through the PBX.
  assert.ok(a.packetsReceived > 50 && a.audioLevel > 0, `the browser receives SIPp's echo: ${JSON.stringify(a)}`);
});

run('a browser joins a conference room with a desk phone: each hears the other (by frequency), over DTLS-SRTP on the browser leg', async () => {
  const PHONE_HZ = 400;
  const page = await softphone('1001', 'ws');
  const state = await page.evaluate(() => (globalThis as unknown as { phone: Phone }).phone.call('sip:800@acme.example'));
  assert.is(state, 'Established', 'the room answers the browser');
  const phone = await UdpPhone.open({ user: '1002', domain: 'acme.example', password: 'acme-1002-secret', server: { host: '127.0.0.1', port: pbx.ports.udp } });
  closers.push(() => phone.close());
  const heard = listen(phone);
  const r = await phone.call('800');
  assert.is(r.status, 200, `the phone joins the room: ${r.status}`);
  // One stream (one SSRC, running sequence numbers and timestamps) of the phone's tone, until the end of the test.
  const sender = new PcmuSender(phone, Number(/m=audio (\d+)/.exec(r.body.toString())![1]), 0x5eed, PHONE_HZ);
  let sending = true;
  const tone = (async () => {
    for (let i = 0; sending && i < 20; i++) await sender.tone(1000);
  })();
  try {
    await until(() => heard.length > 150, 15_000, 'the room sends the phone audio');
    await sleep(1500);
    const last = heard.slice(-75);
    const fromBrowser = last.filter((f) => toneShare(f, 8000, TONE_HZ) > 0.5).length;
    assert.ok(fromBrowser > 35, `the phone hears the browser's ${TONE_HZ} Hz tone in the room (${fromBrowser}/75 frames)`);
    let h = { share: 0, sampleRate: 0, samples: 0 };
    for (let i = 0; i < 5 && h.share <= 0.5; i++) h = await heardShare(page, PHONE_HZ);
    assert.ok(h.share > 0.5, `the browser hears the phone's ${PHONE_HZ} Hz tone: ${JSON.stringify(h)}`);
    const st = await received(page);
    assert.ok(st.packetsReceived > 50 && st.audioLevel > 0, `WebRTC stats of the browser: ${JSON.stringify(st)}`);
    // The room took the browser's first codec, Opus: it decodes and mixes it with the phone's G.711.
    assert.is(st.codec.toLowerCase(), 'audio/opus');
  } finally {
    sending = false;
    await tone;
    await phone.inDialog('BYE').catch(() => undefined);
    await page.evaluate(() => (globalThis as unknown as { phone: Phone }).phone.hangup());
  }
});

run('a browser reaching an IVR (an application leg) hears its greeting', async () => {
  const page = await softphone('1003', 'ws');
  const state = await page.evaluate(() => (globalThis as unknown as { phone: Phone }).phone.call('sip:1005@acme.example'));
  assert.is(state, 'Established', 'the IVR answers');
  let a = await received(page);
  for (let i = 0; i < 100 && !(a.packetsReceived > 25 && a.audioLevel > 0); i++) {
    await sleep(100);
    a = await received(page);
  }
  assert.ok(a.packetsReceived > 25 && a.audioLevel > 0, `the browser hears the IVR greeting: ${JSON.stringify(a)}`);
  await page.evaluate(() => (globalThis as unknown as { phone: Phone }).phone.hangup());
});

run('RFC 5763 §5: a browser that answers a=setup:passive (its answer munged) makes the PBX the DTLS client of that leg; both browsers hear each other', async () => {
  const caller = await softphone('1001', 'ws');
  const callee = await softphone('1003', 'ws', true);
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
  const role = (p: Page) => p.evaluate(() => (globalThis as unknown as { phone: { dtlsRole(): Promise<string> } }).phone.dtlsRole());
  assert.is(await role(callee), 'server', 'the passive browser is the DTLS server: the PBX was the client');
  assert.is(await role(caller), 'client', 'the caller kept the usual roles');
  await caller.evaluate(() => (globalThis as unknown as { phone: Phone }).phone.hangup());
});

run('RFC 3264 §6.1: a browser holds (sendonly) and the phone answers sendrecv regardless: the PBX relays recvonly, Chromium takes it, the call stays up', async () => {
  const phone = await UdpPhone.open({ user: '1002', domain: 'acme.example', password: 'acme-1002-secret', server: { host: '127.0.0.1', port: pbx.ports.udp } });
  closers.push(() => phone.close());
  assert.is(await phone.register(), 200);
  const page = await softphone('1001', 'ws');
  const state = await page.evaluate(() => (globalThis as unknown as { phone: Phone }).phone.call('sip:1002@acme.example'));
  assert.is(state, 'Established');
  const mark = phone.mark();
  const held = await page.evaluate(() => (globalThis as unknown as { phone: { hold(): Promise<{ outcome: string; remoteDirection: string; state: string; signalingState: string }> } }).phone.hold());
  // The phone really did answer the hold with sendrecv (UdpPhone ignores the offer's direction).
  const reinvite = phone.received.slice(mark).find((m) => m.kind === 'request' && m.method === 'INVITE');
  assert.match(reinvite?.body.toString() ?? '', /a=sendonly/, 'the hold reached the phone');
  assert.equal(held, { outcome: 'accepted', remoteDirection: 'recvonly', state: 'Established', signalingState: 'stable' });
  await page.evaluate(() => (globalThis as unknown as { phone: Phone }).phone.hangup());
});

run('isolation: a browser in room 800 of acme and a phone in room 800 of globex do not hear each other; the browser cannot dial into globex\'s room', async () => {
  const PHONE_HZ = 400;
  const phone = await UdpPhone.open({ user: '1001', domain: 'globex.example', password: 'globex-1001-secret', server: { host: '127.0.0.1', port: pbx.ports.udp } });
  closers.push(() => phone.close());
  const heard = listen(phone);
  const r = await phone.call('800');
  assert.is(r.status, 200, 'the globex phone is in globex room 800');
  const sender = new PcmuSender(phone, Number(/m=audio (\d+)/.exec(r.body.toString())![1]), 0x6106, PHONE_HZ);
  let sending = true;
  const tone = (async () => {
    for (let i = 0; sending && i < 20; i++) await sender.tone(1000);
  })();
  const page = await softphone('1001', 'ws');
  try {
    // Another tenant's room is not the browser's to dial: no call (the realm is globex's, the credentials acme's).
    const other = await page.evaluate(() => (globalThis as unknown as { phone: Phone }).phone.call('sip:800@globex.example'));
    assert.is.not(other, 'Established', 'the browser of acme does not reach globex room 800');
    const state = await page.evaluate(() => (globalThis as unknown as { phone: Phone }).phone.call('sip:800@acme.example'));
    assert.is(state, 'Established', 'the browser is in acme room 800');
    const from = heard.length;
    await sleep(2500);
    const got = heard.slice(from);
    assert.ok(got.length > 50, `the globex room still sends its phone audio (${got.length} frames)`);
    const leaked = got.filter((f) => toneShare(f, 8000, TONE_HZ) > 0.2).length;
    assert.is(leaked, 0, `the globex phone hears nothing of the acme browser's ${TONE_HZ} Hz tone`);
    const h = await heardShare(page, PHONE_HZ);
    assert.ok(h.samples > 0 && h.share < 0.1, `the acme browser hears nothing of the globex phone's ${PHONE_HZ} Hz tone: ${JSON.stringify(h)}`);
  } finally {
    sending = false;
    await tone;
    await phone.inDialog('BYE').catch(() => undefined);
    await page.evaluate(() => (globalThis as unknown as { phone: Phone }).phone.hangup());
  }
});

s.run();
