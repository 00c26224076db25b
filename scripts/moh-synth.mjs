// The default music on hold, synthesised from nothing but sines (so it is the project's own
// work, MIT like the rest): a slow eight-chord progression in C major (5 s a chord, 40 s in
// all), soft pads with a detuned chorus, a bass voiced by its harmonics (telephones cut
// below 300 Hz, so the pitch is heard from the partials), and a sparse bell melody.
//
// Seamless loop: every note is added modulo the loop length, so the release of the last
// chord sounds over the first one exactly as any chord's release sounds over the next; the
// loop has no seam to hear. Band-limited: no partial reaches 3.3 kHz, so the 8 kHz file holds
// the whole piece and playing it at 16 or 48 kHz (upsampled by the player) loses nothing.

const CHORD_SECONDS = 5;
/** MIDI notes: bass first, then the pad. Cmaj7 Am7 Fmaj7 G Em7 Am7 Dm7 Gsus4, back to C. */
const CHORDS = [
  [48, 55, 64, 67, 71],
  [45, 57, 64, 67, 72],
  [41, 57, 64, 65, 69],
  [43, 55, 62, 67, 71],
  [40, 55, 62, 64, 67],
  [45, 57, 60, 64, 67],
  [38, 57, 60, 62, 65],
  [43, 55, 60, 62, 67],
];
/** Bell notes per chord: [beat (0-3, 1.25 s each), MIDI]; rests where a beat is missing. */
const MELODY = [
  [[0, 76], [1, 79], [2, 83]],
  [[0, 76], [2, 72]],
  [[0, 77], [1, 76], [2, 72]],
  [[0, 74], [2, 79]],
  [[0, 76], [1, 79], [3, 74]],
  [[0, 72], [2, 76]],
  [[0, 77], [1, 74], [2, 72]],
  [[0, 74], [2, 79], [3, 77]],
];
const MAX_PARTIAL_HZ = 3300;
const PEAK = 0.5; // -6 dBFS

const hz = (midi) => 440 * 2 ** ((midi - 69) / 12);

/** Raised-cosine attack, hold, raised-cosine release; 0 outside [0, a + h + r]. */
function padEnvelope(t, a, h, r) {
  if (t < 0) return 0;
  if (t < a) return 0.5 - 0.5 * Math.cos((Math.PI * t) / a);
  if (t < a + h) return 1;
  if (t < a + h + r) return 0.5 + 0.5 * Math.cos((Math.PI * (t - a - h)) / r);
  return 0;
}

/** Adds a note circularly: partials [ratio, amplitude], envelope env(t), over `seconds`. */
function addNote(buf, rate, startSample, seconds, f0, partials, env) {
  const n = Math.round(seconds * rate);
  const len = buf.length;
  for (const [ratio, amp] of partials) {
    const f = f0 * ratio;
    if (f >= MAX_PARTIAL_HZ) continue;
    const w = (2 * Math.PI * f) / rate;
    for (let i = 0; i < n; i++) buf[(startSample + i) % len] += amp * env(i / rate) * Math.sin(w * i);
  }
}

/** The loop as float samples in [-PEAK, PEAK]. */
export function synthesizeMoh(rate) {
  const chordSamples = CHORD_SECONDS * rate;
  const buf = new Float64Array(CHORDS.length * chordSamples);
  const padPartials = [[1, 1], [2, 0.22], [3, 0.06]];
  const bassPartials = [1, 2, 3, 4, 5, 6].map((k) => [k, 0.9 / k ** 1.3]);
  const bellPartials = [[1, 1], [2, 0.18], [3.01, 0.05]];
  const padEnv = (t) => padEnvelope(t, 1.6, 3.4, 2.6);
  const bellEnv = (t) => (t < 0.01 ? t / 0.01 : Math.exp(-(t - 0.01) / 0.7));
  CHORDS.forEach((notes, c) => {
    const start = c * chordSamples;
    const [bass, ...pad] = notes;
    addNote(buf, rate, start, 7.6, hz(bass), bassPartials, (t) => 0.35 * padEnv(t));
    for (const m of pad) {
      // Two voices 0.15 % apart: a slow, soft chorus.
      addNote(buf, rate, start, 7.6, hz(m) * 0.9985, padPartials, (t) => 0.12 * padEnv(t));
      addNote(buf, rate, start, 7.6, hz(m) * 1.0015, padPartials, (t) => 0.12 * padEnv(t));
    }
    for (const [beat, m] of MELODY[c]) {
      addNote(buf, rate, start + Math.round(beat * 1.25 * rate), 4, hz(m), bellPartials, (t) => 0.22 * bellEnv(t));
    }
  });
  let peak = 0;
  for (const v of buf) peak = Math.max(peak, Math.abs(v));
  const gain = PEAK / peak;
  for (let i = 0; i < buf.length; i++) buf[i] *= gain;
  return buf;
}

/** A canonical 44-byte-header WAV of 16-bit mono PCM from float samples in [-1, 1]. */
export function wavPcm16(samples, rate) {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32767))), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}
