/**
 * Deterministic test signals at 8 kHz (seeded PRNG, so every run hears the same "speech"):
 * white and pink noise, speech-like vowels/consonants, music-like chords. Used by the DTMF
 * talk-off tests; levels are set in dBm0 (src/media/dsp/dbm0.ts).
 */
import { dbm0ToPower } from '../../src/media/dsp/dbm0.js';

/** mulberry32: a small, fast, seedable PRNG returning [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal deviate (Box-Muller). */
function gauss(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export function whiteNoise(samples: number, seed: number): Float64Array {
  const rand = prng(seed);
  const x = new Float64Array(samples);
  for (let i = 0; i < samples; i++) x[i] = gauss(rand);
  return x;
}

/** Pink (1/f) noise: Paul Kellet's refined filter on white noise. */
export function pinkNoise(samples: number, seed: number): Float64Array {
  const w = whiteNoise(samples, seed);
  const x = new Float64Array(samples);
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
  for (let i = 0; i < samples; i++) {
    const v = w[i];
    b0 = 0.99886 * b0 + v * 0.0555179;
    b1 = 0.99332 * b1 + v * 0.0750759;
    b2 = 0.969 * b2 + v * 0.153852;
    b3 = 0.8665 * b3 + v * 0.3104856;
    b4 = 0.55 * b4 + v * 0.5329522;
    b5 = -0.7616 * b5 - v * 0.016898;
    x[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + v * 0.5362;
    b6 = v * 0.115926;
  }
  return x;
}

/** A two-pole resonator (formant), unity gain at DC. */
class Resonator {
  private y1 = 0;
  private y2 = 0;
  private a1 = 0;
  private a2 = 0;
  private g = 1;
  set(freq: number, bandwidth: number, rate: number): void {
    const r = Math.exp((-Math.PI * bandwidth) / rate);
    this.a1 = 2 * r * Math.cos((2 * Math.PI * freq) / rate);
    this.a2 = -r * r;
    this.g = 1 - this.a1 - this.a2; // unity gain at DC (Klatt): a cascade then falls off above its formants
  }
  step(x: number): number {
    const y = this.g * x + this.a1 * this.y1 + this.a2 * this.y2;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

/** Vowel formants F1, F2, F3 (Hz), adult speakers (Peterson & Barney style averages). */
const VOWELS: ReadonlyArray<readonly [number, number, number]> = [
  [730, 1090, 2440], // a (father)
  [530, 1840, 2480], // e (bed)
  [270, 2290, 3010], // i (beet)
  [570, 840, 2410], // o (bought)
  [300, 870, 2240], // u (boot)
  [660, 1720, 2410], // ae (bat)
  [520, 1190, 2390], // uh (but)
  [390, 1990, 2550], // I (bit)
  [440, 1020, 2240], // U (book)
];

export interface SpeechOptions {
  /** Mean fundamental (Hz); each syllable wanders ±30 % around it. Default 150. */
  f0?: number;
  /** Syllable rate (Hz), default 4. */
  syllableRate?: number;
}

/**
 * Speech-like sound: syllables at 3-5 Hz, each a vowel (a glottal pulse train with gliding F0
 * and jitter, through three formant resonators gliding towards the next vowel) sometimes
 * preceded by a fricative burst (shaped noise), with a raised-cosine syllabic envelope and short
 * pauses between phrases.
 */
export function speechLike(samples: number, seed: number, options: SpeechOptions = {}): Float64Array {
  const rate = 8000;
  const rand = prng(seed);
  const out = new Float64Array(samples);
  const formants = [new Resonator(), new Resonator(), new Resonator()];
  const meanF0 = options.f0 ?? 150;
  const sylRate = options.syllableRate ?? 4;
  let i = 0;
  let vowel = VOWELS[Math.floor(rand() * VOWELS.length)];
  let glottalPhase = 0;
  let lp = 0;
  let lpNoise = 0;
  while (i < samples) {
    const sylLen = Math.round((rate / sylRate) * (0.7 + 0.6 * rand()));
    const next = VOWELS[Math.floor(rand() * VOWELS.length)];
    const f0a = meanF0 * (0.7 + 0.6 * rand());
    const f0b = f0a * (0.85 + 0.3 * rand());
    const fricative = rand() < 0.35 ? Math.round(sylLen * (0.15 + 0.2 * rand())) : 0;
    const fricCentre = 2500 + 1200 * rand();
    const pause = rand() < 0.15 ? Math.round(rate * (0.1 + 0.3 * rand())) : 0;
    const bw = [60 + 40 * rand(), 80 + 60 * rand(), 120 + 80 * rand()];
    const s0 = i;
    let fricEnergy = 0;
    let voicedEnergy = 0;
    for (let n = 0; n < sylLen && i < samples; n++, i++) {
      const t = n / sylLen;
      // Formants glide from this vowel to the next one over the syllable.
      if ((n & 31) === 0) {
        for (let k = 0; k < 3; k++) formants[k].set(vowel[k] + (next[k] - vowel[k]) * t * t, bw[k], rate);
      }
      const env = Math.sin(Math.PI * t) ** 1.5;
      let excitation: number;
      if (n < fricative) {
        // Fricative: noise, high-passed by a first difference, through the F3 resonator only.
        const v = gauss(rand);
        excitation = v - lpNoise;
        lpNoise = v;
        formants[2].set(fricCentre, 600, rate);
        out[i] = formants[2].step(excitation) * env;
        fricEnergy += out[i] * out[i];
        if (n + 1 === fricative) formants[2].set(vowel[2], bw[2], rate);
        continue;
      }
      const f0 = (f0a + (f0b - f0a) * t) * (1 + 0.01 * gauss(rand)); // jitter
      glottalPhase += f0 / rate;
      // Glottal pulse: a skewed pulse once per period (Rosenberg-like), plus aspiration noise.
      let pulse = 0;
      if (glottalPhase >= 1) glottalPhase -= 1;
      const p = glottalPhase;
      if (p < 0.4) pulse = 0.5 * (1 - Math.cos((Math.PI * p) / 0.4));
      else if (p < 0.56) pulse = Math.cos((Math.PI * (p - 0.4)) / 0.32);
      // Differentiated (lip radiation), scaled so one period's swing is about 1.
      excitation = (pulse - lp) * (rate / f0) * 0.5 + 0.01 * gauss(rand);
      lp = pulse;
      let y = excitation;
      for (let k = 0; k < 3; k++) y = formants[k].step(y);
      out[i] = y * env;
      voicedEnergy += out[i] * out[i];
    }
    // Fricatives sit about 15 dB under the vowels, as in running speech.
    const voicedRms = Math.sqrt(voicedEnergy / Math.max(1, sylLen - fricative));
    const fricRms = Math.sqrt(fricEnergy / Math.max(1, fricative));
    const g = fricRms > 0 ? (FRICATIVE_REL * voicedRms) / fricRms : 0;
    for (let k = s0; k < Math.min(samples, s0 + fricative); k++) out[k] *= g;
    vowel = next;
    i += pause; // silence (zeros) between phrases
  }
  return out;
}

/** Fricative RMS relative to the vowel's (-15 dB). */
const FRICATIVE_REL = 0.18;

/** Notes of the equal-tempered scale between MIDI 60 (C4) and 96 (C7). */
function midiHz(note: number): number {
  return 440 * Math.pow(2, (note - 69) / 12);
}

/**
 * Music-like sound: a sequence of chords (three or four notes of one major or minor triad plus
 * an octave or a seventh, C4-C7), each note with 2-8 harmonics of random strength falling as
 * 1/k, an attack and a decay; chords last 150-700 ms and sometimes overlap.
 */
export function musicLike(samples: number, seed: number): Float64Array {
  const rate = 8000;
  const rand = prng(seed);
  const out = new Float64Array(samples);
  let i = 0;
  while (i < samples) {
    const len = Math.round(rate * (0.15 + 0.55 * rand()));
    const root = 60 + Math.floor(rand() * 25);
    const minor = rand() < 0.5;
    const notes = [root, root + (minor ? 3 : 4), root + 7];
    if (rand() < 0.6) notes.push(root + (rand() < 0.5 ? 12 : minor ? 10 : 11));
    for (const note of notes) {
      const f = midiHz(note) * (1 + 0.002 * (rand() - 0.5));
      const harmonics = 2 + Math.floor(rand() * 7);
      const amps: number[] = [];
      for (let k = 1; k <= harmonics; k++) amps.push((0.5 + rand()) / k);
      const phases = amps.map(() => 2 * Math.PI * rand());
      const attack = Math.round(rate * (0.005 + 0.03 * rand()));
      const decay = 2 + 6 * rand();
      const end = Math.min(samples, i + Math.round(len * 1.2));
      for (let n = i; n < end; n++) {
        const t = (n - i) / rate;
        const env = Math.min(1, (n - i) / attack) * Math.exp(-decay * t);
        let v = 0;
        for (let k = 0; k < amps.length; k++) {
          const fk = f * (k + 1);
          if (fk < 3900) v += amps[k] * Math.sin(2 * Math.PI * fk * t + phases[k]);
        }
        out[n] += v * env;
      }
    }
    i += len;
  }
  return out;
}

/** Scales `x` so that its mean power over the non-silent samples is `dbm0`; returns Int16 (saturated). */
export function toInt16AtDbm0(x: Float64Array, dbm0: number): Int16Array {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== 0) {
      sum += x[i] * x[i];
      n++;
    }
  }
  const gain = n === 0 || sum === 0 ? 0 : Math.sqrt(dbm0ToPower(dbm0) / (sum / n));
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Math.round(x[i] * gain);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}
