// Conference rooms through the real server (issue 10, item 6): real SIP and RTP sockets, a
// real media worker, tenant YAML with rooms, and small SIP phones (udp-phone.ts) that send
// and analyse real audio. Each participant sends its own tone; each must hear the others'
// tones and not its own (decode + Goertzel). A room of one hears the tenant's music on hold.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxServer } from '../../src/app/pbx-server.js';
import { ulawDecodeInto, ulawEncodeInto } from '../../src/media/codecs/g711-ulaw.js';
import { G722Decoder } from '../../src/media/codecs/g722-decoder.js';
import { G722Encoder } from '../../src/media/codecs/g722-encoder.js';
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
let apiPort: number;
const ADMIN = 'conference-test-provider-token';

/** The admin API over HTTP, as a tenant-admin or the provider would call it. */
async function api(method: string, path: string, token: string): Promise<{ status: number; body: any }> {
  const r = await fetch(`http://127.0.0.1:${apiPort}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

async function tenantAdmin(tenantId: string): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${apiPort}/api/v1/tokens`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ role: 'tenant-admin', tenantId }) });
  assert.is(r.status, 201);
  return ((await r.json()) as { token: string }).token;
}
const logger = memoryLogger('info');
const phones: UdpPhone[] = [];
const exts = ['1001', '1002', '1003', '1004'];
const ROOMS = 'conferences:\n  - { number: "800", name: "Sales bridge" }\n  - { number: "801", pin: "1234" }\n';
const TENANTS = [
  { id: 'acme', domains: ['acme.example'], extensions: exts.map((e) => ({ ext: e, password: `acme-${e}-secret` })), extraYaml: ROOMS },
  { id: 'globex', domains: ['globex.example'], extensions: exts.map((e) => ({ ext: e, password: `globex-${e}-secret` })) },
];
const MOH_HZ = 500;
const G722_ONLY = { pt: 9, rtpmap: 'G722/8000' };

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-conf-'));
  mkdirSync(join(dir, 'tenants'));
  port = await freePort();
  const rtpBase = 40000 + Math.floor(Math.random() * 200) * 100;
  writeFileSync(
    join(dir, 'pbx.yaml'),
    [
      'dataDir: data',
      `sip: { listen: [ "udp://127.0.0.1:${port}" ] }`,
      `api: { listen: "127.0.0.1:${(apiPort = await freePort())}", adminToken: "${ADMIN}" }`,
      `rtp: { ports: ${rtpBase}-${rtpBase + 99}, workers: 2 }`,
      'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }',
      'registrar: { writeDelayMs: 0 }',
    ].join('\n'),
  );
  for (const t of TENANTS) writeFileSync(join(dir, 'tenants', `${t.id}.yaml`), tenantYaml(t));
  server = await PbxServer.start(join(dir, 'pbx.yaml'), { logger, env: {} });
  const moh = join(dir, 'data', 'tenants', 'acme', 'moh', 'default');
  mkdirSync(moh, { recursive: true });
  const pcm = new Int16Array(8000);
  writeSine(pcm, { sampleRate: 8000, frequency: MOH_HZ, amplitude: dbfsToAmplitude(-10) });
  const w = WavWriter.create(join(moh, 'tone.wav'), { sampleRate: 8000, overwrite: true });
  w.write(pcm16Bytes(pcm));
  w.close();
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

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Pkt {
  pt: number;
  payload: Buffer;
}

function collect(p: UdpPhone): Pkt[] {
  const got: Pkt[] = [];
  p.rtp.on('message', (b: Buffer) => {
    if (b.length >= 12 && b[0]! >> 6 === 2) got.push({ pt: b[1]! & 0x7f, payload: Buffer.from(b.subarray(12)) });
  });
  return got;
}

/** `frames` 20 ms frames of a tone (PCMU, or G.722 when g722), one every 20 ms. */
async function sendTone(p: UdpPhone, to: number, frequency: number, frames: number, ssrc: number, g722 = false): Promise<void> {
  const start = performance.now();
  const enc = g722 ? new G722Encoder() : undefined;
  let phase = 0;
  for (let i = 0; i < frames; i++) {
    const wait = start + i * 20 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const rate = g722 ? 16000 : 8000;
    const f = new Int16Array(rate / 50);
    phase = writeSine(f, { sampleRate: rate, frequency, amplitude: dbfsToAmplitude(-12), phase });
    const payload = Buffer.alloc(160);
    if (enc) enc.encode(f, payload);
    else ulawEncodeInto(f, payload);
    const h = Buffer.alloc(12);
    h[0] = 0x80;
    h[1] = (i === 0 ? 0x80 : 0) | (g722 ? 9 : 0);
    h.writeUInt16BE(i, 2);
    h.writeUInt32BE(i * 160, 4);
    h.writeUInt32BE(ssrc, 8);
    p.rtp.send(Buffer.concat([h, payload]), to, '127.0.0.1');
  }
}

