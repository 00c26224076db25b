// DTMF through the real server (issue 10, item 3): real SIP and RTP sockets, a real media
// worker, small SIP phones (test/support/udp-phone.ts) that send and read real RTP and SIP.
// - RFC 4733 digits from a phone with telephone-event reach an INFO-only phone (no
//   telephone-event in its SDP, INFO in its Allow) as SIP INFO with the right digits and durations;
// - SIP INFO from the INFO-only phone reaches the other phone as RFC 4733 packets;
// - in-band tones from a PCMU phone without telephone-event or INFO are detected and reach a
//   phone with telephone-event as RFC 4733 packets.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ulawEncodeInto } from '../../src/media/codecs/g711-ulaw.js';
import { dbm0ToAmplitude } from '../../src/media/dsp/dbm0.js';
import { writeDtmf } from '../../src/media/dsp/dtmf-tones.js';
import { buildTelephoneEvent, parseTelephoneEvent } from '../../src/media/rtp/telephone-event.js';
import { getHeader } from '../../src/sip/message/headers.js';
import type { SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { memoryLogger } from '../../src/util/logger.js';
import { InProcessPbx } from '../support/in-process-pbx.js';
import { UdpPhone, type PhoneOptions } from '../support/udp-phone.js';

let pbx: InProcessPbx;
const logger = memoryLogger('info');
const ACME = { id: 'acme', domains: ['acme.example'], extensions: ['1001', '1002', '1003', '1004'].map((e) => ({ ext: e, password: `acme-${e}-secret` })) };
const INFO_ONLY: Partial<PhoneOptions> = { telephoneEvent: false, allow: 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO' };

test.before(async () => {
  pbx = await InProcessPbx.start({ name: 'dtmf', tenants: [ACME], logger });
});

test.after(async () => {
  await pbx?.stop();
});

async function phone(user: string, extra: Partial<PhoneOptions> = {}): Promise<UdpPhone> {
  return pbx.phone('acme', user, extra);
}

const sdpPort = (m: SipResponse | SipRequest) => Number(/m=audio (\d+)/.exec(m.body.toString())?.[1]);
const mFormats = (m: SipResponse | SipRequest) => /m=audio \d+ RTP\/AVP ([^\r\n]*)/.exec(m.body.toString())?.[1] ?? '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

interface Rtp {
  pt: number;
  seq: number;
  ssrc: number;
  marker: boolean;
  payload: Buffer;
}

function collect(p: UdpPhone): Rtp[] {
  const got: Rtp[] = [];
  p.rtp.on('message', (b: Buffer) => {
    if (b.length >= 12 && b[0]! >> 6 === 2) got.push({ pt: b[1]! & 0x7f, marker: (b[1]! & 0x80) !== 0, seq: b.readUInt16BE(2), ssrc: b.readUInt32BE(8), payload: Buffer.from(b.subarray(12)) });
  });
  return got;
}

/** A paced RTP sender with one SSRC, sequence and 8 kHz timestamp. */
class Sender {
  private seq = 1;
  private ts = 8000;
  constructor(
    private readonly p: UdpPhone,
    private readonly to: number,
    private readonly ssrc: number,
  ) {}

  private packet(pt: number, marker: boolean, ts: number, payload: Buffer): void {
    const h = Buffer.alloc(12);
    h[0] = 0x80;
    h[1] = (marker ? 0x80 : 0) | pt;
    h.writeUInt16BE(this.seq++ & 0xffff, 2);
    h.writeUInt32BE(ts >>> 0, 4);
    h.writeUInt32BE(this.ssrc, 8);
    this.p.rtp.send(Buffer.concat([h, payload]), this.to, '127.0.0.1');
  }

  async audio(frames: Buffer[]): Promise<void> {
    for (const f of frames) {
      this.packet(0, false, this.ts, f);
      this.ts += 160;
      await sleep(20);
    }
  }

  /** One RFC 4733 digit like a phone (§2.5.1): updates every 20 ms, then three end packets. */
  async digit(event: number, ms: number): Promise<void> {
    const start = this.ts;
    const units = ms * 8;
    for (let d = 160; d < units; d += 160) {
      this.packet(101, d === 160, start, buildTelephoneEvent(event, false, 10, d));
      await sleep(20);
    }
    for (let i = 0; i < 3; i++) this.packet(101, false, start, buildTelephoneEvent(event, true, 10, units));
    await sleep(20);
    this.ts += units;
  }
}

const silence = (n: number) => Array.from({ length: n }, () => Buffer.alloc(160, 0xff));

function tones(digit: string, ms: number): Buffer[] {
  const pcm = new Int16Array(ms * 8);
  writeDtmf(pcm, digit, { sampleRate: 8000, rowAmplitude: dbm0ToAmplitude(-10), columnAmplitude: dbm0ToAmplitude(-10) });
  const out: Buffer[] = [];
  for (let i = 0; i < pcm.length; i += 160) {
    const b = Buffer.alloc(160);
    ulawEncodeInto(pcm.subarray(i, i + 160), b);
    out.push(b);
  }
  return out;
}

/** The digits in RFC 4733 packets a phone got: one [event, final duration] per digit (its end packets, once). */
function eventDigits(got: Rtp[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let last = '';
  for (const p of got) {
    const e = p.pt === 101 ? parseTelephoneEvent(p.payload) : undefined;
    if (!e?.end) continue;
    const key = `${e.event}/${e.duration}/${p.ssrc}`;
    if (key !== last) out.push([e.event, e.duration]);
    last = key;
  }
  return out;
}

test('RFC 4733 from a phone with telephone-event reaches an INFO-only phone as SIP INFO (digits and durations); its INFO comes back as RFC 4733', async () => {
  const caller = await phone('1001'); // PCMU + telephone-event 101
  const callee = await phone('1002', INFO_ONLY);
  assert.is(await callee.register(), 200);
  const atCaller = collect(caller);
  const atCallee = collect(callee);
  const res = await caller.call('1002');
  assert.is(res.status, 200, `got ${res.status} ${res.reason}`);
  const invite = (await callee.next((m) => m.kind === 'request' && m.method === 'INVITE')) as SipRequest;
  assert.is(mFormats(res), '0 101', 'the caller keeps telephone-event: the PBX terminates it');

  const mark = callee.mark();
  const s = new Sender(caller, sdpPort(res), 0x1001);
  await s.audio(silence(5));
  await s.digit(1, 120);
  await s.audio(silence(5));
  await s.digit(11, 200); // '#'
  await s.audio(silence(5));
  const infos = async (n: number) => {
    await until(() => callee.received.slice(mark).filter((m) => m.kind === 'request' && m.method === 'INFO').length >= n);
    return callee.received.slice(mark).filter((m): m is SipRequest => m.kind === 'request' && m.method === 'INFO');
  };
  const got = await infos(2);
  assert.equal(got.map((m) => getHeader(m, 'content-type')), ['application/dtmf-relay', 'application/dtmf-relay']);
  assert.equal(got.map((m) => m.body.toString()), ['Signal=1\r\nDuration=120\r\n', 'Signal=#\r\nDuration=200\r\n']);
  assert.not.ok(atCallee.some((p) => p.pt === 101), 'no telephone-event towards a phone that did not negotiate it');
  assert.ok(atCallee.filter((p) => p.pt === 0).length >= 15, 'the audio still flows');
  // The audio reaches the callee without gaps where the events were taken out.
  const seqs = atCallee.filter((p) => p.pt === 0).map((p) => p.seq);
  for (let i = 1; i < seqs.length; i++) assert.is((seqs[i]! - seqs[i - 1]!) & 0xffff, 1, `sequence ${seqs[i - 1]} → ${seqs[i]}`);

  // The other way: the INFO-only phone's INFO becomes RFC 4733 towards the caller.
  const before = atCaller.length;
  const r5 = await callee.inDialog('INFO', Buffer.from('Signal=5\r\nDuration=160\r\n'), [{ name: 'content-type', value: 'application/dtmf-relay' }]);
  assert.is(r5.status, 200);
  const rStar = await callee.inDialog('INFO', Buffer.from('*'), [{ name: 'content-type', value: 'application/dtmf' }]);
  assert.is(rStar.status, 200);
  await until(() => eventDigits(atCaller.slice(before)).length >= 2);
  assert.equal(eventDigits(atCaller.slice(before)), [
    [5, 1280],
    [10, 2000],
  ]);
  const evs = atCaller.slice(before).filter((p) => p.pt === 101);
  assert.ok(evs[0]!.marker, 'the first packet of an event has the marker bit (RFC 4733 §2.5.1)');
  // A hostile DTMF body gets 400; the call goes on.
  const bad = await callee.inDialog('INFO', Buffer.from('Signal=Z\r\nDuration=99999999\r\n'), [{ name: 'content-type', value: 'application/dtmf-relay' }]);
  assert.is(bad.status, 400);
  // A non-DTMF INFO is still relayed as it is.
  const callerMark = caller.mark();
  const other = await callee.inDialog('INFO', Buffer.from('<x/>'), [{ name: 'content-type', value: 'application/media_control+xml' }]);
  assert.is(other.status, 200);
  const relayed = (await caller.next((m) => m.kind === 'request' && m.method === 'INFO', 3000, callerMark)) as SipRequest;
  assert.is(relayed.body.toString(), '<x/>');
  assert.is(sdpPort(invite) > 0, true);
  assert.is((await caller.inDialog('BYE')).status, 200);
  await callee.register(0);
});

test('in-band tones from a PCMU phone without telephone-event are detected and reach a phone with telephone-event as RFC 4733', async () => {
  const caller = await phone('1003', { telephoneEvent: false }); // PCMU only, no INFO in Allow: in-band
  const callee = await phone('1004'); // PCMU + telephone-event
  assert.is(await callee.register(), 200);
  const atCallee = collect(callee);
  const res = await caller.call('1004');
  assert.is(res.status, 200, `got ${res.status} ${res.reason}`);
  assert.is(mFormats(res), '0');
  const invite = (await callee.next((m) => m.kind === 'request' && m.method === 'INVITE')) as SipRequest;
  assert.match(mFormats(invite), /\b101\b/, 'the callee is offered telephone-event by the PBX');
  const s = new Sender(caller, sdpPort(res), 0x1003);
  await s.audio([...silence(5), ...tones('7', 100), ...silence(5), ...tones('0', 160), ...silence(10)]);
  await until(() => eventDigits(atCallee).length >= 2);
  const digits = eventDigits(atCallee);
  assert.equal(digits.map((d) => d[0]), [7, 0]);
  // Durations as the detector measured them (within a block of 12.75 ms, and the generator's 60 ms minimum).
  assert.ok(Math.abs(digits[0]![1] - 800) <= 160, `7 lasted ${digits[0]![1]} units`);
  assert.ok(Math.abs(digits[1]![1] - 1280) <= 160, `0 lasted ${digits[1]![1]} units`);
  // The generated events travel in the stream the callee receives: the caller's SSRC.
  assert.ok(atCallee.filter((p) => p.pt === 101).every((p) => p.ssrc === 0x1003));
  assert.is((await caller.inDialog('BYE')).status, 200);
  await callee.register(0);
});

test.run();
