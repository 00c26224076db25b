/** A typed forward target: '+4930…' or a long number is an outside number, else an extension. */
export function forwardTarget(s: string): Record<string, string> | undefined {
  const v = s.trim();
  if (v === '') return undefined;
  return v.startsWith('+') || v.length >= 7 ? { type: 'number', number: v } : { type: 'extension', ext: v };
}
