/**
 * A dial pattern that cannot be compiled. Patterns come from configuration, so this is
 * thrown only when a pattern is compiled, never while a dialled number is matched.
 */
export class DialPatternError extends Error {
  constructor(
    /** The pattern as written. */
    readonly pattern: string,
    /** 1-based position of the offending character (the length + 1 when something is missing at the end). */
    readonly position: number,
    readonly problem: string,
  ) {
    super(`dial pattern '${pattern.length > 70 ? pattern.slice(0, 67) + '...' : pattern}': ${problem} at position ${position}`);
    this.name = 'DialPatternError';
  }
}
