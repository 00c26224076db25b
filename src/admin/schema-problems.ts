import type { ErrorObject } from 'ajv';
import { compareKeys, DataOrder, type SortKey } from './data-order.js';

/**
 * ajv's errors (allErrors, verbose) in the words the API has always answered with: one
 * problem per broken rule, a JSON pointer (RFC 6901) to the value it is about, and a short
 * message ('is required', 'must be >= 0', the field's own x-problem text, ...). Clients and
 * the console show these at the field, so their wording is part of the API.
 */

export interface SchemaProblem {
  /** JSON pointer (RFC 6901) into the validated value; '' is the value itself. */
  path: string;
  message: string;
}

export const MAX_PROBLEMS = 50;

/** RFC 6901 escaping of one reference token. */
export function pointerToken(key: string | number): string {
  const k = String(key);
  return k.includes('~') || k.includes('/') ? k.replace(/~/g, '~0').replace(/\//g, '~1') : k;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

type Schema = Record<string, unknown>;

/**
 * One ajv error that will be a problem, unless MAX_PROBLEMS others come before it: its
 * message is worded only then (a hostile body can make tens of thousands of errors).
 */
interface Found {
  error: ErrorObject;
  /** A problem said for a oneOf as a whole, instead of the error's own. */
  problem: SchemaProblem | undefined;
  /** The ajv schemaPath it counts under (a oneOf's, once regrouped). */
  schemaPath: string;
  /** Where it sorts (data-order.ts): at this pointer, or at its child property `child`... */
  sortAt: string;
  child: string | undefined;
  /** ...or after the value's parts (a oneOf's verdict, as the hand-written validator had it). */
  afterParts: boolean;
}

const LENGTH_KEYWORDS = new Set(['minLength', 'maxLength', 'pattern']);
/** How far apart the errors of one string under one schema can be (its keywords: lengths, pattern, format, enum, const). */
const NEIGHBOURS = 6;

/** x-problem: the field's own message (src/model/field-rules.ts), the same as the YAML's. */
function own(parent: Schema): string | undefined {
  return typeof parent['x-problem'] === 'string' ? parent['x-problem'] : undefined;
}

/**
 * Whether the length or pattern error `errors[i]` is said: with x-problem, once for
 * whichever of length and pattern is broken; without, the pattern of a value that is too
 * long is not news. ajv checks a string's keywords one after the other, so the errors of
 * the same value and schema are neighbours: a few either side are looked at, never all.
 */
function saysLength(errors: readonly ErrorObject[], i: number): boolean {
  const e = errors[i]!;
  const same: ErrorObject[] = [];
  for (let j = Math.max(0, i - NEIGHBOURS); j <= Math.min(errors.length - 1, i + NEIGHBOURS); j++) {
    const o = errors[j]!;
    if (LENGTH_KEYWORDS.has(o.keyword) && o.parentSchema === e.parentSchema && o.instancePath === e.instancePath) same.push(o);
  }
  if (own((e.parentSchema ?? {}) as Schema) !== undefined) return same[0] === e;
  return e.keyword !== 'pattern' || !same.some((o) => o.keyword === 'maxLength');
}

/** The problem of one kept error. */
function problemOf(f: Found): SchemaProblem {
  const e = f.error;
  return { path: pathOf(e), message: fixedMessage(e) ?? messageOf(e) };
}

function messageOf(e: ErrorObject): string {
  const p = e.params as Record<string, any>;
  const parent = (e.parentSchema ?? {}) as Schema;
  switch (e.keyword) {
    case 'type': {
      const t = parent['type'];
      const types = Array.isArray(t) ? (t as string[]) : [String(t)];
      return `must be ${types.join(' or ')}, got ${typeOf(e.data)}`;
    }
    case 'const':
      return `must be ${short(p['allowedValue'])}`;
    case 'enum':
      return `must be one of ${(p['allowedValues'] as unknown[]).map(short).join(', ')}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${p['comparison']} ${p['limit']}`;
    case 'minLength':
      return own(parent) ?? `must be at least ${p['limit']} characters long`;
    case 'maxLength':
      return own(parent) ?? `must be at most ${p['limit']} characters long`;
    case 'pattern':
      return own(parent) ?? `must match ${p['pattern']}`;
    case 'format':
      return `must be a valid ${p['format']}`;
    case 'minItems':
      return `must have at least ${p['limit']} items`;
    case 'maxItems':
      return `must have at most ${p['limit']} items`;
    case 'minProperties':
      return `must have at least ${p['limit']} properties`;
    case 'maxProperties':
      return `must have at most ${p['limit']} properties`;
    default:
      return e.message ?? `breaks ${e.keyword}`;
  }
}

/** The pointer a problem is about: a property's own for required/additionalProperties/uniqueItems. */
function pathOf(e: ErrorObject): string {
  const p = e.params as Record<string, any>;
  if (e.keyword === 'required') return `${e.instancePath}/${pointerToken(p['missingProperty'])}`;
  if (e.keyword === 'additionalProperties') return `${e.instancePath}/${pointerToken(p['additionalProperty'])}`;
  if (e.keyword === 'uniqueItems') return `${e.instancePath}/${firstRepeat(e.data, Math.max(Number(p['i']), Number(p['j'])))}`;
  return e.instancePath;
}

/**
 * The first item equal to an earlier one (the one the API has always named). ajv names a
 * pair of equal items, not always that one: for a list of scalars it is found here in one
 * pass; for a list with objects or arrays in it ajv's later item of the pair is taken.
 */
function firstRepeat(list: unknown, ajvs: number): number {
  if (!Array.isArray(list) || list.some((x) => x !== null && typeof x === 'object')) return ajvs;
  const seen = new Set<unknown>();
  for (let i = 0; i < list.length; i++) {
    if (seen.has(list[i])) return i;
    seen.add(list[i]);
  }
  return ajvs;
}

function fixedMessage(e: ErrorObject): string | undefined {
  if (e.keyword === 'required') return 'is required';
  if (e.keyword === 'additionalProperties') return 'is not a known property';
  if (e.keyword === 'uniqueItems') return 'is listed twice';
  return undefined;
}

/**
 * oneOf: when no branch matches, the branch that got furthest (fewest problems) says the
 * most useful thing, so only its problems are kept; when several match, one problem says
 * so. ajv reports a oneOf's branch errors right before the oneOf error, so they are the
 * tail of `found`.
 */
function regroupOneOf(found: Found[], e: ErrorObject): void {
  const prefix = `${e.schemaPath}/`;
  let start = found.length;
  while (start > 0 && found[start - 1]!.schemaPath.startsWith(prefix)) start--;
  // The branches' problems are found[start..]; in place, without new arrays (there can be 100k oneOfs).
  let bestFrom = start;
  let bestTo = start;
  if (!Array.isArray((e.params as { passingSchemas?: unknown }).passingSchemas)) {
    // The branch of each is the schemaPath's next segment ('.../oneOf/1/...'); they come branch by branch.
    let from = start;
    for (let i = start; i <= found.length; i++) {
      const k = i < found.length ? branchOf(found[i]!.schemaPath, prefix.length) : undefined;
      if (i > from && (k === undefined || k !== branchOf(found[from]!.schemaPath, prefix.length))) {
        if (bestTo === bestFrom || i - from < bestTo - bestFrom) [bestFrom, bestTo] = [from, i];
        from = i;
      }
    }
  }
  const best = found.slice(bestFrom, bestTo);
  found.length = start;
  if (best.length === 0) {
    // Several passed (what the others found does not matter), or none said why.
    const passed = Array.isArray((e.params as { passingSchemas?: unknown }).passingSchemas);
    const message = passed ? 'matches more than one of the allowed forms' : 'must match one of the allowed forms';
    best.push({ error: e, problem: { path: e.instancePath, message }, schemaPath: '', sortAt: '', child: undefined, afterParts: true });
  }
  // Each keeps its own error (and so its path and message); it sorts at the oneOf's place, after the value's parts.
  for (const f of best) {
    f.schemaPath = e.schemaPath;
    f.sortAt = e.instancePath;
    f.child = undefined;
    f.afterParts = true;
    found.push(f);
  }
}

function branchOf(schemaPath: string, from: number): string {
  const end = schemaPath.indexOf('/', from);
  return end < 0 ? schemaPath.slice(from) : schemaPath.slice(from, end);
}

/**
 * ajv's errors about `value` as the API's problems, at most MAX_PROBLEMS, in the order of
 * the value (data-order.ts), not of the schema's keywords as ajv checks them. Linear in
 * the number of errors (the first MAX_PROBLEMS are kept by insertion, not by sorting all).
 */
export function problemsOf(errors: readonly ErrorObject[], value: unknown): SchemaProblem[] {
  const found: Found[] = [];
  // A value of the wrong type gets that one problem: ajv goes on with the schema's other
  // keywords (enum, const, minimum for 2.5 against integer, oneOf, ...), which would only
  // repeat it. They come right after the type error, with schemaPaths under the same
  // schema's and the same instancePath, until ajv is done with that schema there.
  let wrongType: { under: string; at: string } | undefined;
  for (let i = 0; i < errors.length; i++) {
    const e = errors[i]!;
    if (wrongType && e.instancePath === wrongType.at && e.schemaPath.startsWith(wrongType.under)) continue;
    wrongType = e.keyword === 'type' ? { under: e.schemaPath.slice(0, e.schemaPath.length - 'type'.length), at: e.instancePath } : undefined;
    if (e.keyword === 'oneOf') {
      regroupOneOf(found, e);
      continue;
    }
    if (LENGTH_KEYWORDS.has(e.keyword) && !saysLength(errors, i)) continue;
    const p = e.params as Record<string, unknown>;
    const child = e.keyword === 'required' ? p['missingProperty'] : e.keyword === 'additionalProperties' ? p['additionalProperty'] : undefined;
    // A repeated item is the list's own problem (said before its items' own).
    found.push({ error: e, problem: undefined, schemaPath: e.schemaPath, sortAt: e.instancePath, child: child === undefined ? undefined : String(child), afterParts: false });
  }
  return firstInOrder(found, new DataOrder(value));
}

/** The first MAX_PROBLEMS of `found` in data order (ties: as found), without sorting them all. */
function firstInOrder(found: readonly Found[], order: DataOrder): SchemaProblem[] {
  const kept: Array<{ key: SortKey; f: Found }> = [];
  for (const f of found) {
    const key = order.keyOf(f.sortAt, f.child, f.afterParts);
    if (kept.length === MAX_PROBLEMS && compareKeys(key, kept[MAX_PROBLEMS - 1]!.key) >= 0) continue;
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(kept[mid]!.key, key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    kept.splice(lo, 0, { key, f });
    if (kept.length > MAX_PROBLEMS) kept.pop();
  }
  return kept.map(({ f }) => f.problem ?? problemOf(f));
}
