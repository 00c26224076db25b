import { compileDialPattern, minLength } from '../util/dial-pattern.js';
import { DialPatternError } from '../util/dial-pattern-error.js';

/** A dial pattern as an operator writes it, checked: config, the tenant store and the API accept exactly what the router compiles. */
export interface DialPatternText {
  /** As written, with x/n/z in upper case. */
  pattern: string;
  /** The fewest characters a matching number has (a '+' counts; '.' counts one). */
  minLength: number;
}

/** Checks a pattern (grammar: src/util/dial-pattern.ts); returns it normalised with its shortest match, or the problem. */
export function parseDialPattern(text: string): DialPatternText | { problem: string } {
  try {
    const p = compileDialPattern(text.replace(/[xnz]/g, (c) => c.toUpperCase()));
    return { pattern: p.source, minLength: minLength(p) };
  } catch (e) {
    if (e instanceof DialPatternError) return { problem: `'${text}', character ${e.position}: ${e.problem}` };
    throw e;
  }
}

/** The canonical form of a dial pattern (X/N/Z upper-case), or undefined when it is not one. */
export function normalizeDialPattern(input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined;
  const p = parseDialPattern(input);
  return 'problem' in p ? undefined : p.pattern;
}
