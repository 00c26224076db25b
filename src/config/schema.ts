/**
 * A small declarative schema for YAML config files. A schema decodes YAML nodes (not
 * plain JS values) so that every problem can be placed at `line:col`; it reports each
 * problem to the Issues of the context and goes on, so one run lists them all.
 *
 *   const timers = object({
 *     t1: int({ min: 1 }).default(500),
 *     t2: int({ min: 1 }).default(4000),
 *   }).check((t, where) => { if (t.t2 < t.t1) where.at('t2').report('must not be less than t1'); });
 *
 * Defaults are written as they would be in the file (`.default('20000-29999')`) and are
 * decoded by the same schema. A map whose keys all have defaults may itself be left out.
 * A key written with no value (`key:` or `key: null`) counts as left out.
 *
 * `${NAME}` is replaced by an environment variable only inside a value wrapped in
 * `fromEnv(...)`: the keys where an operator keeps secrets (and deployment addresses)
 * out of the file. Everywhere else, above all in names and other text a tenant can
 * write through the API, `${...}` is plain text (security issue 16, finding 1).
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { didYouMean } from './did-you-mean.js';
import { substituteEnv, type Env } from './env-subst.js';
import type { Issues } from './issues.js';

/** Returned by decode when the value was wrong; the problem has been reported already. */
export const INVALID: unique symbol = Symbol('invalid');
export type Invalid = typeof INVALID;

/** Returned by a transform (`Schema.to`) to say the value is wrong, and why. */
export class Reject {
  constructor(readonly problem: string) {}
}
export function reject(problem: string): Reject {
  return new Reject(problem);
}

/** A default value, written as in YAML. */
export type RawValue = string | number | boolean | readonly RawValue[] | { readonly [key: string]: RawValue };

export interface DecodeContext {
  /** The config file's name, as given. */
  readonly file: string;
  readonly issues: Issues;
  readonly env: Env;
  readonly doc: Document;
  /** Directory of the config file; relative paths in it are resolved against this. */
  readonly baseDir: string;
  /** Alias references still allowed to be followed (a bound against alias bombs). */
  aliasBudget: number;
  /** True while decoding a value wrapped in fromEnv(): `${NAME}` is substituted there only. */
  expandEnv: boolean;
}

/** A YAML problem that stops decoding (a bad alias): reported at `node`. */
export class FatalYamlProblem extends Error {
  constructor(
    readonly node: Node | null,
    readonly problem: string,
  ) {
    super(problem);
  }
}

export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** Reports `path: problem` at the node and returns INVALID. */
export function fail(ctx: DecodeContext, node: Node | null, path: string, problem: string): Invalid {
  ctx.issues.at(node, path ? `${path}: ${problem}` : problem);
  return INVALID;
}

/** Follows aliases to the node they name. */
export function deref(ctx: DecodeContext, node: unknown): Node | null {
  let n = node;
  while (isAlias(n)) {
    if (--ctx.aliasBudget < 0) throw new FatalYamlProblem(n, 'too many alias references');
    const target: unknown = n.resolve(ctx.doc);
    if (target === undefined) throw new FatalYamlProblem(n, `unknown alias '*${n.source}'`);
    n = target;
  }
  return (n as Node | null | undefined) ?? null;
}

export function isEmptyValue(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair | undefined;
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'string') return `'${v.length > 40 ? v.slice(0, 40) + '...' : v}'`;
  return String(v);
}

function describe(node: Node | null): string {
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a map';
  if (isScalar(node)) return describeValue(node.value);
  return 'nothing';
}

/** Gives a copy of a made-up node (a default) the position of `at`, so problems land there. */
function placeAt(node: unknown, at: Node | null): void {
  if (!at?.range || node === null || typeof node !== 'object') return;
  (node as Node).range = [at.range[0], at.range[0], at.range[0]];
  if (isMap(node)) for (const p of node.items) (placeAt(p.key, at), placeAt(p.value, at));
  if (isSeq(node)) for (const item of node.items) placeAt(item, at);
}

