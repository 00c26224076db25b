import type { JsonSchema } from './api-types.js';

/**
 * A validator for the JSON Schema subset of api-types.ts: type (one or a list, 'integer'
 * and 'null' included), properties, required, additionalProperties (false or a schema),
 * items, enum, const, minimum, maximum, minLength, maxLength (in code points), pattern,
 * minItems, maxItems, uniqueItems, format (date-time, email, uri checked; others
 * ignored), oneOf. description, title, examples, default and x-* are annotations, but
 * x-problem replaces the messages of minLength, maxLength and pattern.
 * Schemas are ours (never from the wire); patterns are compiled once and cached.
 */

export interface SchemaProblem {
  /** JSON pointer (RFC 6901) into the validated value; '' is the value itself. */
  path: string;
  message: string;
}

const MAX_PROBLEMS = 50;
const patternCache = new Map<string, RegExp>();

function regexFor(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'u');
    patternCache.set(pattern, re);
  }
  return re;
}

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

function matchesType(v: unknown, t: string): boolean {
  switch (t) {
    case 'null':
      return v === null;
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'array':
      return Array.isArray(v);
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    default:
      return false;
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const FORMATS: Record<string, (s: string) => boolean> = {
  'date-time': (s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(s) && !Number.isNaN(Date.parse(s)),
  email: (s) => /^[^\s@]+@[^\s@]+$/.test(s),
  uri: (s) => /^[a-z][a-z0-9+.-]*:/i.test(s),
};

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Validates a value; returns every problem found (at most 50), empty when valid. */
export function validateSchema(schema: JsonSchema, value: unknown): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  check(schema, value, '', out);
  return out;
}

function check(s: JsonSchema, v: unknown, path: string, out: SchemaProblem[]): void {
  if (out.length >= MAX_PROBLEMS) return;
  const bad = (message: string) => {
    if (out.length < MAX_PROBLEMS) out.push({ path, message });
  };

  if (s['type'] !== undefined) {
    const types = Array.isArray(s['type']) ? (s['type'] as string[]) : [s['type'] as string];
    if (!types.some((t) => matchesType(v, t))) {
      bad(`must be ${types.join(' or ')}, got ${typeOf(v)}`);
      return;
    }
  }
  if (s['const'] !== undefined && !deepEqual(v, s['const'])) bad(`must be ${short(s['const'])}`);
  if (Array.isArray(s['enum']) && !(s['enum'] as unknown[]).some((e) => deepEqual(e, v))) {
    bad(`must be one of ${(s['enum'] as unknown[]).map(short).join(', ')}`);
  }

  if (typeof v === 'number') {
    if (typeof s['minimum'] === 'number' && v < s['minimum']) bad(`must be >= ${s['minimum']}`);
    if (typeof s['maximum'] === 'number' && v > s['maximum']) bad(`must be <= ${s['maximum']}`);
  }

  if (typeof v === 'string') {
    const len = [...v].length;
    // x-problem: the field's own message (src/model/field-rules.ts), the same as the YAML's.
    const own = typeof s['x-problem'] === 'string' ? s['x-problem'] : undefined;
    const tooShort = typeof s['minLength'] === 'number' && len < s['minLength'];
    const tooLong = typeof s['maxLength'] === 'number' && len > s['maxLength'];
    const mismatch = typeof s['pattern'] === 'string' && !tooLong && !regexFor(s['pattern']).test(v);
    if (own !== undefined && (tooShort || tooLong || mismatch)) bad(own);
    else {
      if (tooShort) bad(`must be at least ${s['minLength']} characters long`);
      if (tooLong) bad(`must be at most ${s['maxLength']} characters long`);
      if (mismatch) bad(`must match ${s['pattern']}`);
    }
    const f = typeof s['format'] === 'string' ? FORMATS[s['format']] : undefined;
    if (f && !f(v)) bad(`must be a valid ${s['format'] as string}`);
  }

  if (Array.isArray(v)) {
    if (typeof s['minItems'] === 'number' && v.length < s['minItems']) bad(`must have at least ${s['minItems']} items`);
    if (typeof s['maxItems'] === 'number' && v.length > s['maxItems']) bad(`must have at most ${s['maxItems']} items`);
    if (s['uniqueItems'] === true) {
      for (let i = 1; i < v.length; i++) {
        if (v.slice(0, i).some((x) => deepEqual(x, v[i]))) {
          out.push({ path: `${path}/${i}`, message: 'is listed twice' });
          break;
        }
      }
    }
    const items = s['items'];
    if (items && typeof items === 'object' && !Array.isArray(items)) {
      v.forEach((x, i) => check(items as JsonSchema, x, `${path}/${i}`, out));
    }
  }

  if (matchesType(v, 'object')) {
    const obj = v as Record<string, unknown>;
    const props = (s['properties'] ?? {}) as Record<string, JsonSchema>;
    if (Array.isArray(s['required'])) {
      for (const r of s['required'] as string[]) {
        if (!Object.prototype.hasOwnProperty.call(obj, r) || obj[r] === undefined) {
          if (out.length < MAX_PROBLEMS) out.push({ path: `${path}/${pointerToken(r)}`, message: 'is required' });
        }
      }
    }
    for (const [k, x] of Object.entries(obj)) {
      const p = `${path}/${pointerToken(k)}`;
      if (Object.prototype.hasOwnProperty.call(props, k)) check(props[k]!, x, p, out);
      else if (s['additionalProperties'] === false) {
        if (out.length < MAX_PROBLEMS) out.push({ path: p, message: 'is not a known property' });
      } else if (s['additionalProperties'] && typeof s['additionalProperties'] === 'object') {
        check(s['additionalProperties'] as JsonSchema, x, p, out);
      }
    }
  }

  if (Array.isArray(s['oneOf'])) {
    const branches = s['oneOf'] as JsonSchema[];
    const results = branches.map((b) => validateSchema(b, v));
    const ok = results.filter((r) => r.length === 0).length;
    if (ok === 0) {
      // The branch that got furthest says the most useful thing.
      const best = results.reduce((a, b) => (b.length < a.length ? b : a), results[0] ?? []);
      if (best.length > 0) for (const p of best) if (out.length < MAX_PROBLEMS) out.push({ path: path + p.path, message: p.message });
      else bad('must match one of the allowed forms');
    } else if (ok > 1) bad('matches more than one of the allowed forms');
  }
}

/**
 * Query strings carry text: turns each value whose schema says integer, number or
 * boolean into that type when it reads as one (else leaves the text, and validation
 * then reports the type).
 */
export function coerceQuery(schema: JsonSchema | undefined, query: Record<string, string>): Record<string, unknown> {
  const props = (schema?.['properties'] ?? {}) as Record<string, JsonSchema>;
  const out: Record<string, unknown> = {};
  for (const [k, raw] of Object.entries(query)) {
    const p = props[k];
    const types = p ? (Array.isArray(p['type']) ? (p['type'] as string[]) : [p['type'] as string]) : [];
    if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(raw)) out[k] = Number(raw);
    else if (types.includes('boolean') && (raw === 'true' || raw === 'false')) out[k] = raw === 'true';
    else out[k] = raw;
  }
  return out;
}
