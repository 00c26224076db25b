// Transcoding through the real server (issue 10, item 2): real SIP and RTP sockets, real
// media workers and tenant stores, and small SIP phones (test/support/udp-phone.ts) that
// send and analyse real audio: a PCMU-only phone calls a G.722-only phone, each sends its
// own tone, and each tone is found by frequency (decode + Goertzel) in what the other
// phone receives. A call whose phones share PCMU stays on the plain relay (no decode).
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxServer } from '../../src/app/pbx-server.js';
import { ulawDecodeInto, ulawEncodeInto } from '../../src/media/codecs/g711-ulaw.js';
import { G722Decoder } from '../../src/media/codecs/g722-decoder.js';
import { G722Encoder } from '../../src/media/codecs/g722-encoder.js';
import { toneShare } from '../../src/media/dsp/goertzel.js';
import { concatPcm, sineFrames } from '../../src/media/dsp/tone.js';
import type { SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { SqliteTenantStore } from '../../src/store/tenant-store.js';
import { memoryLogger } from '../../src/util/logger.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import { UdpPhone } from '../support/udp-phone.js';

let pbx: InProcessPbx;
let server: PbxServer;
const logger = memoryLogger('info');
const ACME = { id: 'acme', domains: ['acme.example'], extensions: ['1001', '1002', '1003', '1004'].map((e) => ({ ext: e, password: `acme-${e}-secret` })) };
const G722_ONLY = { pt: 9, rtpmap: 'G722/8000' };

test.before(async () => {
  pbx = await InProcessPbx.start({ name: 'transcode', tenants: [ACME], logger });
  server = pbx.server;
});

test.after(async () => {
  await pbx?.stop();
});

async function phone(user: string, audio?: { pt: number; rtpmap: string }): Promise<UdpPhone> {
  return pbx.phone('acme', user, audio ? { audio } : {});
}

function sdpPort(m: SipResponse | SipRequest): number {
  return Number(/m=audio (\d+)/.exec(m.body.toString())?.[1]);
}

function mLine(m: SipResponse | SipRequest): string {
  return /m=audio [^\r\n]*/.exec(m.body.toString())?.[0] ?? '';
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every RTP packet a phone receives: payload type, SSRC and payload. */
function collect(p: UdpPhone): Array<{ pt: number; seq: number; ssrc: number; payload: Buffer; raw: Buffer }> {
  const got: Array<{ pt: number; seq: number; ssrc: number; payload: Buffer; raw: Buffer }> = [];
  p.rtp.on('message', (b: Buffer) => {
    if (b.length >= 12 && b[0] >> 6 === 2) got.push({ pt: b[1] & 0x7f, seq: b.readUInt16BE(2), ssrc: b.readUInt32BE(8), payload: Buffer.from(b.subarray(12)), raw: Buffer.from(b) });
  });
  return got;
}

/** Send `frames` 20 ms payloads like a phone: one every 20 ms of wall time. */
async function sendPaced(p: UdpPhone, to: number, frames: Buffer[], o: { pt: number; ssrc: number }): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < frames.length; i++) {
    const wait = start + i * 20 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const h = Buffer.alloc(12);
    h[0] = 0x80;
    h[1] = (i === 0 ? 0x80 : 0) | o.pt;
    h.writeUInt16BE(i, 2);
    h.writeUInt32BE(i * 160, 4);
    h.writeUInt32BE(o.ssrc, 8);
    p.rtp.send(Buffer.concat([h, frames[i]!]), to, '127.0.0.1');
  }
}

