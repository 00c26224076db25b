/**
 * CSV as RFC 4180 writes it: fields separated by commas, records by CRLF, a field with a
 * comma, a quote, CR or LF inside double quotes with its quotes doubled. A text field that
 * a spreadsheet would take for a formula (it starts with = + - @, or a tab or CR) gets a
 * leading apostrophe first (OWASP "CSV injection"): a caller can put anything in a From.
 */
export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  let s = v;
  if (FORMULA_START.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(cells: readonly CsvValue[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}
