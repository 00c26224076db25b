// Music on hold through the real server (issue 10, item 6): real SIP and RTP sockets, a
// real media worker and tenant folders, and small SIP phones (test/support/udp-phone.ts)
// that send and analyse real audio. Each tenant's MOH class is a WAV of a known tone
// written by the test; the held phone must hear that tone (decode + Goertzel) instead of
// the holding phone's, and the holding phone's own tone again after the resume. The MOH
// is encoded in the held leg's own codec (G.722 too), and a tenant's music never reaches a
// call of another tenant.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxServer } from '../../src/app/pbx-server.js';
import { ulawDecodeInto, ulawEncodeInto } from '../../src/media/codecs/g711-ulaw.js';
import { G722Decoder } from '../../src/media/codecs/g722-decoder.js';
import { goertzelPower, meanPower } from '../../src/media/dsp/goertzel.js';
import { dbfsToAmplitude, writeSine } from '../../src/media/dsp/tone.js';
import { pcm16Bytes, WavWriter } from '../../src/media/wav/wav-writer.js';
import type { SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { memoryLogger } from '../../src/util/logger.js';
import { tenantYaml } from '../support/pbx-process.js';
import { freePort } from '../support/ports.js';
import { UdpPhone } from '../support/udp-phone.js';

let dir: string;
let server: PbxServer;
let port: number;
const logger = memoryLogger('info');
const phones: UdpPhone[] = [];
const exts = ['1001', '1002', '1003', '1004'];
const TENANTS = [
  { id: 'acme', domains: ['acme.example'], extensions: exts.map((e) => ({ ext: e, password: `acme-${e}-secret` })) },
  { id: 'globex', domains: ['globex.example'], extensions: exts.map((e) => ({ ext: e, password: `globex-${e}-secret` })) },
];
const MOH_HZ = { acme: 700, globex: 1300 } as const;
/** initech's file says `moh: { class: jazz }`: its jazz folder plays, not its default one. */
const INITECH = { id: 'initech', domains: ['initech.example'], extensions: exts.map((e) => ({ ext: e, password: `initech-${e}-secret` })), extraYaml: 'moh: { class: jazz }\n' };
const INITECH_HZ = { jazz: 900, default: 500 } as const;
const G722_ONLY = { pt: 9, rtpmap: 'G722/8000' };

function writeToneWav(path: string, frequency: number, rate: number, ms: number): void {
  const pcm = new Int16Array((rate * ms) / 1000);
  writeSine(pcm, { sampleRate: rate, frequency, amplitude: dbfsToAmplitude(-10) });
  const w = WavWriter.create(path, { sampleRate: rate, overwrite: true });
  w.write(pcm16Bytes(pcm));
  w.close();
}

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-moh-'));
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
      'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }',
      'registrar: { writeDelayMs: 0 }',
    ].join('\n'),
  );
  for (const t of TENANTS) writeFileSync(join(dir, 'tenants', `${t.id}.yaml`), tenantYaml(t));
  writeFileSync(join(dir, 'tenants', 'initech.yaml'), tenantYaml(INITECH));
  server = await PbxServer.start(join(dir, 'pbx.yaml'), { logger, env: {} });
  // Each tenant's MOH class "default": one file of its own tone (16 kHz: resampled for PCMU legs).
  for (const t of TENANTS) {
    const moh = join(dir, 'data', 'tenants', t.id, 'moh', 'default');
    mkdirSync(moh, { recursive: true });
    writeToneWav(join(moh, 'tone.wav'), MOH_HZ[t.id as keyof typeof MOH_HZ], 16000, 1000);
  }
  for (const c of ['jazz', 'default'] as const) {
    const moh = join(dir, 'data', 'tenants', 'initech', 'moh', c);
    mkdirSync(moh, { recursive: true });
    writeToneWav(join(moh, 'tone.wav'), INITECH_HZ[c], 8000, 1000);
  }
});

test.after(async () => {
  for (const p of phones) p.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function phone(tenant: string, user: string, audio?: { pt: number; rtpmap: string }): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user, domain: `${tenant}.example`, password: `${tenant}-${user}-secret`, server: { host: '127.0.0.1', port }, ...(audio ? { audio } : {}) });
  phones.push(p);
  return p;
}