/** RFC 4733 §2.3: one digit as three event packets (the last with the E bit), one timestamp. */
async function sendDigits(p: UdpPhone, to: number, digits: string, seq0: number): Promise<number> {
  let seq = seq0;
  for (const d of digits) {
    const code = d === '#' ? 11 : d === '*' ? 10 : Number(d);
    const ts = seq * 160;
    for (let k = 0; k < 3; k++) {
      const b = Buffer.alloc(16);
      b[0] = 0x80;
      b[1] = (k === 0 ? 0x80 : 0) | 101;
      b.writeUInt16BE(seq++ & 0xffff, 2);
      b.writeUInt32BE(ts, 4);
      b.writeUInt32BE(0xd1d1, 8);
      b[12] = code;
      b[13] = (k === 2 ? 0x80 : 0) | 10;
      b.writeUInt16BE(800 * (k + 1), 14);
      p.rtp.send(b, to, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 60));
  }
  return seq;
}

function decode(pkts: Pkt[]): { pcm: Int16Array; rate: number } {
  if (pkts[0]?.pt === 9) {
    const dec = new G722Decoder();
    const out = new Int16Array(pkts.length * 320);
    pkts.forEach((p, i) => dec.decode(p.payload, out.subarray(i * 320)));
    return { pcm: out, rate: 16000 };
  }
  const out = new Int16Array(pkts.length * 160);
  pkts.forEach((p, i) => ulawDecodeInto(p.payload.subarray(0, 160), out.subarray(i * 160)));
  return { pcm: out, rate: 8000 };
}

function share(pkts: Pkt[], frequency: number): number {
  const { pcm, rate } = decode(pkts);
  return goertzelPower(pcm, rate, frequency) / (meanPower(pcm) || 1);
}

function sdpPort(m: SipResponse | SipRequest): number {
  return Number(/m=audio (\d+)/.exec(m.body.toString())?.[1]);
}

