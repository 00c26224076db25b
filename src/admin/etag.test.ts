import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalJson, entityTag, ifMatchHolds, parseIfMatch } from './etag.js';

test('canonical JSON: key order does not matter, array order does, undefined members are left out', () => {
  assert.is(canonicalJson({ b: 1, a: { d: [2, 1], c: null } }), '{"a":{"c":null,"d":[2,1]},"b":1}');
  assert.is(canonicalJson({ a: 1, b: undefined }), canonicalJson({ a: 1 }));
  assert.is.not(canonicalJson([1, 2]), canonicalJson([2, 1]));
  assert.is(canonicalJson('x"y'), '"x\\"y"');
});

test('entity tag: strong, quoted, the same for equal data, bound to the path', () => {
  const t = entityTag('/tenants/acme/routing', { a: 1, b: [1] });
  assert.match(t, /^"[A-Za-z0-9_-]{32}"$/);
  assert.is(entityTag('/tenants/acme/routing', { b: [1], a: 1 }), t);
  assert.is.not(entityTag('/tenants/acme/routing', { a: 2, b: [1] }), t);
  assert.is.not(entityTag('/tenants/globex/routing', { a: 1, b: [1] }), t, 'another tenant with the same document has another tag');
});

test('If-Match parsing (RFC 9110 §13.1.1): *, lists, weak tags; malformed values are refused', () => {
  assert.equal(parseIfMatch('*'), { kind: 'any' });
  assert.equal(parseIfMatch(' "a" , W/"b",'), { kind: 'tags', tags: [{ weak: false, tag: '"a"' }, { weak: true, tag: '"b"' }] });
  assert.equal(parseIfMatch('""'), { kind: 'tags', tags: [{ weak: false, tag: '""' }] });
  for (const bad of ['a', '"a', 'a"', '"a"b', '"a b"', '*, "a"', '', ' , ', 'W/ "a"', '"a""b"', '"x\u0000"']) assert.is(parseIfMatch(bad), undefined, JSON.stringify(bad));
  assert.is(parseIfMatch(Array.from({ length: 40 }, (_, i) => `"t${i}"`).join(',')), undefined, 'too many tags');
});

test('If-Match evaluation: strong comparison; "*" needs a current representation', () => {
  const cur = '"abc"';
  assert.ok(ifMatchHolds(parseIfMatch('"abc"')!, cur));
  assert.ok(ifMatchHolds(parseIfMatch('"x", "abc"')!, cur));
  assert.not.ok(ifMatchHolds(parseIfMatch('W/"abc"')!, cur), 'a weak tag never matches (§8.8.3.2)');
  assert.not.ok(ifMatchHolds(parseIfMatch('"abd"')!, cur));
  assert.ok(ifMatchHolds(parseIfMatch('*')!, cur));
  assert.not.ok(ifMatchHolds(parseIfMatch('*')!, undefined));
  assert.not.ok(ifMatchHolds(parseIfMatch('"abc"')!, undefined));
});

test.run();
