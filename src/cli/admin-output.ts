/** Plain-text tables and key/value blocks for the admin commands' human output. */

export type Cell = string | number | boolean | null | undefined;

function text(c: Cell): string {
  if (c === null || c === undefined || c === '') return '-';
  return String(c).replace(/[\r\n\t]+/g, ' ');
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string[] {
  const cells = rows.map((r) => r.map(text));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)];
}

/** `key: value` lines, keys aligned. */
export function keyValues(pairs: ReadonlyArray<readonly [string, Cell]>): string[] {
  const w = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${(k + ':').padEnd(w + 1)} ${text(v)}`);
}

/** { calls: 10, extensions: 100 } → 'calls=10 extensions=100'; empty → '-'. */
export function inline(o: unknown): string {
  if (!o || typeof o !== 'object') return '-';
  const parts = Object.entries(o as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length > 0 ? parts.join(' ') : '-';
}

export function list(v: unknown): string {
  return Array.isArray(v) && v.length > 0 ? v.join(',') : '-';
}

/** Milliseconds → '1m05s' style. */
export function seconds(ms: unknown): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '-';
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
