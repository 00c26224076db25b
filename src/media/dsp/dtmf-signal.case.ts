/**
 * Test helpers for the DTMF detector: builds tone/pause sequences and runs the detector over a
 * signal in frames (not a test itself; excluded from the build as a *.case.ts file).
 */
import { DtmfDetector, type DtmfDetectorOptions, type DtmfToneEvent, type DtmfToneStart } from './dtmf-detector.js';
import { dbm0ToAmplitude } from './dbm0.js';
import { dtmfFrequencies, writeDtmf } from './dtmf-tones.js';

export interface Segment {
  /** A key, or undefined for a pause. */
  digit?: string;
  ms: number;
  /** Level of each tone (default -20 dBm0); rowDb/columnDb override per tone. */
  dbm0?: number;
  rowDbm0?: number;
  columnDbm0?: number;
  rowFactor?: number;
  columnFactor?: number;
}

/**
 * The samples of a sequence, as floats (add noise before rounding). Tone phases follow the
 * global time, so a tone interrupted by a pause and resumed continues its phase as a generator
 * that kept running would.
 */
export function sequence(segments: Segment[]): Float64Array {
  const total = segments.reduce((n, s) => n + Math.round(s.ms * 8), 0);
  const out = new Float64Array(total);
  let at = 0;
  for (const s of segments) {
    const n = Math.round(s.ms * 8);
    if (s.digit !== undefined) {
      const f = dtmfFrequencies(s.digit)!;
      const rf = f.row * (s.rowFactor ?? 1);
      const cf = f.column * (s.columnFactor ?? 1);
      writeDtmf(out.subarray(at, at + n), s.digit, {
        sampleRate: 8000,
        rowAmplitude: dbm0ToAmplitude(s.rowDbm0 ?? s.dbm0 ?? -20),
        columnAmplitude: dbm0ToAmplitude(s.columnDbm0 ?? s.dbm0 ?? -20),
        rowFactor: s.rowFactor,
        columnFactor: s.columnFactor,
        rowPhase: ((2 * Math.PI * rf * at) / 8000) % (2 * Math.PI),
        columnPhase: ((2 * Math.PI * cf * at) / 8000) % (2 * Math.PI),
      });
    }
    at += n;
  }
  return out;
}

/** Rounds and saturates to 16 bits, optionally adding `noise` (same length) first. */
export function toInt16(x: Float64Array, noise?: ArrayLike<number>): Int16Array {
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Math.round(x[i] + (noise ? noise[i] : 0));
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

export interface Detection {
  starts: DtmfToneStart[];
  events: DtmfToneEvent[];
  digits: string;
}

/** Runs a fresh detector over `pcm` in frames of the given sizes (cycled), then flushes. */
export function detect(pcm: Int16Array, frameSizes: number[] = [160], options?: DtmfDetectorOptions): Detection {
  const starts: DtmfToneStart[] = [];
  const events: DtmfToneEvent[] = [];
  const det = new DtmfDetector({ onStart: (e) => starts.push(e), onEnd: (e) => events.push(e) }, options);
  let at = 0;
  for (let k = 0; at < pcm.length; k++) {
    const n = frameSizes[k % frameSizes.length];
    det.process(pcm.subarray(at, Math.min(pcm.length, at + n)));
    at += n;
  }
  det.flush();
  return { starts, events, digits: events.map((e) => e.digit).join('') };
}