function sdpPort(m: SipResponse | SipRequest): number {
  return Number(/m=audio (\d+)/.exec(m.body.toString())?.[1]);
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Pkt {
  pt: number;
  seq: number;
  ssrc: number;
  marker: boolean;
  payload: Buffer;
}

function collect(p: UdpPhone): Pkt[] {
  const got: Pkt[] = [];
  p.rtp.on('message', (b: Buffer) => {
    if (b.length >= 12 && b[0] >> 6 === 2) got.push({ pt: b[1] & 0x7f, seq: b.readUInt16BE(2), ssrc: b.readUInt32BE(8), marker: (b[1] & 0x80) !== 0, payload: Buffer.from(b.subarray(12)) });
  });
  return got;
}

/** `frames` 20 ms PCMU frames of a tone, sent like a phone: one every 20 ms. */
async function sendTone(p: UdpPhone, to: number, frequency: number, frames: number, ssrc: number): Promise<void> {
  const start = performance.now();
  let phase = 0;
  for (let i = 0; i < frames; i++) {
    const wait = start + i * 20 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const f = new Int16Array(160);
    phase = writeSine(f, { sampleRate: 8000, frequency, amplitude: dbfsToAmplitude(-12), phase });
    const payload = Buffer.alloc(160);
    ulawEncodeInto(f, payload);
    const h = Buffer.alloc(12);
    h[0] = 0x80;
    h[1] = i === 0 ? 0x80 : 0;
    h.writeUInt16BE(i, 2);
    h.writeUInt32BE(i * 160, 4);
    h.writeUInt32BE(ssrc, 8);
    p.rtp.send(Buffer.concat([h, payload]), to, '127.0.0.1');
  }
}

function decodeUlaw(pkts: Pkt[]): Int16Array {
  const out = new Int16Array(pkts.length * 160);
  pkts.forEach((p, i) => ulawDecodeInto(p.payload.subarray(0, 160), out.subarray(i * 160)));
  return out;
}

function share(pcm: Int16Array, rate: number, frequency: number): number {
  return goertzelPower(pcm, rate, frequency) / (meanPower(pcm) || 1);
}

/** A call from `from` to `to` in one tenant, answered; returns the PBX ports each phone sends to. */
async function call(caller: UdpPhone, callee: UdpPhone, calleeExt: string): Promise<{ callerTo: number; calleeTo: number }> {
  assert.is(await callee.register(), 200);
  const res = await caller.call(calleeExt);
  assert.is(res.status, 200, `got ${res.status} ${res.reason}`);
  const invite = (await callee.next((m) => m.kind === 'request' && m.method === 'INVITE')) as SipRequest;
  return { callerTo: sdpPort(res), calleeTo: sdpPort(invite) };
}

test('the held party hears the tenant MOH tone instead of the holding phone, and the holding phone again after the resume', async () => {
  const caller = await phone('acme', '1001');
  const callee = await phone('acme', '1002');
  const { callerTo } = await call(caller, callee, '1002');
  const atCallee = collect(callee);

  // Before the hold: the caller's 1 kHz reaches the callee.
  await sendTone(caller, callerTo, 1000, 25, 0xa1);
  await until(() => atCallee.length >= 20);
  assert.ok(share(decodeUlaw(atCallee.slice(5, 20)), 8000, 1000) > 0.7, 'the caller is heard before the hold');

  // Hold (RFC 3264 §8.4: sendonly); the re-INVITE still reaches the callee.
  const hold = await caller.inDialog('INVITE', caller.sdp('sendonly', 2));
  assert.is(hold.status, 200);
  assert.match(hold.body.toString(), /a=recvonly|a=sendrecv/);
  await callee.next((m) => m.kind === 'request' && m.method === 'INVITE' && /a=sendonly/.test(m.body.toString()));
  const heldFrom = atCallee.length;
  // The holding phone keeps sending its tone: the held party must not hear it.
  await sendTone(caller, callerTo, 1000, 40, 0xa1);
  await until(() => atCallee.length >= heldFrom + 40);
  const onHold = atCallee.slice(heldFrom + 5, heldFrom + 40);
  assert.ok(onHold.every((p) => p.pt === 0 && p.ssrc !== 0xa1), "on hold: PCMU from the PBX's own stream, not the caller's");
  const moh = decodeUlaw(onHold);
  const s700 = share(moh, 8000, MOH_HZ.acme);
  assert.ok(s700 > 0.7, `acme's 700 Hz MOH at the held phone: ${s700.toFixed(3)}`);
  assert.ok(share(moh, 8000, 1000) < 0.05, 'not the caller on hold');
  assert.ok(share(moh, 8000, MOH_HZ.globex) < 0.05, "not the other tenant's music");
  const mohPkts = atCallee.slice(heldFrom).filter((p) => p.ssrc !== 0xa1);
  assert.ok(mohPkts[0]!.marker, 'the MOH starts a talk spurt (marker bit)');
  for (let i = 1; i < mohPkts.length; i++) assert.is(mohPkts[i]!.seq, (mohPkts[i - 1]!.seq + 1) & 0xffff, 'no sequence gap in the MOH stream');

  // Resume (sendrecv): the caller's tone again.
  const resume = await caller.inDialog('INVITE', caller.sdp('sendrecv', 3));
  assert.is(resume.status, 200);
  await new Promise((r) => setTimeout(r, 60));
  const resumedFrom = atCallee.length;
  await sendTone(caller, callerTo, 1000, 30, 0xa1);
  await until(() => atCallee.filter((p, i) => i >= resumedFrom && p.ssrc === 0xa1).length >= 25);
  const after = atCallee.slice(resumedFrom).filter((p) => p.ssrc === 0xa1);
  const back = decodeUlaw(after.slice(3));
  assert.ok(share(back, 8000, 1000) > 0.7, 'the caller is heard again after the resume');
  await new Promise((r) => setTimeout(r, 100));
  const lateMoh = atCallee.slice(resumedFrom + 10).filter((p) => p.ssrc !== 0xa1);
  assert.is(lateMoh.length, 0, 'no MOH after the resume');
  assert.is((await caller.inDialog('BYE')).status, 200);
  await callee.register(0);
});

test("MOH reaches a G.722 held phone in G.722, with the tenant's own tone (globex), through a transcoding call", async () => {
  const caller = await phone('globex', '1003'); // PCMU
  const callee = await phone('globex', '1004', G722_ONLY);
  await call(caller, callee, '1004');
  const atCallee = collect(callee);
  const atCaller = collect(caller);
  // The callee (G.722) holds the caller: the caller (PCMU) hears globex's MOH.
  const hold = await callee.inDialog('INVITE', callee.sdp('inactive', 2));
  assert.is(hold.status, 200);
  const heldFrom = atCaller.length;
  await until(() => atCaller.length >= heldFrom + 40);
  const moh = decodeUlaw(atCaller.slice(heldFrom + 5, heldFrom + 40));
  assert.ok(share(moh, 8000, MOH_HZ.globex) > 0.7, `globex's 1300 Hz at the PCMU phone: ${share(moh, 8000, MOH_HZ.globex).toFixed(3)}`);
  assert.ok(share(moh, 8000, MOH_HZ.acme) < 0.05, "not acme's music");
  const resume = await callee.inDialog('INVITE', callee.sdp('sendrecv', 3));
  assert.is(resume.status, 200);
  // Now the caller holds the G.722 phone: it gets the MOH in G.722 (PT 9) at 16 kHz.
  const hold2 = await caller.inDialog('INVITE', caller.sdp('sendonly', 2));
  assert.is(hold2.status, 200);
  const from2 = atCallee.length;
  await until(() => atCallee.length >= from2 + 40);
  const pkts = atCallee.slice(from2 + 5, from2 + 40);
  assert.ok(pkts.every((p) => p.pt === 9), `payload types at the G.722 phone: ${[...new Set(pkts.map((p) => p.pt))]}`);
  const dec = new G722Decoder();
  const wide = new Int16Array(pkts.length * 320);
  pkts.forEach((p, i) => dec.decode(p.payload, wide.subarray(i * 320)));
  const s = share(wide.subarray(640), 16000, MOH_HZ.globex);
  assert.ok(s > 0.7, `1300 Hz in G.722: ${s.toFixed(3)}`);
  assert.is((await caller.inDialog('BYE')).status, 200);
  await callee.register(0);
});

test("a tenant whose file names the class jazz: the held party hears the files of moh/jazz/, not moh/default/", async () => {
  const caller = await phone('initech', '1001');
  const callee = await phone('initech', '1002');
  await call(caller, callee, '1002');
  const atCallee = collect(callee);
  const hold = await caller.inDialog('INVITE', caller.sdp('sendonly', 2));
  assert.is(hold.status, 200);
  await callee.next((m) => m.kind === 'request' && m.method === 'INVITE' && /a=sendonly/.test(m.body.toString()));
  await until(() => atCallee.length >= 40);
  const moh = decodeUlaw(atCallee.slice(5, 40));
  const jazz = share(moh, 8000, INITECH_HZ.jazz);
  assert.ok(jazz > 0.7, `the jazz class's 900 Hz: ${jazz.toFixed(3)}`);
  assert.ok(share(moh, 8000, INITECH_HZ.default) < 0.05, "not the tenant's default class");
  assert.ok(share(moh, 8000, MOH_HZ.acme) < 0.05 && share(moh, 8000, MOH_HZ.globex) < 0.05, "not another tenant's music");
  assert.is((await caller.inDialog('BYE')).status, 200);
  await callee.register(0);
});

test.run();
