/**
 * Sine tone generation for tests, prompts (beeps) and later DTMF generation. Streaming: the
 * returned phase continues the tone in the next frame without a click.
 */

/** Peak amplitude of a sine whose level is `dbfs` relative to a full-scale 16-bit sine (0 dBFS = 32767). */
export function dbfsToAmplitude(dbfs: number): number {
  return 32767 * Math.pow(10, dbfs / 20);
}

export interface ToneSpec {
  sampleRate: number;
  frequency: number;
  /** Peak amplitude in 16-bit units. */
  amplitude: number;
  /** Starting phase in radians (default 0). */
  phase?: number;
}

/**
 * Writes a sine into `out` (Int16Array samples are rounded and saturated; float arrays get the
 * exact value) and returns the phase, wrapped to [0, 2π), at which the next frame continues.
 */
export function writeSine(out: Int16Array | Float32Array | Float64Array, spec: ToneSpec): number {
  const step = (2 * Math.PI * spec.frequency) / spec.sampleRate;
  const phase0 = spec.phase ?? 0;
  const a = spec.amplitude;
  if (out instanceof Int16Array) {
    for (let i = 0; i < out.length; i++) {
      const v = Math.round(a * Math.sin(phase0 + step * i));
      out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
  } else {
    for (let i = 0; i < out.length; i++) out[i] = a * Math.sin(phase0 + step * i);
  }
  const next = (phase0 + step * out.length) % (2 * Math.PI);
  return next < 0 ? next + 2 * Math.PI : next;
}

/** Adds a sine into `out` (Int16Array saturated), for mixtures of tones; returns the next phase. */
export function addSine(out: Int16Array | Float32Array | Float64Array, spec: ToneSpec): number {
  const step = (2 * Math.PI * spec.frequency) / spec.sampleRate;
  const phase0 = spec.phase ?? 0;
  const a = spec.amplitude;
  for (let i = 0; i < out.length; i++) {
    const v = out[i] + a * Math.sin(phase0 + step * i);
    out[i] = out instanceof Int16Array ? Math.max(-32768, Math.min(32767, Math.round(v))) : v;
  }
  const next = (phase0 + step * out.length) % (2 * Math.PI);
  return next < 0 ? next + 2 * Math.PI : next;
}

/** `frames` 20 ms frames of a sine at `sampleRate`, phase continuous across frames (−12 dBFS by default). */
export function sineFrames(frequency: number, sampleRate: number, frames: number, amplitude = dbfsToAmplitude(-12)): Int16Array[] {
  const out: Int16Array[] = [];
  let phase = 0;
  for (let i = 0; i < frames; i++) {
    const f = new Int16Array(sampleRate / 50);
    phase = writeSine(f, { sampleRate, frequency, amplitude, phase });
    out.push(f);
  }
  return out;
}

/** Frames joined into one buffer. */
export function concatPcm(frames: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
  let o = 0;
  for (const f of frames) {
    out.set(f, o);
    o += f.length;
  }
  return out;
}
