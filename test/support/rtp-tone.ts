// A tone sent as PCMU RTP from a test phone's socket, and the share of a tone in what a socket
// received (the server's own Goertzel, src/media/dsp): proof that audio, not just packets,
// crossed a call.
import type { Socket } from 'node:dgram';
import { ulawDecodeInto, ulawEncodeInto } from '../../src/media/codecs/g711-ulaw.js';
import { toneShare } from '../../src/media/dsp/goertzel.js';
import { dbfsToAmplitude, writeSine } from '../../src/media/dsp/tone.js';

/** The PCMU payloads a socket receives from now on (RTP version 2, payload type 0 only). */
export function collectPcmu(sock: Socket): { payloads: Buffer[]; stop(): void } {
  const payloads: Buffer[] = [];
  const on = (b: Buffer) => {
    if (b.length >= 12 + 160 && b[0]! >> 6 === 2 && (b[1]! & 0x7f) === 0) payloads.push(Buffer.from(b.subarray(12, 12 + 160)));
  };
  sock.on('message', on);
  return { payloads, stop: () => sock.off('message', on) };
}

/** `frames` 20 ms PCMU frames of a sine at `hz`, paced one every 20 ms. */
export async function sendPcmuTone(sock: Socket, to: { address: string; port: number }, hz: number, frames: number, ssrc: number): Promise<void> {
  const start = performance.now();
  let phase = 0;
  for (let i = 0; i < frames; i++) {
    const wait = start + i * 20 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const pcm = new Int16Array(160);
    phase = writeSine(pcm, { sampleRate: 8000, frequency: hz, amplitude: dbfsToAmplitude(-12), phase });
    const p = Buffer.alloc(12 + 160);
    p[0] = 0x80;
    p[1] = i === 0 ? 0x80 : 0; // marker on the first packet, PT 0
    p.writeUInt16BE(i & 0xffff, 2);
    p.writeUInt32BE(i * 160, 4);
    p.writeUInt32BE(ssrc, 8);
    ulawEncodeInto(pcm, p.subarray(12));
    sock.send(p, to.port, to.address);
  }
}

/** The share of `hz` in the decoded payloads (a clean tone: near 1; silence or another tone: near 0). */
export function pcmuToneShare(payloads: readonly Buffer[], hz: number): number {
  const pcm = new Int16Array(payloads.length * 160);
  payloads.forEach((p, i) => ulawDecodeInto(p, pcm.subarray(i * 160)));
  return toneShare(pcm, 8000, hz);
}
