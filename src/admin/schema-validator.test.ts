import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { coerceQuery, precompileSchemas, validateSchema } from './schema-validator.js';

const TENANT = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'domains'],
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
    name: { type: 'string', minLength: 1, maxLength: 5 },
    domains: { type: 'array', minItems: 1, maxItems: 2, uniqueItems: true, items: { type: 'string' } },
    limits: { type: 'object', additionalProperties: false, properties: { 'a/b': { type: 'integer', minimum: 0, maximum: 10 }, calls: { type: 'integer', minimum: 0 } } },
    note: { type: ['string', 'null'] },
    kind: { enum: ['x', 'y'] },
  },
};

test('a valid value has no problems', () => {
  assert.equal(validateSchema(TENANT, { id: 'acme', domains: ['a.example'], limits: { calls: 3 }, note: null, kind: 'x' }), []);
});

test('every problem is listed with its JSON pointer', () => {
  const p = validateSchema(TENANT, { id: 'Acme', name: '', domains: ['a', 'a', 'b'], limits: { calls: -1, 'a/b': 1.5, extra: 1 }, note: 3, kind: 'z', more: true });
  assert.equal(p, [
    { path: '/id', message: 'must match ^[a-z0-9][a-z0-9-]{0,62}$' },
    { path: '/name', message: 'must be at least 1 characters long' },
    { path: '/domains', message: 'must have at most 2 items' },
    { path: '/domains/1', message: 'is listed twice' },
    { path: '/limits/calls', message: 'must be >= 0' },
    { path: '/limits/a~1b', message: 'must be integer, got number' },
    { path: '/limits/extra', message: 'is not a known property' },
    { path: '/note', message: 'must be string or null, got integer' },
    { path: '/kind', message: 'must be one of "x", "y"' },
    { path: '/more', message: 'is not a known property' },
  ]);
});

test('required, type of the root, and lengths in code points', () => {
  assert.equal(validateSchema(TENANT, {}), [
    { path: '/id', message: 'is required' },
    { path: '/domains', message: 'is required' },
  ]);
  assert.equal(validateSchema(TENANT, []), [{ path: '', message: 'must be object, got array' }]);
  assert.equal(validateSchema({ type: 'string', maxLength: 2 }, '😀😀'), []);
  assert.equal(validateSchema({ type: 'integer' }, 1.0), []);
  assert.equal(validateSchema({ type: 'number' }, Infinity).length, 1);
});

test('additionalProperties as a schema, oneOf, const, format', () => {
  assert.equal(validateSchema({ type: 'object', additionalProperties: { type: 'boolean' } }, { a: true, b: 1 }), [{ path: '/b', message: 'must be boolean, got integer' }]);
  const one = { oneOf: [{ type: 'object', required: ['extension'], additionalProperties: false, properties: { extension: { type: 'string' } } }, { const: 'hangup' }] };
  assert.equal(validateSchema(one, { extension: '1001' }), []);
  assert.equal(validateSchema(one, 'hangup'), []);
  assert.ok(validateSchema(one, { extension: 5 }).some((p) => p.path === '/extension'));
  assert.equal(validateSchema({ type: 'string', format: 'date-time' }, '2024-01-02T03:04:05Z'), []);
  assert.equal(validateSchema({ type: 'string', format: 'date-time' }, 'yesterday'), [{ path: '', message: 'must be a valid date-time' }]);
});

test('the list is capped', () => {
  const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i]));
  assert.is(validateSchema({ type: 'object', additionalProperties: false }, many).length, 50);
});

test('query values are coerced by their schema type', () => {
  const q = { type: 'object', properties: { n: { type: 'integer' }, b: { type: 'boolean' }, s: { type: 'string' } } };
  assert.equal(coerceQuery(q, { n: '7', b: 'true', s: '7', x: '1' }), { n: 7, b: true, s: '7', x: '1' });
  assert.equal(coerceQuery(q, { n: 'seven' }), { n: 'seven' });
  assert.equal(validateSchema(q, coerceQuery(q, { n: '1.5' })), [{ path: '/n', message: 'must be integer, got number' }]);
});

test('x-problem gives a field its own message for length and pattern (the one the YAML gives), once', () => {
  const ext = { type: 'string', minLength: 1, maxLength: 4, pattern: '^[0-9]+$', 'x-problem': 'must be 1-4 digits' };
  assert.equal(validateSchema(ext, '12345'), [{ path: '', message: 'must be 1-4 digits' }]);
  assert.equal(validateSchema(ext, ''), [{ path: '', message: 'must be 1-4 digits' }]);
  assert.equal(validateSchema(ext, 'a'), [{ path: '', message: 'must be 1-4 digits' }]);
  assert.equal(validateSchema(ext, '12'), []);
  assert.equal(validateSchema(ext, 12), [{ path: '', message: 'must be string, got integer' }]);
});

test('problems come in the order of the value sent, a missing property before the present ones', () => {
  const s = { type: 'object', additionalProperties: false, required: ['a', 'z'], properties: { a: { type: 'integer' }, b: { type: 'integer' }, z: { type: 'integer' } } };
  assert.equal(validateSchema(s, { x: 1, b: 'two', a: 'one' }), [
    { path: '/z', message: 'is required' },
    { path: '/x', message: 'is not a known property' },
    { path: '/b', message: 'must be integer, got string' },
    { path: '/a', message: 'must be integer, got string' },
  ]);
});