test('three participants (one G.722): each hears the other two and not itself; a room of one hears MOH; mute and kick', async () => {
  const a = await phone('acme', '1001');
  const b = await phone('acme', '1002');
  const c = await phone('acme', '1003', G722_ONLY);
  const atA = collect(a);
  const ra = await a.call('800');
  assert.is(ra.status, 200, `got ${ra.status} ${ra.reason}`);
  await until(() => server.conferences.counts('acme').get('800') === 1);
  // Alone: the tenant's music on hold.
  const aTo = sdpPort(ra);
  await sendTone(a, aTo, 400, 30, 0xa0);
  assert.ok(share(atA.slice(-20), MOH_HZ) > 0.5, `room of one hears MOH (${share(atA.slice(-20), MOH_HZ).toFixed(3)})`);

  const rb = await b.call('800');
  const rc = await c.call('800');
  assert.is(rb.status, 200);
  assert.is(rc.status, 200);
  assert.match(rc.body.toString(), /G722/);
  await until(() => server.conferences.counts('acme').get('800') === 3);
  const atB = collect(b);
  const atC = collect(c);
  const from = { a: atA.length };
  await Promise.all([sendTone(a, aTo, 400, 60, 0xa), sendTone(b, sdpPort(rb), 700, 60, 0xb), sendTone(c, sdpPort(rc), 1100, 60, 0xc, true)]);
  const tail = (x: Pkt[], start = 0) => x.slice(start).slice(-30, -5);
  const heardA = tail(atA, from.a);
  const heardB = tail(atB);
  const heardC = tail(atC);
  assert.ok(share(heardA, 700) > 0.15 && share(heardA, 1100) > 0.15, `A hears B and C (${share(heardA, 700).toFixed(2)}, ${share(heardA, 1100).toFixed(2)})`);
  assert.ok(share(heardA, 400) < 0.03, `A not itself (${share(heardA, 400).toFixed(3)})`);
  assert.ok(share(heardB, 400) > 0.15 && share(heardB, 1100) > 0.15, 'B hears A and C');
  assert.ok(share(heardB, 700) < 0.03, 'B not itself');
  assert.ok(heardC.every((p) => p.pt === 9), 'C gets G.722');
  assert.ok(share(heardC, 400) > 0.15 && share(heardC, 700) > 0.15, 'C hears A and B');
  assert.ok(share(heardC, 1100) < 0.03, 'C not itself');
  assert.ok(share(heardA, MOH_HZ) < 0.03, 'no MOH once others are there');

  // The participant list through the admin API, then mute B: A no longer hears 700 Hz.
  const acmeAdmin = await tenantAdmin('acme');
  const globexAdmin = await tenantAdmin('globex');
  const rooms = await api('GET', '/tenants/acme/conferences', acmeAdmin);
  assert.is(rooms.status, 200);
  assert.equal(rooms.body.items.find((r: { number: string }) => r.number === '800'), { number: '800', name: 'Sales bridge', hasPin: false, participants: 3 });
  assert.is(rooms.body.items.find((r: { number: string }) => r.number === '801').hasPin, true);
  const listed = await api('GET', '/tenants/acme/conferences/800/participants', acmeAdmin);
  assert.is(listed.status, 200);
  const list: Array<{ id: string; extension?: string; muted: boolean }> = listed.body.items;
  assert.equal(list.map((p) => p.extension).sort(), ['1001', '1002', '1003']);
  const pb = list.find((p) => p.extension === '1002')!;
  assert.is((await api('POST', `/tenants/acme/conferences/800/participants/${pb.id}/mute`, acmeAdmin)).status, 204);
  assert.is((await server.conferences.participants('acme', '800')).find((p) => p.id === pb.id)?.muted, true);
  const mark = atA.length;
  // A new SSRC per burst: each burst restarts its sequence numbers (a new source, RFC 3550 §8).
  await Promise.all([sendTone(b, sdpPort(rb), 700, 40, 0xb2), sendTone(c, sdpPort(rc), 1100, 40, 0xc2, true)]);
  const muted = atA.slice(mark).slice(-25, -5);
  assert.ok(share(muted, 700) < 0.03, `muted B is not heard (${share(muted, 700).toFixed(3)})`);
  assert.ok(share(muted, 1100) > 0.15, `C still is (${share(muted, 1100).toFixed(3)})`);

  // Isolation: globex's admin cannot see or act on acme's room (404, as for a room that does not exist).
  assert.is((await api('GET', '/tenants/acme/conferences/800/participants', globexAdmin)).status, 404);
  assert.is((await api('POST', `/tenants/acme/conferences/800/participants/${pb.id}/unmute`, globexAdmin)).status, 404);
  assert.is((await api('DELETE', `/tenants/acme/conferences/800/participants/${pb.id}`, globexAdmin)).status, 404);
  assert.is((await api('GET', '/tenants/globex/conferences/800/participants', globexAdmin)).status, 404, 'globex has no room 800');
  assert.equal(await server.conferences.participants('globex', '800'), []);
  assert.not.ok(await server.conferences.mute('globex', '800', pb.id, false));
  assert.not.ok(server.conferences.kick('globex', '800', pb.id));
  assert.is((await server.conferences.participants('acme', '800')).find((p) => p.id === pb.id)?.muted, true, 'still muted');

  // Kick C: its phone gets a BYE with a Reason; the room has two left.
  const pc = list.find((p) => p.extension === '1003')!;
  const markC = c.mark();
  assert.is((await api('DELETE', `/tenants/acme/conferences/800/participants/${pc.id}`, acmeAdmin)).status, 204);
  const bye = (await c.next((m) => m.kind === 'request' && m.method === 'BYE', 5000, markC)) as SipRequest;
  assert.match(JSON.stringify(bye.headers), /removed from the conference/);
  await until(() => server.conferences.counts('acme').get('800') === 2);

  // BYE from A and B: the room closes.
  assert.is((await a.inDialog('BYE')).status, 200);
  assert.is((await b.inDialog('BYE')).status, 200);
  await until(() => server.conferences.counts('acme').get('800') === undefined);
});

test('PIN: a wrong PIN then the right one (RFC 4733 digits) joins the room', async () => {
  const a = await phone('acme', '1004');
  const r = await a.call('801');
  assert.is(r.status, 200);
  const to = sdpPort(r);
  // Keep some audio flowing so the phone is latched.
  void sendTone(a, to, 300, 10, 0x44);
  await new Promise((res) => setTimeout(res, 250));
  let seq = await sendDigits(a, to, '9999#', 1000);
  await new Promise((res) => setTimeout(res, 300));
  assert.is(server.conferences.counts('acme').get('801') ?? 0, 0, 'a wrong PIN does not join');
  seq = await sendDigits(a, to, '1234#', seq);
  await until(() => server.conferences.counts('acme').get('801') === 1);
  assert.is((await a.inDialog('BYE')).status, 200);
});

test("isolation: globex's 1001 dialling acme's room number does not reach acme's room", async () => {
  const g = await phone('globex', '1001');
  const r = await g.call('800');
  assert.ok(r.status >= 400, `refused: ${r.status}`);
  assert.is(server.conferences.counts('acme').get('800'), undefined);
  assert.is(server.conferences.counts('globex').size, 0);
});

test.run();