/** A place in the document, for checks that involve several keys. */
export class Where {
  constructor(
    private readonly ctx: DecodeContext,
    /** The node, or the nearest enclosing one when the key was left out. */
    readonly node: Node | null,
    readonly path: string,
  ) {}

  /** The value of a key (in a map) or an item (in a list); this place when it is absent. */
  at(key: string | number): Where {
    const n = this.node;
    let child: Node | null = null;
    if (typeof key === 'number' && isSeq(n)) child = deref(this.ctx, n.items[key]);
    if (typeof key === 'string' && isMap(n)) child = deref(this.ctx, findPair(n, key)?.value);
    return new Where(this.ctx, child?.range ? child : n, childPath(this.path, key));
  }

  /** The key itself, for problems about the key rather than its value. */
  key(key: string): Where {
    const pair = isMap(this.node) ? findPair(this.node, key) : undefined;
    const keyNode = pair?.key as Node | undefined;
    return new Where(this.ctx, keyNode?.range ? keyNode : this.node, childPath(this.path, key));
  }

  report(problem: string): void {
    fail(this.ctx, this.node, this.path, problem);
  }

  get line(): number {
    return this.ctx.issues.lineOf(this.node);
  }
}

export abstract class Schema<T> {
  /** True when the key may be left out (the schema is optional or has a default). */
  get hasDefault(): boolean {
    return false;
  }

  /** Decodes a value that is present. */
  abstract decode(node: Node, ctx: DecodeContext, path: string): T | Invalid;

  /**
   * The value when the key is left out, or written with no value; `at` is the key, or
   * the map that lacks it. Without a default that is a problem.
   */
  decodeMissing(ctx: DecodeContext, at: Node | null, path: string, keyPresent: boolean): T | Invalid {
    return fail(ctx, at, path, keyPresent ? 'needs a value' : 'required key is missing');
  }

  /** The key may be left out; the value is then absent. */
  optional(): Schema<T | undefined> {
    return new DefaultSchema<T | undefined>(this, undefined);
  }

  /** The key may be left out; `raw` (written as in YAML) is then decoded in its place. */
  default(raw: RawValue): Schema<T> {
    return new DefaultSchema<T>(this, raw);
  }

  /** Transforms the decoded value; return reject('...') to report a problem at the node. */
  to<U>(fn: (value: T, ctx: DecodeContext) => U | Reject): Schema<U> {
    return new MappedSchema<T, U>(this, fn);
  }

  /** Checks a decoded value; report problems through `where` (which can reach sub-keys). */
  check(fn: (value: T, where: Where) => void): Schema<T> {
    return new CheckedSchema<T>(this, fn);
  }
}

class DefaultSchema<T> extends Schema<T> {
  constructor(
    private readonly inner: Schema<unknown>,
    private readonly raw: RawValue | undefined,
  ) {
    super();
  }
  override get hasDefault(): boolean {
    return true;
  }
  decode(node: Node, ctx: DecodeContext, path: string): T | Invalid {
    return this.inner.decode(node, ctx, path) as T | Invalid;
  }
  override decodeMissing(ctx: DecodeContext, at: Node | null, path: string): T | Invalid {
    if (this.raw === undefined) return undefined as T;
    const node = ctx.doc.createNode(this.raw) as Node;
    placeAt(node, at);
    return this.inner.decode(node, ctx, path) as T | Invalid;
  }
}

class MappedSchema<T, U> extends Schema<U> {
  constructor(
    private readonly inner: Schema<T>,
    private readonly fn: (value: T, ctx: DecodeContext) => U | Reject,
  ) {
    super();
  }
  override get hasDefault(): boolean {
    return this.inner.hasDefault;
  }
  private apply(v: T | Invalid, ctx: DecodeContext, node: Node | null, path: string): U | Invalid {
    if (v === INVALID) return INVALID;
    const out = this.fn(v, ctx);
    return out instanceof Reject ? fail(ctx, node, path, out.problem) : out;
  }
  decode(node: Node, ctx: DecodeContext, path: string): U | Invalid {
    return this.apply(this.inner.decode(node, ctx, path), ctx, node, path);
  }
  override decodeMissing(ctx: DecodeContext, at: Node | null, path: string, keyPresent: boolean): U | Invalid {
    return this.apply(this.inner.decodeMissing(ctx, at, path, keyPresent), ctx, at, path);
  }
}