test('a value of the wrong type gets that one problem, not also the enum or const it cannot match', () => {
  assert.equal(validateSchema({ type: 'string', enum: ['a', 'b'] }, 5), [{ path: '', message: 'must be string, got integer' }]);
  assert.equal(validateSchema({ type: 'integer', minimum: 60 }, 2.5), [{ path: '', message: 'must be integer, got number' }]);
  assert.equal(validateSchema({ type: 'object', properties: { d: { type: 'string', oneOf: [{ maxLength: 1 }, { pattern: '^a' }] } } }, { d: 7 }), [{ path: '/d', message: 'must be string, got integer' }]);
  assert.equal(validateSchema({ type: 'string', maxLength: 3, pattern: '^[a-z]+$' }, 'abcd1'), [{ path: '', message: 'must be at most 3 characters long' }]);
});

test('oneOf: the closest branch speaks when none matches; matching two is refused too', () => {
  const s = { oneOf: [{ type: 'integer', minimum: 0 }, { type: 'number', maximum: 10 }] };
  assert.equal(validateSchema(s, 5), [{ path: '', message: 'matches more than one of the allowed forms' }]);
  const three = { oneOf: [{ type: 'integer' }, { type: 'number' }, { type: 'string' }] };
  assert.equal(validateSchema(three, 5), [{ path: '', message: 'matches more than one of the allowed forms' }]);
  assert.equal(validateSchema(s, 2.5), []);
  assert.equal(validateSchema(s, -0.5), []);
  assert.equal(validateSchema(s, 'x'), [{ path: '', message: 'must be integer, got string' }]);
  const dest = { type: 'object', properties: { d: { oneOf: [{ type: 'object', required: ['room', 'pin'] }, { type: 'object', required: ['ext'], properties: { ext: { type: 'string' } } }] } } };
  assert.equal(validateSchema(dest, { d: { ext: 7 } }), [{ path: '/d/ext', message: 'must be string, got integer' }]);
  // A tie: the first branch speaks.
  assert.equal(validateSchema(dest, { d: 'x' }), [{ path: '/d', message: 'must be object, got string' }]);
});

test('uniqueItems names the first item equal to an earlier one', () => {
  const s = { type: 'array', uniqueItems: true };
  assert.equal(validateSchema(s, ['a', 'b', 'a', 'b', 'a']), [{ path: '/2', message: 'is listed twice' }]);
  assert.equal(validateSchema(s, ['x', 'x', 'x']), [{ path: '/1', message: 'is listed twice' }]);
  assert.equal(validateSchema(s, [1, '1', true, 'true']), []);
  assert.equal(validateSchema(s, [{ a: 1 }, { a: 1 }]), [{ path: '/1', message: 'is listed twice' }]);
});

test('stricter than the hand-written subset: maxProperties and minProperties are enforced', () => {
  const s = { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 2 };
  assert.equal(validateSchema(s, { a: 'x', b: 'y' }), []);
  assert.equal(validateSchema(s, { a: 'x', b: 'y', c: 'z' }), [{ path: '', message: 'must have at most 2 properties' }]);
  assert.equal(validateSchema({ type: 'object', minProperties: 1 }, {}), [{ path: '', message: 'must have at least 1 properties' }]);
});

test('a schema with a mistake or an unknown keyword fails at startup (precompile), not on a request', () => {
  assert.throws(() => precompileSchemas([{ type: 'object', propertys: { a: { type: 'string' } } }]), /unknown keyword/);
  assert.throws(() => precompileSchemas([{ type: 'string', pattern: '([a-z' }]), /pattern|regular expression|Invalid/i);
  precompileSchemas([undefined, { type: 'string', 'x-problem': 'annotation', description: 'd', examples: ['a'] }]);
});

test('a hostile body with tens of thousands of problems gets the first 50 in the order sent', () => {
  const s = { type: 'object', additionalProperties: false, required: ['ext'], properties: { ext: { type: 'string' }, opts: { type: 'object', additionalProperties: { oneOf: [{ type: 'string' }, { type: 'object' }] } } } };
  const many = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]));
  const p = validateSchema(s, { ...many, opts: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`o${i}`, i])) });
  assert.is(p.length, 50);
  assert.equal(p.slice(0, 3), [
    { path: '/ext', message: 'is required' },
    { path: '/k0', message: 'is not a known property' },
    { path: '/k1', message: 'is not a known property' },
  ]);
  assert.equal(p[49], { path: '/k48', message: 'is not a known property' });
  const opts = validateSchema(s, { ext: 'x', opts: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`o${i}`, i])) });
  assert.equal([opts.length, opts[0], opts[49]], [50, { path: '/opts/o0', message: 'must be string, got integer' }, { path: '/opts/o49', message: 'must be string, got integer' }]);
});

test('names from the wire are only data: __proto__ and constructor are plain keys', () => {
  const s = { type: 'object', additionalProperties: false, properties: { a: { type: 'integer' } } };
  assert.equal(validateSchema(s, JSON.parse('{"__proto__": {"a": "x"}, "constructor": 1}')), [
    { path: '/__proto__', message: 'is not a known property' },
    { path: '/constructor', message: 'is not a known property' },
  ]);
  assert.equal(coerceQuery(s, { constructor: '1', a: '2' }), { constructor: '1', a: 2 });
});

test.run();
