/**
 * Recognises a feature code (e.g. `*1`) in the DTMF digits one party presses during a
 * call. Pure: the caller passes each digit with the time it was heard. The digits of a
 * code must follow each other within `maxGapMs`; a code starts only with its first symbol
 * (`*` or `#`), so ordinary digits typed into an IVR or a far-end menu never match by
 * accident unless they contain the code itself. After a match the buffer is cleared, so
 * `*1*1` is two matches, and `**1` is one (the second `*` starts over).
 */
export const DEFAULT_RECORD_TOGGLE_CODE = '*1';
export const FEATURE_CODE_MAX_GAP_MS = 3000;

export class FeatureCodeMatcher {
  private typed = '';
  private lastAt = -Infinity;

  constructor(
    readonly code: string,
    private readonly maxGapMs = FEATURE_CODE_MAX_GAP_MS,
  ) {}

  /** One digit heard at `atMs`; true when it completes the code. */
  push(digit: string, atMs: number): boolean {
    if (atMs - this.lastAt > this.maxGapMs) this.typed = '';
    this.lastAt = atMs;
    let next = this.typed + digit;
    // Keep the longest tail of what was typed that is still a beginning of the code.
    while (next.length > 0 && !this.code.startsWith(next)) next = next.slice(1);
    if (next === this.code) {
      this.typed = '';
      return true;
    }
    this.typed = next;
    return false;
  }
}