class CheckedSchema<T> extends Schema<T> {
  constructor(
    private readonly inner: Schema<T>,
    private readonly fn: (value: T, where: Where) => void,
  ) {
    super();
  }
  override get hasDefault(): boolean {
    return this.inner.hasDefault;
  }
  private apply(v: T | Invalid, ctx: DecodeContext, node: Node | null, path: string): T | Invalid {
    if (v !== INVALID) this.fn(v, new Where(ctx, node, path));
    return v;
  }
  decode(node: Node, ctx: DecodeContext, path: string): T | Invalid {
    return this.apply(this.inner.decode(node, ctx, path), ctx, node, path);
  }
  override decodeMissing(ctx: DecodeContext, at: Node | null, path: string, keyPresent: boolean): T | Invalid {
    return this.apply(this.inner.decodeMissing(ctx, at, path, keyPresent), ctx, at, path);
  }
}

/** Decodes `inner` with `${NAME}` substitution on, for every scalar under it. */
class EnvSchema<T> extends Schema<T> {
  constructor(private readonly inner: Schema<T>) {
    super();
  }
  override get hasDefault(): boolean {
    return this.inner.hasDefault;
  }
  private within<R>(ctx: DecodeContext, fn: () => R): R {
    const before = ctx.expandEnv;
    ctx.expandEnv = true;
    try {
      return fn();
    } finally {
      ctx.expandEnv = before;
    }
  }
  decode(node: Node, ctx: DecodeContext, path: string): T | Invalid {
    return this.within(ctx, () => this.inner.decode(node, ctx, path));
  }
  override decodeMissing(ctx: DecodeContext, at: Node | null, path: string, keyPresent: boolean): T | Invalid {
    return this.within(ctx, () => this.inner.decodeMissing(ctx, at, path, keyPresent));
  }
}

// ---- scalars ----

/** The value of a scalar, with `${NAME}` substituted in strings under fromEnv(). */
function readScalar(node: Node, ctx: DecodeContext, path: string, expected: string): { value: unknown; fromEnv: boolean } | Invalid {
  if (!isScalar(node)) return fail(ctx, node, path, `expected ${expected}, got ${describe(node)}`);
  if (typeof node.value !== 'string' || !ctx.expandEnv) return { value: node.value, fromEnv: false };
  const sub = substituteEnv(node.value, ctx.env);
  if (!sub.ok) return fail(ctx, node, path, sub.problem);
  return { value: sub.value, fromEnv: sub.substituted };
}

class StringSchema extends Schema<string> {
  constructor(private readonly opts: { minLength?: number; maxLength?: number; numbers?: boolean }) {
    super();
  }
  decode(node: Node, ctx: DecodeContext, path: string): string | Invalid {
    const r = readScalar(node, ctx, path, 'a string');
    if (r === INVALID) return INVALID;
    let value = r.value;
    // A plain number keeps its source text, so `ext: 0100` stays "0100".
    if (this.opts.numbers && typeof value === 'number') value = (node as Scalar).source ?? String(value);
    if (typeof value !== 'string') {
      return fail(ctx, node, path, `expected a string, got ${describeValue(value)} (put it in quotes)`);
    }
    const { minLength, maxLength } = this.opts;
    if (minLength !== undefined && value.length < minLength) {
      return fail(ctx, node, path, minLength === 1 ? 'must not be empty' : `must be at least ${minLength} characters long`);
    }
    if (maxLength !== undefined && value.length > maxLength) {
      return fail(ctx, node, path, `must be at most ${maxLength} characters long`);
    }
    return value;
  }
}

