// What a test phone hears from the PBX, decoded: the PCMU frames it receives on its RTP
// socket as 8 kHz samples, and two questions asked of them: is a tone in it somewhere (the
// best window's share of power at that frequency), and does it contain a given prompt file
// (the best normalised cross-correlation of the prompt's samples with what was heard).
import { readFileSync } from 'node:fs';
import { ulawDecodeInto } from '../../src/media/codecs/g711-ulaw.js';
import { toneShare } from '../../src/media/dsp/goertzel.js';
import { decodeWav } from './tone.js';
import type { UdpPhone } from './udp-phone.js';

export class HeardAudio {
  private readonly frames: Int16Array[] = [];

  constructor(phone: UdpPhone) {
    phone.rtp.on('message', (b: Buffer) => {
      if (b.length <= 12 || b[0]! >> 6 !== 2 || (b[1]! & 0x7f) !== 0) return;
      const pcm = new Int16Array(b.length - 12);
      ulawDecodeInto(b.subarray(12), pcm);
      this.frames.push(pcm);
    });
  }

  /** Frames received so far (a mark for `samples(from)`). */
  get count(): number {
    return this.frames.length;
  }

  /** The samples of the frames from index `from` on, in arrival order. */
  samples(from = 0): Int16Array {
    const part = this.frames.slice(from);
    const out = new Int16Array(part.reduce((n, f) => n + f.length, 0));
    let o = 0;
    for (const f of part) {
      out.set(f, o);
      o += f.length;
    }
    return out;
  }
}

/** The highest share of `hz` over windows of `windowMs` (half-overlapping) of 8 kHz samples. */
export function bestToneShare(pcm: Int16Array, hz: number, windowMs = 400): number {
  const len = Math.round((8000 * windowMs) / 1000);
  let best = 0;
  for (let at = 0; at + len <= pcm.length; at += len >> 1) best = Math.max(best, toneShare(pcm, 8000, hz, at, len));
  return best;
}

/** A prompt of the built-in set as 8 kHz samples. */
export function promptSamples(root: string, id: string): Int16Array {
  const a = decodeWav(readFileSync(`${root}/media/prompts/en/${id}.wav`));
  if (a.sampleRate !== 8000 || a.channels !== 1) throw new Error(`${id}: expected 8 kHz mono, got ${a.sampleRate}/${a.channels}`);
  return a.samples;
}

/**
 * The best normalised cross-correlation (0..1) of `needle` with any stretch of `hay`:
 * about 1 when `hay` contains the needle as played through G.711, near 0 when not.
 * Offsets are tried every `step` samples, then refined around the best.
 */
export function containsAudio(hay: Int16Array, needle: Int16Array, step = 4): number {
  // Only the loud middle of the prompt: leading/trailing silence correlates with any silence.
  const n = needle.subarray(Math.floor(needle.length * 0.1), Math.floor(needle.length * 0.9));
  if (hay.length < n.length || n.length === 0) return 0;
  let nn = 0;
  for (const v of n) nn += v * v;
  const score = (off: number): number => {
    let dot = 0;
    let hh = 0;
    for (let i = 0; i < n.length; i++) {
      const h = hay[off + i]!;
      dot += h * n[i]!;
      hh += h * h;
    }
    return hh > 0 && nn > 0 ? dot / Math.sqrt(hh * nn) : 0;
  };
  let best = 0;
  let bestAt = 0;
  for (let off = 0; off + n.length <= hay.length; off += step) {
    const s = score(off);
    if (s > best) {
      best = s;
      bestAt = off;
    }
  }
  for (let off = Math.max(0, bestAt - step); off <= Math.min(hay.length - n.length, bestAt + step); off++) best = Math.max(best, score(off));
  return best;
}
