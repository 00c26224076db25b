import type { ErrorObject } from 'ajv';
import { compareOrder, dataOrder } from './data-order.js';

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
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
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

/** One mapped problem and the ajv error it came from (oneOf regroups by schemaPath). */
interface Found {
  problem: SchemaProblem;
  schemaPath: string;
  /** Where the problem sorts (data-order.ts); a oneOf's chosen branch sorts at the oneOf. */
  order: readonly number[];
}

const LENGTH_KEYWORDS = new Set(['minLength', 'maxLength', 'pattern']);

/** The message of one error, or undefined when another error of the same value says it. */
function messageOf(e: ErrorObject, siblings: readonly ErrorObject[]): string | undefined {
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
    case 'maxLength':
    case 'pattern': {
      // x-problem: the field's own message (src/model/field-rules.ts), the same as the
      // YAML's, said once for whichever of length and pattern is broken.
      const same = siblings.filter((s) => LENGTH_KEYWORDS.has(s.keyword) && s.parentSchema === e.parentSchema && s.instancePath === e.instancePath);
      if (typeof parent['x-problem'] === 'string') return same[0] === e ? parent['x-problem'] : undefined;
      if (e.keyword === 'minLength') return `must be at least ${p['limit']} characters long`;
      if (e.keyword === 'maxLength') return `must be at most ${p['limit']} characters long`;
      // Too long already says it: the pattern of a value that is too long is not news.
      return same.some((s) => s.keyword === 'maxLength') ? undefined : `must match ${p['pattern']}`;
    }
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
  // ajv names the two equal items; the later one is the item listed twice.
  if (e.keyword === 'uniqueItems') return `${e.instancePath}/${Math.max(Number(p['i']), Number(p['j']))}`;
  return e.instancePath;
}

function fixedMessage(e: ErrorObject): string | undefined {
  if (e.keyword === 'required') return 'is required';
  if (e.keyword === 'additionalProperties') return 'is not a known property';
  if (e.keyword === 'uniqueItems') return 'is listed twice';
  return undefined;
}

/**
 * A value of the wrong type gets that one problem: ajv also checks keywords that are not
 * bound to a type (enum, const) on it, whose messages would only repeat it.
 */
function wrongTyped(errors: readonly ErrorObject[]): (e: ErrorObject) => boolean {
  const typed = errors.filter((e) => e.keyword === 'type');
  return (e) => e.keyword !== 'type' && typed.some((t) => t.parentSchema === e.parentSchema && t.instancePath === e.instancePath);
}

/**
 * oneOf: when no branch matches, the branch that got furthest (fewest problems) says the
 * most useful thing, so only its problems are kept; when several match, one problem says so.
 */
function regroupOneOf(found: Found[], e: ErrorObject, order: (pointer: string) => number[]): Found[] {
  const prefix = `${e.schemaPath}/`;
  const inside = found.filter((f) => f.schemaPath.startsWith(prefix));
  const rest = found.filter((f) => !f.schemaPath.startsWith(prefix));
  const passing = (e.params as { passingSchemas?: unknown }).passingSchemas;
  const at = [...order(e.instancePath), Infinity];
  if (Array.isArray(passing)) return [...rest, ...inside, { problem: { path: e.instancePath, message: 'matches more than one of the allowed forms' }, schemaPath: e.schemaPath, order: at }];
  const branches = new Map<string, Found[]>();
  for (const f of inside) {
    const k = f.schemaPath.slice(prefix.length).split('/')[0]!;
    branches.set(k, [...(branches.get(k) ?? []), f]);
  }
  let best: Found[] | undefined;
  for (const b of branches.values()) if (!best || b.length < best.length) best = b;
  if (!best || best.length === 0) return [...rest, { problem: { path: e.instancePath, message: 'must match one of the allowed forms' }, schemaPath: e.schemaPath, order: at }];
  return [...rest, ...best.map((f) => ({ problem: f.problem, schemaPath: e.schemaPath, order: at }))];
}

/**
 * ajv's errors about `value` as the API's problems, at most MAX_PROBLEMS, in the order of
 * the value (data-order.ts), not of the schema's keywords as ajv checks them.
 */
export function problemsOf(errors: readonly ErrorObject[], value: unknown): SchemaProblem[] {
  const repeatsType = wrongTyped(errors);
  const order = dataOrder(value);
  let found: Found[] = [];
  for (const e of errors) {
    if (e.keyword === 'oneOf') {
      found = regroupOneOf(found, e, order);
      continue;
    }
    if (repeatsType(e)) continue;
    const message = fixedMessage(e) ?? messageOf(e, errors);
    if (message === undefined) continue;
    const path = pathOf(e);
    // A repeated item is the list's own problem (said before its items' own).
    found.push({ problem: { path, message }, schemaPath: e.schemaPath, order: order(e.keyword === 'uniqueItems' ? e.instancePath : path) });
  }
  return found
    .map((f, i) => ({ f, i }))
    .sort((a, b) => compareOrder(a.f.order, b.f.order) || a.i - b.i)
    .slice(0, MAX_PROBLEMS)
    .map(({ f }) => f.problem);
}
