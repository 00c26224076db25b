// Opus transcoding through the real server (issue 10, items 1-2): real SIP and RTP sockets,
// a real media worker, and small SIP phones (test/support/udp-phone.ts) that send and analyse
// real audio. A PCMU-only phone calls an Opus-only phone (opus/48000/2 with
// telephone-event/48000, as Opus phones offer it): no 488, a 1 kHz tone one way and 600 Hz the
// other, each found by decoding (libopus / µ-law) and Goertzel; an RFC 4733 digit crosses
// from the 8 kHz leg to the 48 kHz one with its duration rescaled.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxServer } from '../../src/app/pbx-server.js';
import { ulawDecodeInto, ulawEncodeInto } from '../../src/media/codecs/g711-ulaw.js';
import { chooseOpusBackend } from '../../src/media/codecs/opus-backend.js';
import { OpusDecoder, OpusEncoder } from '../../src/media/codecs/opus.js';
import { toneShare } from '../../src/media/dsp/goertzel.js';
import { concatPcm, sineFrames } from '../../src/media/dsp/tone.js';
import type { SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { memoryLogger } from '../../src/util/logger.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import { UdpPhone } from '../support/udp-phone.js';

let pbx: InProcessPbx;
let server: PbxServer;
const logger = memoryLogger('info');
const ACME = { id: 'acme', domains: ['acme.example'], extensions: ['1001', '1002'].map((e) => ({ ext: e, password: `acme-${e}-secret` })) };
const OPUS_ONLY = { pt: 111, rtpmap: 'opus/48000/2', fmtp: 'useinbandfec=1;maxaveragebitrate=24000', telephoneEvent: 'telephone-event/48000' };
const { backend } = chooseOpusBackend('auto');

test.before(async () => {
  pbx = await InProcessPbx.start({ name: 'transcode-opus', tenants: [ACME], logger });
  server = pbx.server;
});

test.after(async () => {
  await pbx?.stop();
});

async function phone(user: string, audio?: typeof OPUS_ONLY): Promise<UdpPhone> {
  return pbx.phone('acme', user, audio ? { audio } : {});
}

const sdpPort = (m: SipResponse | SipRequest): number => Number(/m=audio (\d+)/.exec(m.body.toString())?.[1]);
const formats = (m: SipResponse | SipRequest): string => (/m=audio [^\r\n]*/.exec(m.body.toString())?.[0] ?? '').split(' ').slice(3).join(' ');

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Got {
  pt: number;
  seq: number;
  ts: number;
  ssrc: number;
  payload: Buffer;
}

function collect(p: UdpPhone): Got[] {
  const got: Got[] = [];
  p.rtp.on('message', (b: Buffer) => {
    if (b.length >= 12 && b[0] >> 6 === 2) got.push({ pt: b[1] & 0x7f, seq: b.readUInt16BE(2), ts: b.readUInt32BE(4), ssrc: b.readUInt32BE(8), payload: Buffer.from(b.subarray(12)) });
  });
  return got;
}

function rtp(pt: number, seq: number, ts: number, ssrc: number, payload: Uint8Array, marker = false): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (marker ? 0x80 : 0) | pt;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE(ts >>> 0, 4);
  h.writeUInt32BE(ssrc, 8);
  return Buffer.concat([h, payload]);
}

/** One payload every 20 ms of wall time, like a phone; `tsStep` RTP units per packet. */
async function sendPaced(p: UdpPhone, to: number, frames: Uint8Array[], o: { pt: number; ssrc: number; tsStep: number }): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < frames.length; i++) {
    const wait = start + i * 20 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    p.rtp.send(rtp(o.pt, i, i * o.tsStep, o.ssrc, frames[i]!, i === 0), to, '127.0.0.1');
  }
}

const bySeq = (x: Got, y: Got): number => ((x.seq - y.seq + 0x8000) & 0xffff) - 0x8000;

