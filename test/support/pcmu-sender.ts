// A phone's paced PCMU stream with one SSRC: a tone in 20 ms frames, and RFC 4733 digits
// in the same stream (what a desk phone sends when its user presses keys mid-call).
import { ulawEncodeInto } from '../../src/media/codecs/g711-ulaw.js';
import { dbfsToAmplitude, writeSine } from '../../src/media/dsp/tone.js';
import { buildTelephoneEvent } from '../../src/media/rtp/telephone-event.js';
import type { UdpPhone } from './udp-phone.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class PcmuSender {
  private seq = 1;
  private ts = 8000;
  private phase = 0;
  private readonly pcm = new Int16Array(160);
  constructor(
    private readonly p: UdpPhone,
    /** The PBX's RTP port for this phone (from the SDP it was sent). */
    private readonly to: number,
    private readonly ssrc: number,
    private readonly frequency: number,
  ) {}

  private packet(pt: number, marker: boolean, ts: number, payload: Uint8Array): void {
    const h = Buffer.alloc(12);
    h[0] = 0x80;
    h[1] = (marker ? 0x80 : 0) | pt;
    h.writeUInt16BE(this.seq++ & 0xffff, 2);
    h.writeUInt32BE(ts >>> 0, 4);
    h.writeUInt32BE(this.ssrc, 8);
    this.p.rtp.send(Buffer.concat([h, payload]), this.to, '127.0.0.1');
  }

  /** `ms` of the tone, paced at 20 ms a frame. */
  async tone(ms: number): Promise<void> {
    const start = performance.now();
    for (let i = 0; i < ms / 20; i++) {
      const wait = start + i * 20 - performance.now();
      if (wait > 0) await sleep(wait);
      this.phase = writeSine(this.pcm, { sampleRate: 8000, frequency: this.frequency, amplitude: dbfsToAmplitude(-12), phase: this.phase });
      const out = new Uint8Array(160);
      ulawEncodeInto(this.pcm, out);
      this.packet(0, false, this.ts, out);
      this.ts += 160;
    }
  }

  /** One RFC 4733 digit as payload type 101 (§2.5.1): updates every 20 ms, then three end packets. */
  async digit(event: number, ms = 100): Promise<void> {
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
