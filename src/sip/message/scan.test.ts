import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isToken, parseDigits, parseParams, quote, serializeParams, skipQuoted, splitList, SyntaxError400, trimLws, unquote } from './scan.js';

test('splitList: commas inside quotes and <> do not split; a quote inside <> is a URI octet', () => {
  assert.equal(splitList('a, b ,c'), ['a', 'b', 'c']);
  assert.equal(splitList('"Smith, J" <sip:a@b>, <sip:c,d@e;x=1>'), ['"Smith, J" <sip:a@b>', '<sip:c,d@e;x=1>']);
  assert.equal(splitList('"a \\", b" <sip:x@y>, z'), ['"a \\", b" <sip:x@y>', 'z']);
  assert.equal(splitList('<sip:a"b@c>, <sip:d@e>'), ['<sip:a"b@c>', '<sip:d@e>']);
  assert.equal(splitList('single'), ['single']);
});

test('splitList: empty elements and open quotes are errors (RFC 4475 §3.1.2.1)', () => {
  for (const bad of ['a,,b', ',a', 'a,', ' , ', '"open, x']) assert.throws(() => splitList(bad), (e: unknown) => e instanceof SyntaxError400, bad);
});

test('skipQuoted: quoted-pair escapes any octet, NUL included', () => {
  assert.is(skipQuoted('"ab\\"c" rest', 0), 7);
  assert.is(skipQuoted('"\\\x00"', 0), 4);
  assert.throws(() => skipQuoted('"abc\\"', 0), /unterminated/);
});

test('quote and unquote are inverses', () => {
  for (const s of ['plain', 'with "quotes"', 'back\\slash', 'nul\x00', '']) assert.is(unquote(quote(s)), s);
  assert.is(unquote('"a\\b"'), 'ab');
  assert.is(unquote('token'), 'token');
});

test('parseParams: header params with LWS, quoted values, flags; names lowercased', () => {
  const p = parseParams(' ; Tag = 1a ;lr; q=0.5;x="a;b,c"', 0);
  assert.equal({ ...p }, { tag: '1a', lr: null, q: '0.5', x: 'a;b,c' });
  assert.equal({ ...parseParams('', 0) }, {});
});

test('parseParams: uri mode takes paramchar and refuses LWS and quotes', () => {
  assert.equal({ ...parseParams(';a=b/c&d$(e);f', 0, undefined, true) }, { a: 'b/c&d$(e)', f: null });
  assert.throws(() => parseParams('; a=b', 0, undefined, true));
  assert.throws(() => parseParams(';a="b"', 0, undefined, true));
  assert.throws(() => parseParams(';a=b/c', 0)); // '/' is not a token character
});

test('parseParams: repeated names with different values are ambiguous', () => {
  assert.throws(() => parseParams(';tag=a;TAG=b', 0), /repeated/);
  assert.equal({ ...parseParams(';tag=a;tag=a', 0) }, { tag: 'a' });
  assert.throws(() => parseParams(';lr;lr=1', 0), /repeated/);
});

test('parseParams: "__proto__" is an ordinary name', () => {
  const p = parseParams(';__proto__=x;constructor', 0);
  assert.is(p['__proto__'], 'x');
  assert.is(p['constructor'], null);
  assert.is(Object.getPrototypeOf(p), null);
});

test('serializeParams quotes what is not a token or host', () => {
  assert.is(serializeParams(parseParams(';a=b;c;d="x y";e=[::1]', 0)), ';a=b;c;d="x y";e=[::1]');
  assert.is(serializeParams({ e: '' }), ';e=""');
});

test('parseDigits: leading zeros, range, no signs or blanks', () => {
  assert.is(parseDigits('0068', 255), 68);
  assert.is(parseDigits('0', 0), 0);
  assert.is(parseDigits('00000000000000000007', 10), 7);
  assert.is(parseDigits('4294967295', 0xffffffff), 4294967295);
  for (const bad of ['', '-1', '+1', ' 1', '1 ', '1.0', '0x10', '4294967296', '99999999999']) assert.is(parseDigits(bad, 0xffffffff), undefined, bad);
});

test('trimLws trims SP and HTAB only', () => {
  assert.is(trimLws(' \t a b \t'), 'a b');
  assert.is(trimLws('\ufeffx\u00a0'), '\ufeffx\u00a0');
  assert.ok(isToken("a-b.c!%*_+`'~"));
  assert.not.ok(isToken('a b'));
  assert.not.ok(isToken(''));
});

test.run();
