/** Records one problem of a spec at a path such as `trunks[2].host`. */
export type Report = (path: string, message: string) => void;

// C0 controls and DEL: never part of a name, a credential or anything written into a header.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A non-empty string of at most `max` characters without control characters. */
export function isPlainText(v: unknown, max: number): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= max && !CONTROL.test(v);
}

export function isIntIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** Checks a list field; calls each(item, path) for every element of a list of at most `max`. */
export function eachOf<T>(bad: Report, path: string, v: readonly T[] | undefined, max: number, each: (x: T, at: string) => void): void {
  if (v === undefined) return;
  if (!Array.isArray(v)) return bad(path, 'must be a list');
  if (v.length > max) return bad(path, `at most ${max} entries`);
  v.forEach((x, i) => each(x, `${path}[${i}]`));
}
