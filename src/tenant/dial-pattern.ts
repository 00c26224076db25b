import { compileDialPattern } from '../util/dial-pattern.js';

/**
 * The canonical form of a dial pattern (X/N/Z upper-case), or undefined when it is not
 * one; the grammar is src/util/dial-pattern.ts, the one the router compiles.
 */
export function normalizeDialPattern(input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined;
  const p = input.replace(/[xnz]/g, (c) => c.toUpperCase());
  try {
    compileDialPattern(p);
    return p;
  } catch {
    return undefined;
  }
}