test('a PCMU-only phone calls an Opus-only phone: no 488, 1 kHz one way and 600 Hz the other, each found by frequency; a digit crosses at 48 kHz', async () => {
  const caller = await phone('1001'); // PCMU + telephone-event/8000 (101)
  const callee = await phone('1002', OPUS_ONLY);
  assert.is(await callee.register(), 200);
  const atCaller = collect(caller);
  const atCallee = collect(callee);
  const res = await caller.call('1002');
  assert.is(res.status, 200, `got ${res.status} ${res.reason}`);
  const invite = (await callee.next((m) => m.kind === 'request' && m.method === 'INVITE')) as SipRequest;
  assert.is(formats(invite), '0 101 8 9 96 97', "PCMU first (the caller's), then PCMA, G722, opus, and telephone-event/48000 for the Opus codec");
  assert.match(invite.body.toString(), /a=rtpmap:96 opus\/48000\/2\r\n/);
  assert.match(invite.body.toString(), /a=rtpmap:97 telephone-event\/48000\r\n/);
  assert.is(formats(res), '0 101', 'the caller is answered in its own codec, with its own telephone-event');
  assert.not.match(res.body.toString(), /opus/);

  const ulaw = sineFrames(1000, 8000, 75).map((f) => {
    const b = new Uint8Array(160);
    ulawEncodeInto(f, b);
    return b;
  });
  const enc = new OpusEncoder(backend);
  const opus = sineFrames(600, 48000, 75).map((f) => Uint8Array.from(enc.encode(f)));
  enc.close();
  await Promise.all([sendPaced(caller, sdpPort(res), ulaw, { pt: 0, ssrc: 0x1001, tsStep: 160 }), sendPaced(callee, sdpPort(invite), opus, { pt: 111, ssrc: 0x1002, tsStep: 960 })]);
  await until(() => atCallee.length >= 60 && atCaller.length >= 60);
  await new Promise((r) => setTimeout(r, 200)); // the tail still in the jitter buffers

  // The Opus phone gets Opus (its PT 111), timestamps at 48 kHz, carrying the caller's 1 kHz.
  const opusIn = atCallee.filter((p) => p.pt === 111).sort(bySeq);
  assert.is(opusIn.length, atCallee.length, `payload types at the callee: ${[...new Set(atCallee.map((p) => p.pt))]}`);
  assert.ok(opusIn.every((p) => p.ssrc !== 0x1001), "the PBX's own SSRC");
  for (let i = 1; i < opusIn.length; i++) assert.is((opusIn[i]!.ts - opusIn[i - 1]!.ts) >>> 0, 960 * ((opusIn[i]!.seq - opusIn[i - 1]!.seq) & 0xffff));
  const meanBytes = opusIn.reduce((n, p) => n + p.payload.length, 0) / opusIn.length;
  assert.ok(meanBytes < 70, `the encoder keeps to the callee's maxaveragebitrate=24000 (60 bytes per packet on average; 80 at our default 32000): ${meanBytes.toFixed(1)}`);
  const dec = new OpusDecoder(backend);
  const wide = concatPcm(opusIn.map((p) => dec.decode(p.payload)));
  dec.close();
  const s1000 = toneShare(wide, 48000, 1000, 9600);
  assert.ok(s1000 > 0.7, `1 kHz share at the Opus phone: ${s1000.toFixed(3)}`);
  assert.ok(toneShare(wide, 48000, 600, 9600) < 0.05, 'not its own 600 Hz back');

  // The PCMU phone gets PCMU carrying the callee's 600 Hz.
  assert.ok(atCaller.every((p) => p.pt === 0), `payload types at the caller: ${[...new Set(atCaller.map((p) => p.pt))]}`);
  const narrow = concatPcm(atCaller.sort(bySeq).map((p) => {
    const f = new Int16Array(p.payload.length);
    ulawDecodeInto(p.payload, f);
    return f;
  }));
  const s600 = toneShare(narrow, 8000, 600, 1600);
  assert.ok(s600 > 0.7, `600 Hz share at the PCMU phone: ${s600.toFixed(3)}`);
  assert.ok(toneShare(narrow, 8000, 1000, 1600) < 0.05, 'not its own 1 kHz back');

  const loads = await server.monitoringParts().media.loads();
  assert.is(loads[0]!.transcoding, 1, 'the worker transcodes this call');

  // RFC 4733: digit 5 for 100 ms from the 8 kHz leg (duration 800) reaches the Opus leg as its
  // telephone-event/48000 (PT 101 in its SDP) with duration 4800.
  const before = atCallee.length;
  const ev = Buffer.from([5, 0x80 | 10, 800 >> 8, 800 & 0xff]);
  for (let i = 0; i < 3; i++) caller.rtp.send(rtp(101, 100 + i, 75 * 160, 0x1001, ev, i === 0), sdpPort(res), '127.0.0.1');
  await until(() => atCallee.slice(before).filter((p) => p.pt === 101).length >= 3);
  const events = atCallee.slice(before).filter((p) => p.pt === 101);
  assert.ok(events.every((p) => p.payload[0] === 5 && p.payload.readUInt16BE(2) === 4800), `durations ${events.map((p) => p.payload.readUInt16BE(2))}`);

  assert.is((await caller.inDialog('BYE')).status, 200);
  await callee.register(0);
});

test.run();
