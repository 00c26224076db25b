import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { JsonSchema } from './api-types.js';
import { problemsOf, type SchemaProblem } from './schema-problems.js';

export type { SchemaProblem } from './schema-problems.js';

/**
 * JSON Schema (draft 2020-12) validation of the API's query strings and bodies by ajv, fed
 * by the same schemas that generate the OpenAPI document. Every schema is compiled once
 * (ajv generates a function for it) and the function is kept by the schema object, so a
 * request only runs code that was made at startup (precompile) or at its route's first use.
 * ajv's errors are turned into the API's problems ({ path, message }) by schema-problems.ts.
 * Schemas are ours, never from the wire.
 */

/** Annotations our schemas carry besides the standard ones (x-problem: see schema-problems.ts). */
const ANNOTATIONS = ['x-problem', 'x-roles'];

// ajv-formats is CommonJS with `exports.default`; under NodeNext its default import is the module.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

function newAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    // Every problem, as the API lists them all (capped in schema-problems.ts); bodies are
    // capped at api-server.ts BODY_LIMIT_BYTES, which bounds the work.
    allErrors: true,
    // The value and the schema of each error, to word the message and find x-problem.
    verbose: true,
    // A schema with an unknown keyword or a mistake is refused at compile time (startup).
    strict: true,
    // ...but a required property need not be described, and ['string', 'null'] is a type.
    strictRequired: false,
    allowUnionTypes: true,
    // Patterns use the u flag and lengths count code points, as JSON Schema says.
    unicodeRegExp: true,
  });
  addFormats(ajv);
  ajv.addVocabulary(ANNOTATIONS);
  return ajv;
}

const ajv = newAjv();
/** The compiled function of each schema object (schemas are built once, at startup). */
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

function compiledFor(schema: JsonSchema): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

/** Compiles the schemas now (at startup), so no request pays for it; throws on a bad schema. */
export function precompileSchemas(schemas: Iterable<JsonSchema | undefined>): void {
  for (const s of schemas) if (s) compiledFor(s);
}

/** Validates a value; returns every problem found (at most 50), empty when valid. */
export function validateSchema(schema: JsonSchema, value: unknown): SchemaProblem[] {
  const fn = compiledFor(schema);
  if (fn(value)) return [];
  return problemsOf((fn.errors ?? []) as ErrorObject[], value);
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
    const p = Object.prototype.hasOwnProperty.call(props, k) ? props[k] : undefined;
    const types = p ? (Array.isArray(p['type']) ? (p['type'] as string[]) : [p['type'] as string]) : [];
    if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(raw)) out[k] = Number(raw);
    else if (types.includes('boolean') && (raw === 'true' || raw === 'false')) out[k] = raw === 'true';
    else out[k] = raw;
  }
  return out;
}
