/**
 * Dial patterns of outbound routes, in the familiar PBX style (OutboundRouteConfig.patterns):
 *
 *   0-9 * #   match themselves
 *   X         any digit 0-9;  N  2-9;  Z  1-9   (either case)
 *   [1-5]     one digit of a set of digits and ascending ranges: [135], [1-37-9]
 *   .         one or more further characters of the dial alphabet; only as the last character
 *   +         matches itself; only as the first character
 *
 * A pattern matches the whole dialled string, never a prefix of it. Matching is a single
 * pass over at most the pattern's length (no backtracking, no RegExp), so a hostile
 * dialled string costs nothing. There is no Asterisk '_' marker and no '!' (zero or more).
 */
import { DialPatternError } from './dial-pattern-error.js';

export const MAX_PATTERN_LENGTH = 64;

/** A compiled pattern: plain data. */
export interface DialPattern {
  /** As written. */
  readonly source: string;
  /**
   * One set per fixed position, as a bit mask over the dial alphabet: bits 0-9 the digits,
   * then '*', '#', '+' (see bitOf).
   */
  readonly masks: readonly number[];
  /** Ends in '.': one or more further characters of anything after the fixed positions. */
  readonly open: boolean;
}

const DIGITS = 0x3ff;
const STAR = 1 << 10;
const HASH = 1 << 11;
const PLUS = 1 << 12;
const CLASS_MASKS: ReadonlyMap<string, number> = new Map([
  ['X', DIGITS],
  ['N', DIGITS & ~0b11],
  ['Z', DIGITS & ~0b1],
  ['x', DIGITS],
  ['n', DIGITS & ~0b11],
  ['z', DIGITS & ~0b1],
]);

/** The alphabet bit of one character, 0 when it is not in the dial alphabet. */
export function bitOf(code: number): number {
  if (code >= 48 && code <= 57) return 1 << (code - 48);
  if (code === 42) return STAR;
  if (code === 35) return HASH;
  if (code === 43) return PLUS;
  return 0;
}

/** Compiles a pattern; throws DialPatternError naming the first problem and its position. */
export function compileDialPattern(pattern: string): DialPattern {
  if (typeof pattern !== 'string') throw new DialPatternError(String(pattern), 1, 'not text');
  const bad = (index: number, problem: string) => new DialPatternError(pattern, index + 1, problem);
  if (pattern.length === 0) throw bad(0, 'empty pattern');
  if (pattern.length > MAX_PATTERN_LENGTH) throw bad(MAX_PATTERN_LENGTH, `longer than ${MAX_PATTERN_LENGTH} characters`);
  const masks: number[] = [];
  let open = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if ((c >= '0' && c <= '9') || c === '*' || c === '#') {
      masks.push(bitOf(pattern.charCodeAt(i)));
    } else if (c === '+') {
      if (i !== 0) throw bad(i, "'+' allowed only at the start");
      masks.push(PLUS);
    } else if (CLASS_MASKS.has(c)) {
      masks.push(CLASS_MASKS.get(c)!);
    } else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) throw bad(i, "'[' without a closing ']'");
      masks.push(readSet(pattern, i + 1, close, bad));
      i = close;
    } else if (c === ']') {
      throw bad(i, "']' without an opening '['");
    } else if (c === '.') {
      if (i !== pattern.length - 1) throw bad(i, "'.' allowed only at the end");
      open = true;
    } else {
      throw bad(i, `'${c}' is not part of a dial pattern (digits, * #, X N Z, [1-5], a final '.', a leading '+')`);
    }
  }
  return { source: pattern, masks, open };
}

/** The inside of [..] from `from` to `to` (exclusive): digits and ascending ranges a-b. */
function readSet(pattern: string, from: number, to: number, bad: (index: number, problem: string) => DialPatternError): number {
  if (from === to) throw bad(from - 1, "empty set '[]'");
  let mask = 0;
  for (let i = from; i < to; ) {
    const a = pattern.charCodeAt(i);
    if (a < 48 || a > 57) throw bad(i, `'${pattern[i]}' in a set: only digits and ranges such as [1-5] or [135]`);
    if (pattern[i + 1] !== '-') {
      mask |= bitOf(a);
      i++;
      continue;
    }
    if (i + 2 >= to) throw bad(i + 1, "a range needs a last digit, as in [1-5]");
    const b = pattern.charCodeAt(i + 2);
    if (b < 48 || b > 57) throw bad(i + 2, `'${pattern[i + 2]}' in a range: only digits`);
    if (b < a) throw bad(i, `the range ${pattern.slice(i, i + 3)} runs backwards`);
    for (let d = a; d <= b; d++) mask |= bitOf(d);
    i += 3;
  }
  return mask;
}

/** Whether the dialled string as a whole matches. Anything that is not a string matches nothing. */
export function matchDialPattern(p: DialPattern, dialled: string): boolean {
  if (typeof dialled !== 'string') return false;
  const n = p.masks.length;
  if (p.open ? dialled.length <= n : dialled.length !== n) return false;
  for (let i = 0; i < n; i++) if ((bitOf(dialled.charCodeAt(i)) & p.masks[i]) === 0) return false;
  // '.' takes anything of the dial alphabet, never a character outside it.
  for (let i = n; i < dialled.length; i++) if (bitOf(dialled.charCodeAt(i)) === 0) return false;
  return true;
}

/** The fewest characters a matching string has. */
export function minLength(p: DialPattern): number {
  return p.masks.length + (p.open ? 1 : 0);
}

/** Every position matches one character only and nothing follows: an exact number. */
export function isLiteral(p: DialPattern): boolean {
  return !p.open && p.masks.every((m) => (m & (m - 1)) === 0);
}

// Position weights as Asterisk's ext_cmp_pattern_pos (main/pbx.c) has them: a set weighs
// (members << 8 | lowest character code), so a smaller set sorts first and a single
// character is the most specific; '.' weighs more than any set, and the end of a pattern more still.
const ANY_WEIGHT = 0x18000;
const END_WEIGHT = 0x30000;
const CHAR_ORDER = ['#', '*', '+', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']; // by character code

function members(mask: number): string {
  let s = '';
  for (const c of CHAR_ORDER) if (mask & bitOf(c.charCodeAt(0))) s += c;
  return s;
}

function weight(p: DialPattern, i: number): number {
  if (i < p.masks.length) {
    const m = members(p.masks[i]);
    return (m.length << 8) | m.charCodeAt(0);
  }
  return i === p.masks.length && p.open ? ANY_WEIGHT : END_WEIGHT;
}

/**
 * Most specific first, the order Asterisk sorts a context's patterns in: exact numbers
 * before patterns, then position by position the smaller set first (a literal before N
 * before X, and the longer literal prefix wins), '.' after any set, a pattern's end after
 * '.'. Sets of equal size and lowest member are ordered by their members, so the order is
 * total; 0 only for patterns that match the same strings. Routes are still tried in the
 * order the tenant wrote them: this is for display and for checks (e.g. a pattern hidden
 * behind a broader one).
 */
export function compareDialPatterns(a: DialPattern, b: DialPattern): number {
  const la = isLiteral(a);
  if (la !== isLiteral(b)) return la ? -1 : 1;
  const n = Math.max(a.masks.length, b.masks.length) + 1;
  for (let i = 0; i < n; i++) {
    const wa = weight(a, i);
    const wb = weight(b, i);
    if (wa !== wb) return wa - wb;
    if (i < a.masks.length && a.masks[i] !== b.masks[i]) return members(a.masks[i]) < members(b.masks[i]) ? -1 : 1;
  }
  return 0;
}
