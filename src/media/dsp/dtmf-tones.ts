/**
 * The DTMF keypad (ITU-T Q.23): each key is one low-group ("row") and one high-group ("column")
 * frequency sent together. Used by the in-band detector and to generate in-band digits.
 */
import { addSine, writeSine } from './tone.js';

/** Low group, Hz (Q.23). */
export const DTMF_ROWS: readonly number[] = [697, 770, 852, 941];
/** High group, Hz (Q.23). */
export const DTMF_COLUMNS: readonly number[] = [1209, 1336, 1477, 1633];

const KEYPAD = ['123A', '456B', '789C', '*0#D'];

export type DtmfDigit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';

/** All sixteen keys, in keypad order. */
export const DTMF_DIGITS: readonly DtmfDigit[] = KEYPAD.join('').split('') as DtmfDigit[];

/** The key at row `row` (0-3) and column `col` (0-3). */
export function dtmfDigitAt(row: number, col: number): DtmfDigit {
  return KEYPAD[row][col] as DtmfDigit;
}

/** Row and column frequencies of a key (A-D case-insensitive), or undefined for anything else. */
export function dtmfFrequencies(digit: string): { row: number; column: number } | undefined {
  if (digit.length !== 1) return undefined;
  const d = digit.toUpperCase();
  for (let r = 0; r < 4; r++) {
    const c = KEYPAD[r].indexOf(d);
    if (c >= 0) return { row: DTMF_ROWS[r], column: DTMF_COLUMNS[c] };
  }
  return undefined;
}

export interface DtmfToneSpec {
  sampleRate: number;
  /** Peak amplitude of the low-group tone (16-bit units). */
  rowAmplitude: number;
  /** Peak amplitude of the high-group tone. */
  columnAmplitude: number;
  /** Frequency factor applied to both tones (1 = nominal; 1.015 = +1.5 %). */
  rowFactor?: number;
  columnFactor?: number;
  /** Starting phases (radians); the returned phases continue the tone in the next frame. */
  rowPhase?: number;
  columnPhase?: number;
}

/**
 * Writes the dual tone of `digit` into `out` (Int16Array output saturates, as a G.711 channel
 * would) and returns the phases to continue with.
 */
export function writeDtmf(out: Int16Array | Float64Array, digit: string, spec: DtmfToneSpec): { rowPhase: number; columnPhase: number } {
  const f = dtmfFrequencies(digit);
  if (!f) throw new RangeError(`not a DTMF digit: ${JSON.stringify(digit)}`);
  if (out instanceof Int16Array) {
    // Sum in floating point first so that only the final sum saturates.
    const tmp = new Float64Array(out.length);
    const phases = writeDtmf(tmp, digit, spec);
    for (let i = 0; i < out.length; i++) {
      const v = Math.round(tmp[i]);
      out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    return phases;
  }
  const rowPhase = writeSine(out, { sampleRate: spec.sampleRate, frequency: f.row * (spec.rowFactor ?? 1), amplitude: spec.rowAmplitude, phase: spec.rowPhase });
  const columnPhase = addSine(out, { sampleRate: spec.sampleRate, frequency: f.column * (spec.columnFactor ?? 1), amplitude: spec.columnAmplitude, phase: spec.columnPhase });
  return { rowPhase, columnPhase };
}
