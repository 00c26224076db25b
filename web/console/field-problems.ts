import type { FieldProblem } from './api.js';

/**
 * The API's problems (JSON pointers into the body it checked) as a form sees them. A form
 * that edits one element of a larger document (a ring group inside PUT .../routing, a
 * schedule inside PUT .../call-flows) re-roots the pointers under that element, so that
 * '/ringGroups/2/members/0' reads '/members/0' for the form of ring group 2. Pure.
 */

/** RFC 6901: '~1' is '/', '~0' is '~' (in that order). */
export function unescapeToken(t: string): string {
  return t.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** The reference token of a key, as a pointer writes it. */
export function escapeToken(k: string): string {
  return k.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The problems at or under `prefix` ('/ringGroups/2'), with that prefix taken off; the rest are dropped. */
export function problemsUnder(problems: readonly FieldProblem[], prefix: string): FieldProblem[] {
  if (prefix === '') return [...problems];
  const out: FieldProblem[] = [];
  for (const p of problems) {
    if (p.path === prefix) out.push({ path: '', message: p.message });
    else if (p.path.startsWith(`${prefix}/`)) out.push({ path: p.path.slice(prefix.length), message: p.message });
  }
  return out;
}

/**
 * The problems of a form that edits the element at `prefix` of a document: those under it
 * (re-rooted), then those elsewhere in the document, kept as they are so that the form can
 * list them (nothing the API said is lost). A problem at the element's own path reads ''.
 */
export function formProblems(problems: readonly FieldProblem[], prefix: string): FieldProblem[] {
  if (prefix === '') return [...problems];
  const mine = problemsUnder(problems, prefix);
  const rest = problems.filter((p) => p.path !== prefix && !p.path.startsWith(`${prefix}/`));
  return [...mine, ...rest];
}

/** The message at `field` (a pointer '/name' or '/outboundProxy/host') or under it. */
export function messageAt(problems: readonly FieldProblem[], field: string): string | undefined {
  return problems.find((p) => p.path === field || p.path.startsWith(`${field}/`))?.message;
}

/** Problems at none of the fields a form shows: listed above its buttons. */
export function unplaced(problems: readonly FieldProblem[], fields: readonly string[]): FieldProblem[] {
  return problems.filter((p) => !fields.some((f) => p.path === f || p.path.startsWith(`${f}/`)));
}

/** A comma or whitespace separated list as typed ('1001, 1002') → ['1001', '1002']. */
export function splitList(s: string): string[] {
  return s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/** A whole number as typed, or undefined for an empty field; anything else is sent as typed so the API names the problem. */
export function numberOrText(s: string): number | string | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  return /^-?\d{1,15}$/.test(t) ? Number(t) : t;
}