class IntSchema extends Schema<number> {
  constructor(private readonly opts: { min?: number; max?: number }) {
    super();
  }
  decode(node: Node, ctx: DecodeContext, path: string): number | Invalid {
    const r = readScalar(node, ctx, path, 'an integer');
    if (r === INVALID) return INVALID;
    let value = r.value;
    // Environment variables are strings; `port: ${SIP_PORT}` still means a number.
    if (r.fromEnv && typeof value === 'string' && /^[+-]?[0-9]+$/.test(value)) value = Number(value);
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      return fail(ctx, node, path, `expected an integer, got ${describeValue(value)}`);
    }
    const { min, max } = this.opts;
    if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
      const range =
        min !== undefined && max !== undefined ? `between ${min} and ${max}` : min !== undefined ? `at least ${min}` : `at most ${max}`;
      return fail(ctx, node, path, `must be ${range}, got ${value}`);
    }
    return value;
  }
}

class BoolSchema extends Schema<boolean> {
  decode(node: Node, ctx: DecodeContext, path: string): boolean | Invalid {
    const r = readScalar(node, ctx, path, 'true or false');
    if (r === INVALID) return INVALID;
    if (typeof r.value === 'boolean') return r.value;
    if (r.fromEnv && (r.value === 'true' || r.value === 'false')) return r.value === 'true';
    return fail(ctx, node, path, `expected true or false, got ${describeValue(r.value)}`);
  }
}

class EnumSchema<V extends string> extends Schema<V> {
  constructor(private readonly values: readonly V[]) {
    super();
  }
  decode(node: Node, ctx: DecodeContext, path: string): V | Invalid {
    const r = readScalar(node, ctx, path, `one of ${this.values.join(', ')}`);
    if (r === INVALID) return INVALID;
    if (typeof r.value === 'string' && (this.values as readonly string[]).includes(r.value)) return r.value as V;
    const hint = typeof r.value === 'string' ? didYouMean(r.value, this.values) : undefined;
    return fail(ctx, node, path, `expected one of ${this.values.join(', ')}, got ${describeValue(r.value)}${hint ? ` (did you mean '${hint}'?)` : ''}`);
  }
}

// ---- collections ----

export interface ListOptions<T> {
  min?: number;
  max?: number;
  /** Items must differ by `key`; a repeat is reported at the item (or its field `at`). */
  unique?: { key: (item: T) => string; what: string; at?: string };
}

class ListSchema<T> extends Schema<T[]> {
  constructor(
    private readonly item: Schema<T>,
    private readonly opts: ListOptions<T>,
  ) {
    super();
  }
  decode(node: Node, ctx: DecodeContext, path: string): T[] | Invalid {
    if (!isSeq(node)) return fail(ctx, node, path, `expected a list, got ${describe(node)}`);
    const { min, max, unique } = this.opts;
    const n = node.items.length;
    if (min !== undefined && n < min) return fail(ctx, node, path, min === 1 ? 'must not be empty' : `must list at least ${min} entries`);
    if (max !== undefined && n > max) return fail(ctx, node, path, `lists ${n} entries; at most ${max} are allowed`);
    const out: T[] = [];
    const firsts = new Map<string, Where>();
    let ok = true;
    node.items.forEach((raw, i) => {
      const p = childPath(path, i);
      const itemNode = deref(ctx, raw);
      if (itemNode === null || isEmptyValue(itemNode)) {
        ok = false;
        fail(ctx, itemNode ?? node, p, 'empty list entry');
        return;
      }
      const v = this.item.decode(itemNode, ctx, p);
      if (v === INVALID) {
        ok = false;
        return;
      }
      out.push(v);
      if (!unique) return;
      const k = unique.key(v);
      const here = unique.at ? new Where(ctx, itemNode, p).at(unique.at) : new Where(ctx, itemNode, p);
      const first = firsts.get(k);
      // A repeat is reported but leaves the list usable, so checks above it still run.
      if (first) here.report(`duplicate ${unique.what} '${k}' (first at line ${first.line})`);
      else firsts.set(k, here);
    });
    return ok ? out : INVALID;
  }
}