test('a PCMU-only phone calls a G.722-only phone: no 488, 1 kHz one way and 600 Hz the other, each found by frequency', async () => {
  const caller = await phone('1001'); // PCMU + telephone-event
  const callee = await phone('1002', G722_ONLY);
  assert.is(await callee.register(), 200);
  const atCaller = collect(caller);
  const atCallee = collect(callee);
  const res = await caller.call('1002');
  assert.is(res.status, 200, `got ${res.status} ${res.reason}`);
  const invite = (await callee.next((m) => m.kind === 'request' && m.method === 'INVITE')) as SipRequest;
  assert.is(mLine(invite).split(' ').slice(3).join(' '), '0 101 8 9 96 97', "the callee is offered the caller's PCMU first, then what the PBX transcodes to");
  assert.is(mLine(res).split(' ').slice(3).join(' '), '0 101', 'the caller is answered in its own codec');
  assert.not.match(res.body.toString(), /G722/);

  const ulaw = sineFrames(1000, 8000, 75).map((f) => {
    const b = Buffer.alloc(160);
    ulawEncodeInto(f, b);
    return b;
  });
  const enc = new G722Encoder();
  const g722 = sineFrames(600, 16000, 75).map((f) => {
    const b = Buffer.alloc(160);
    enc.encode(f, b);
    return b;
  });
  await Promise.all([sendPaced(caller, sdpPort(res), ulaw, { pt: 0, ssrc: 0x1001 }), sendPaced(callee, sdpPort(invite), g722, { pt: 9, ssrc: 0x1002 })]);
  await until(() => atCallee.length >= 60 && atCaller.length >= 60);
  await new Promise((r) => setTimeout(r, 200)); // the tail still in the jitter buffers

  // The G.722 phone gets G.722 (PT 9) carrying the caller's 1 kHz.
  assert.ok(atCallee.every((p) => p.pt === 9), `payload types at the callee: ${[...new Set(atCallee.map((p) => p.pt))]}`);
  assert.ok(atCallee.every((p) => p.ssrc !== 0x1001), "the PBX's own SSRC, not the caller's");
  const dec = new G722Decoder();
  const wide = concatPcm(atCallee.sort((x, y) => ((x.seq - y.seq + 0x8000) & 0xffff) - 0x8000).map((p) => {
    const f = new Int16Array(2 * p.payload.length);
    dec.decode(p.payload, f);
    return f;
  }));
  const s1000 = toneShare(wide, 16000, 1000, 3200);
  assert.ok(s1000 > 0.7, `1 kHz share at the G.722 phone: ${s1000.toFixed(3)}`);
  assert.ok(toneShare(wide, 16000, 600, 3200) < 0.05, 'not its own 600 Hz back');

  // The PCMU phone gets PCMU (PT 0) carrying the callee's 600 Hz.
  assert.ok(atCaller.every((p) => p.pt === 0), `payload types at the caller: ${[...new Set(atCaller.map((p) => p.pt))]}`);
  const narrow = concatPcm(atCaller.sort((x, y) => ((x.seq - y.seq + 0x8000) & 0xffff) - 0x8000).map((p) => {
    const f = new Int16Array(p.payload.length);
    ulawDecodeInto(p.payload, f);
    return f;
  }));
  const s600 = toneShare(narrow, 8000, 600, 1600);
  assert.ok(s600 > 0.7, `600 Hz share at the PCMU phone: ${s600.toFixed(3)}`);
  assert.ok(toneShare(narrow, 8000, 1000, 1600) < 0.05, 'not its own 1 kHz back');

  const loads = await server.monitoringParts().media.loads();
  assert.is(loads[0]!.transcoding, 1, 'the worker transcodes this call');
  assert.is((await caller.inDialog('BYE')).status, 200);
  // The CDR still gets the media statistics of both legs.
  const find = () => {
    const s = SqliteTenantStore.open(join(pbx.dir, 'data'), 'acme');
    try {
      return s.listCdrs({ newestFirst: true }).find((c) => c.toExt === '1002' && c.disposition === 'answered');
    } finally {
      s.close();
    }
  };
  await until(() => find()?.media !== undefined);
  const m = find()!.media!;
  assert.is(m.caller!.packets, 75);
  assert.is(m.callee!.packets, 75);
  await callee.register(0);
});

test('phones that share PCMU stay on the plain relay: the packet arrives byte for byte, no transcoding session', async () => {
  const caller = await phone('1003');
  const callee = await phone('1004');
  assert.is(await callee.register(), 200);
  const atCallee = collect(callee);
  const res = await caller.call('1004');
  assert.is(res.status, 200);
  assert.is(mLine(res).split(' ').slice(3).join(' '), '0 101');
  const marker = Buffer.from('not audio: a relay passes it untouched, a transcoder would not');
  const h = Buffer.from([0x80, 0x00, 0, 1, 0, 0, 0, 160, 0xca, 0xfe, 0xba, 0xbe]);
  for (let i = 0; i < 5; i++) caller.rtp.send(Buffer.concat([h, marker]), sdpPort(res), '127.0.0.1');
  await until(() => atCallee.length >= 5);
  assert.ok(atCallee[0]!.raw.equals(Buffer.concat([h, marker])));
  const loads = await server.monitoringParts().media.loads();
  assert.is(loads[0]!.transcoding, 0);
  assert.is((await caller.inDialog('BYE')).status, 200);
  await callee.register(0);
});

test.run();
