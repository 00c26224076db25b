/**
 * Is a recorded message only silence? A deposit is kept when at least `minVoicedMs` of it
 * (20 ms frames) is louder than `thresholdDbm0`; a line's own noise or comfort noise sits
 * well below -45 dBm0 and speech around -20 to -30 dBm0 (levels in dBm0, media/dsp/dbm0.ts).
 * Reads the WAV the recorder wrote (PCM 16-bit or G.711), one block at a time.
 */
import { powerToDbm0 } from '../../media/dsp/dbm0.js';
import { ALAW_DECODE } from '../../media/codecs/g711-alaw.js';
import { ULAW_DECODE } from '../../media/codecs/g711-ulaw.js';
import { WavReader } from '../../media/wav/wav-reader.js';

export interface LevelRule {
  thresholdDbm0: number;
  minVoicedMs: number;
}

export const DEFAULT_LEVEL_RULE: LevelRule = { thresholdDbm0: -45, minVoicedMs: 200 };

/** Milliseconds of 20 ms frames above the threshold (stops counting once `stopAtMs` is reached). */
export function voicedMs(path: string, rule: LevelRule = DEFAULT_LEVEL_RULE, stopAtMs = Infinity): number {
  const r = WavReader.open(path, { allowStereo: true });
  try {
    const { encoding, sampleRate, channels, blockAlign } = r.info;
    const frameSamples = Math.max(1, Math.round((sampleRate * 20) / 1000)) * channels;
    const buf = new Uint8Array(frameSamples * (blockAlign / channels));
    let voiced = 0;
    for (;;) {
      const n = r.read(buf);
      if (n === 0) break;
      let sum = 0;
      let count = 0;
      if (encoding === 'pcm16') {
        const view = new DataView(buf.buffer, buf.byteOffset, n);
        for (let i = 0; i + 1 < n; i += 2) {
          const s = view.getInt16(i, true);
          sum += s * s;
          count++;
        }
      } else {
        const table = encoding === 'mulaw' ? ULAW_DECODE : ALAW_DECODE;
        for (let i = 0; i < n; i++) {
          const s = table[buf[i]!]!;
          sum += s * s;
          count++;
        }
      }
      if (count > 0 && powerToDbm0(sum / count) > rule.thresholdDbm0) {
        voiced += (count / channels / sampleRate) * 1000;
        if (voiced >= stopAtMs) break;
      }
    }
    return voiced;
  } finally {
    r.close();
  }
}

/** True when the file holds no more than silence (or cannot be read as audio). */
export function isSilence(path: string, rule: LevelRule = DEFAULT_LEVEL_RULE): boolean {
  try {
    return voicedMs(path, rule, rule.minVoicedMs) < rule.minVoicedMs;
  } catch {
    return true;
  }
}