type Fields = Record<string, Schema<any>>;
type Out<S> = S extends Schema<infer T> ? T : never;
type RequiredKeys<F extends Fields> = { [K in keyof F]: undefined extends Out<F[K]> ? never : K }[keyof F];
type Flat<T> = { [K in keyof T]: T[K] } & {};
/** The decoded shape of an object schema: keys that may be absent are optional. */
export type ObjectOf<F extends Fields> = Flat<
  { [K in RequiredKeys<F>]: Out<F[K]> } & { [K in Exclude<keyof F, RequiredKeys<F>>]?: Exclude<Out<F[K]>, undefined> }
>;

class ObjectSchema<F extends Fields> extends Schema<ObjectOf<F>> {
  private readonly known: string[];
  constructor(private readonly fields: F) {
    super();
    this.known = Object.keys(fields);
  }
  override get hasDefault(): boolean {
    return Object.values(this.fields).every((f) => f.hasDefault);
  }
  override decodeMissing(ctx: DecodeContext, at: Node | null, path: string, keyPresent: boolean): ObjectOf<F> | Invalid {
    if (!this.hasDefault) return super.decodeMissing(ctx, at, path, keyPresent);
    const empty = ctx.doc.createNode({}) as Node;
    placeAt(empty, at);
    return this.decode(empty, ctx, path);
  }
  decode(node: Node, ctx: DecodeContext, path: string): ObjectOf<F> | Invalid {
    if (!isMap(node)) return fail(ctx, node, path, `expected a map of keys, got ${describe(node)}`);
    const given = new Map<string, Pair>();
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
        fail(ctx, keyNode ?? node, path, `keys must be names, got ${describe(keyNode)}`);
        continue;
      }
      const key = keyNode.value;
      if (Object.hasOwn(this.fields, key)) {
        given.set(key, pair as Pair);
        continue;
      }
      const hint = didYouMean(key, this.known);
      fail(ctx, keyNode, childPath(path, key), hint ? `unknown key (did you mean '${hint}'?)` : `unknown key (known keys: ${this.known.join(', ')})`);
    }
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const [key, schema] of Object.entries(this.fields)) {
      const pair = given.get(key);
      const valueNode = pair ? deref(ctx, pair.value) : null;
      const p = childPath(path, key);
      const v =
        valueNode === null || isEmptyValue(valueNode)
          ? schema.decodeMissing(ctx, pair ? (pair.key as Node) : node, p, pair !== undefined)
          : schema.decode(valueNode, ctx, p);
      if (v === INVALID) ok = false;
      else if (v !== undefined) out[key] = v;
    }
    return ok ? (out as ObjectOf<F>) : INVALID;
  }
}

// ---- builders ----

/**
 * `${NAME}` and `${NAME:-fallback}` are replaced by environment variables in this value
 * (`$${` writes a literal `${`). Only for keys an operator writes: document each one.
 */
export function fromEnv<T>(inner: Schema<T>): Schema<T> {
  return new EnvSchema(inner);
}

export function str(opts: { minLength?: number; maxLength?: number } = {}): Schema<string> {
  return new StringSchema(opts);
}

/** A string that may also be written as a plain YAML number (kept as written). */
export function strOrNumber(opts: { minLength?: number; maxLength?: number } = {}): Schema<string> {
  return new StringSchema({ ...opts, numbers: true });
}

export function int(opts: { min?: number; max?: number } = {}): Schema<number> {
  return new IntSchema(opts);
}

export function bool(): Schema<boolean> {
  return new BoolSchema();
}

export function oneOf<const V extends string>(values: readonly V[]): Schema<V> {
  return new EnumSchema(values);
}

export function list<T>(item: Schema<T>, opts: ListOptions<T> = {}): Schema<T[]> {
  return new ListSchema(item, opts);
}

export function object<F extends Fields>(fields: F): Schema<ObjectOf<F>> {
  return new ObjectSchema(fields);
}
