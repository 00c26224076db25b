// Small helpers for call-flow tests against the real server with UdpPhones: what a phone
// hears (PCMU decoded per frame), waiting for a condition or an INVITE, the PBX's RTP port
// from an SDP, a burst of RFC 4733 key presses (a DTMF flood), prompt WAVs of one tone.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ulawDecodeInto } from '../../src/media/codecs/g711-ulaw.js';
import { toneShare } from '../../src/media/dsp/goertzel.js';
import { buildTelephoneEvent } from '../../src/media/rtp/telephone-event.js';
import type { SipRequest, SipResponse } from '../../src/sip/message/types.js';
import { encodeWav, sineWave } from './tone.js';
import type { UdpPhone } from './udp-phone.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The audio port of an SDP body (the PBX's RTP port for this phone). */
export const sdpPort = (m: SipResponse | SipRequest) => Number(/m=audio (\d+)/.exec(m.body.toString())?.[1]);

/** Every PCMU frame `p` receives from now on, decoded. */
export function listen(p: UdpPhone): Int16Array[] {
  const got: Int16Array[] = [];
  p.rtp.on('message', (b: Buffer) => {
    if (b.length < 12 || b[0]! >> 6 !== 2 || (b[1]! & 0x7f) !== 0) return;
    const pcm = new Int16Array(b.length - 12);
    ulawDecodeInto(b.subarray(12), pcm);
    got.push(pcm);
  });
  return got;
}

/** How many times `p` heard a tone of `hz` begin, a pause of more than `gapMs` apart (RTP stops between prompts). */
export function toneRuns(p: UdpPhone, hz: number, gapMs = 800): () => number {
  const at: number[] = [];
  p.rtp.on('message', (b: Buffer) => {
    if (b.length < 12 || b[0]! >> 6 !== 2 || (b[1]! & 0x7f) !== 0) return;
    const pcm = new Int16Array(b.length - 12);
    ulawDecodeInto(b.subarray(12), pcm);
    if (toneShare(pcm, 8000, hz) > 0.5) at.push(Date.now());
  });
  return () => at.reduce((n, t, i) => (i === 0 || t - at[i - 1]! > gapMs ? n + 1 : n), 0);
}

/** Frames `from`.. as one buffer. */
export function joined(frames: Int16Array[], from = 0): Int16Array {
  const part = frames.slice(from);
  const out = new Int16Array(part.reduce((n, f) => n + f.length, 0));
  let o = 0;
  for (const f of part) {
    out.set(f, o);
    o += f.length;
  }
  return out;
}

export async function until(check: () => boolean, ms = 8000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what} not met in time`);
    await sleep(20);
  }
}

/** The next INVITE `p` receives, or undefined after `ms`. */
export const inviteTo = (p: UdpPhone, ms = 6000, from?: number) =>
  p.next((m) => m.kind === 'request' && m.method === 'INVITE', ms, from ?? p.mark()).then(
    (m) => m as SipRequest,
    () => undefined,
  );

/** Whether `p` has received an INVITE at or after index `from`. */
export const rang = (p: UdpPhone, from = 0) => p.received.slice(from).some((m) => m.kind === 'request' && m.method === 'INVITE');

export const byeFrom = (p: UdpPhone, from: number, ms = 10_000) => p.next((m) => m.kind === 'request' && m.method === 'BYE', ms, from);

/**
 * `count` distinct RFC 4733 key presses (event 0-9 in turn) sent as fast as the loop allows:
 * each a short event with its own timestamp, ended by three end packets (§2.5.1.4).
 */
export async function dtmfFlood(p: UdpPhone, toPort: number, count: number, ssrc = 0xf100d): Promise<void> {
  let seq = 5000;
  let ts = 900_000;
  const send = (payload: Uint8Array, marker: boolean) => {
    const h = Buffer.alloc(12);
    h[0] = 0x80;
    h[1] = (marker ? 0x80 : 0) | 101;
    h.writeUInt16BE(seq++ & 0xffff, 2);
    h.writeUInt32BE(ts >>> 0, 4);
    h.writeUInt32BE(ssrc, 8);
    p.rtp.send(Buffer.concat([h, payload]), toPort, '127.0.0.1');
  };
  for (let i = 0; i < count; i++) {
    send(buildTelephoneEvent(i % 10, false, 10, 160), true);
    for (let k = 0; k < 3; k++) send(buildTelephoneEvent(i % 10, true, 10, 320), false);
    ts += 320;
    await sleep(10);
  }
}

/** `<dir>/<name>.wav`: `seconds` of one tone at 8 kHz (a prompt the caller can be told apart by). */
export function tonePrompt(dir: string, name: string, hz: number, seconds: number): void {
  writeFileSync(join(dir, `${name}.wav`), encodeWav(sineWave(hz, seconds, 8000)));
}
