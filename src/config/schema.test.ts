import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, ConfigErrors } from '../util/errors.js';
import { decodeYaml } from './decode-yaml.js';
import { didYouMean } from './did-you-mean.js';
import { bool, fromEnv, int, list, object, oneOf, reject, str, strOrNumber, type Schema } from './schema.js';

function decode<T>(schema: Schema<T>, text: string, env: Record<string, string> = {}): T {
  return decodeYaml(schema, { text, file: 'f.yaml', env });
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.instance(err, ConfigErrors);
    return (err as ConfigErrors).errors.map((e) => e.message);
  }
  assert.unreachable('no ConfigErrors thrown');
  return [];
}

const server = object({
  name: str({ minLength: 1 }),
  port: int({ min: 1, max: 65535 }).default(5060),
  debug: bool().default(false),
  tags: list(str(), { unique: { key: (t) => t, what: 'tag' } }).default([]),
  limits: object({ calls: int({ min: 1 }).default(10), cps: int({ min: 1 }).optional() }),
  level: oneOf(['low', 'high']).optional(),
});

test('defaults fill left-out keys, including a whole left-out section', () => {
  assert.equal(decode(server, 'name: a'), { name: 'a', port: 5060, debug: false, tags: [], limits: { calls: 10 } });
});

test('a key with no value counts as left out', () => {
  assert.equal(decode(server, 'name: a\nport:\nlimits:\ntags: ~\n'), { name: 'a', port: 5060, debug: false, tags: [], limits: { calls: 10 } });
});

test('written values win over defaults; optional keys appear only when written', () => {
  const v = decode(server, 'name: a\nport: 5080\ndebug: true\ntags: [x, y]\nlimits: { cps: 5 }\nlevel: high\n');
  assert.equal(v, { name: 'a', port: 5080, debug: true, tags: ['x', 'y'], limits: { calls: 10, cps: 5 }, level: 'high' });
});

test('an empty document takes every default, or names the required keys at 1:1', () => {
  assert.equal(decode(object({ a: int().default(1) }), ''), { a: 1 });
  assert.equal(decode(object({ a: int().default(1) }), '# just a comment\n'), { a: 1 });
  assert.equal(problems(() => decode(server, '')), ['f.yaml:1:1: name: required key is missing']);
});

test('a required key missing is reported at its map; with no value, at the key', () => {
  assert.equal(problems(() => decode(server, 'port: 1\n')), ['f.yaml:1:1: name: required key is missing']);
  assert.equal(problems(() => decode(object({ s: server }), 's:\n  port: 1\n')), ['f.yaml:2:3: s.name: required key is missing']);
  assert.equal(problems(() => decode(server, 'port: 1\nname:\n')), ['f.yaml:2:1: name: needs a value']);
});

test('every problem is listed, each at its node, top of the file first', () => {
  const text = ['port: 0', 'debug: yes', 'tags: [a, b, a]', 'limits:', '  calls: 1.5', '  cps: "3"', 'level: medium', 'name: ""'].join('\n');
  assert.equal(problems(() => decode(server, text)), [
    'f.yaml:1:7: port: must be between 1 and 65535, got 0',
    "f.yaml:2:8: debug: expected true or false, got 'yes'",
    "f.yaml:3:14: tags[2]: duplicate tag 'a' (first at line 3)",
    'f.yaml:5:10: limits.calls: expected an integer, got 1.5',
    "f.yaml:6:8: limits.cps: expected an integer, got '3'",
    "f.yaml:7:8: level: expected one of low, high, got 'medium'",
    'f.yaml:8:7: name: must not be empty',
  ]);
});

test('ConfigErrors carries file, line, col and problem of each error', () => {
  let caught: unknown;
  try {
    decode(server, 'name: a\nport: x\n');
  } catch (err) {
    caught = err;
  }
  assert.instance(caught, ConfigErrors);
  const [e] = (caught as ConfigErrors).errors;
  assert.instance(e, ConfigError);
  assert.equal([e.file, e.line, e.col, e.problem], ['f.yaml', 2, 7, "port: expected an integer, got 'x'"]);
  assert.is((caught as Error).message, "f.yaml:2:7: port: expected an integer, got 'x'");
});

test('unknown keys are reported with a suggestion, or with the known keys', () => {
  assert.equal(problems(() => decode(server, 'name: a\nprot: 1\nlimits: { Calls: 2, zzz: 1 }\n')), [
    "f.yaml:2:1: prot: unknown key (did you mean 'port'?)",
    "f.yaml:3:11: limits.Calls: unknown key (did you mean 'calls'?)",
    'f.yaml:3:21: limits.zzz: unknown key (known keys: calls, cps)',
  ]);
});

test('wrong shapes: a list for a map, a map for a string, a scalar for a list, a non-name key', () => {
  assert.equal(problems(() => decode(server, 'name: { a: 1 }\ntags: x\nlimits: [1]\n1: x\n')), [
    'f.yaml:1:7: name: expected a string, got a map',
    "f.yaml:2:7: tags: expected a list, got 'x'",
    'f.yaml:3:9: limits: expected a map of keys, got a list',
    'f.yaml:4:1: keys must be names, got 1',
  ]);
  assert.equal(problems(() => decode(server, '- a\n')), ['f.yaml:1:1: expected a map of keys, got a list']);
});

test('a number where a string is expected asks for quotes; strOrNumber keeps the digits as written', () => {
  assert.equal(problems(() => decode(server, 'name: 1001\n')), ['f.yaml:1:7: name: expected a string, got 1001 (put it in quotes)']);
  const ext = object({ ext: strOrNumber() });
  assert.equal(decode(ext, 'ext: 1001'), { ext: '1001' });
  assert.equal(decode(ext, 'ext: 0100'), { ext: '0100' });
  assert.equal(decode(ext, 'ext: "*99"'), { ext: '*99' });
});

test('list items: empty entries and per-item positions in block lists', () => {
  const s = object({ xs: list(int({ min: 0 }), { min: 1 }) });
  assert.equal(problems(() => decode(s, 'xs:\n  - 1\n  -\n  - -4\n')), [
    'f.yaml:3:4: xs[1]: empty list entry',
    'f.yaml:4:5: xs[2]: must be at least 0, got -4',
  ]);
  assert.equal(problems(() => decode(s, 'xs: []\n')), ['f.yaml:1:5: xs: must not be empty']);
  assert.equal(problems(() => decode(object({ xs: list(int(), { max: 2 }) }), 'xs: [1, 2, 3]\n')), ['f.yaml:1:5: xs: lists 3 entries; at most 2 are allowed']);
});

test('unique by a field reports the repeat at that field of the item', () => {
  const s = object({ items: list(object({ id: str(), v: int().optional() }), { unique: { key: (i) => i.id, what: 'item', at: 'id' } }) });
  assert.equal(problems(() => decode(s, 'items:\n  - id: a\n  - { v: 1, id: b }\n  - { v: 2, id: a }\n')), [
    "f.yaml:4:17: items[2].id: duplicate item 'a' (first at line 2)",
  ]);
});

test('${NAME} under fromEnv: in strings; numbers and booleans may come from the environment too', () => {
  const s = object({ host: fromEnv(str()), port: fromEnv(int()), on: fromEnv(bool()) });
  assert.equal(decode(s, 'host: ${H}\nport: ${P}\non: ${ON:-true}\n', { H: 'pbx.example', P: '5070' }), { host: 'pbx.example', port: 5070, on: true });
  assert.equal(problems(() => decode(s, 'host: "x-${H}"\nport: ${P}\non: false\n', { P: '50x' })), [
    'f.yaml:1:7: host: environment variable H is not set',
    "f.yaml:2:7: port: expected an integer, got '50x'",
  ]);
});

test('${NAME} is plain text outside fromEnv, also in a map next to a fromEnv key', () => {
  const s = object({ name: str(), secret: fromEnv(str()), inner: fromEnv(object({ a: str() })), after: str().default('${D}') });
  const env = { T: 'the-token', D: 'x' };
  assert.equal(decode(s, 'name: ${T}\nsecret: ${T}\ninner: { a: "${T}" }\n', env), {
    name: '${T}',
    secret: 'the-token',
    inner: { a: 'the-token' },
    after: '${D}',
  });
  // An unset variable or a bad reference outside fromEnv is no problem: it is text.
  assert.equal(decode(s, 'name: "${NOPE"\nsecret: a$${b}\ninner: { a: x }\n'), { name: '${NOPE', secret: 'a${b}', inner: { a: 'x' }, after: '${D}' });
});

test('transforms and checks report at the node they concern', () => {
  const range = object({
    lo: int().default(1),
    hi: int().default(10),
    word: str().to((w) => (w === w.toLowerCase() ? w.length : reject(`'${w}' must be lowercase`))).optional(),
  }).check((r, where) => {
    if (r.lo > r.hi) where.at('lo').report('must not exceed hi');
  });
  const s = object({ r: range });
  assert.equal(decode(s, 'r: { word: abc }'), { r: { lo: 1, hi: 10, word: 3 } });
  assert.equal(problems(() => decode(s, 'r:\n  hi: 0\n  lo: 5\n  word: Abc\n')), ["f.yaml:4:9: r.word: 'Abc' must be lowercase"]);
  assert.equal(problems(() => decode(s, 'r:\n  hi: 0\n  lo: 5\n')), ['f.yaml:3:7: r.lo: must not exceed hi']);
  // lo is left out (default 1): the problem points at the map that would hold it.
  assert.equal(problems(() => decode(s, 'r:\n  hi: 0\n')), ['f.yaml:2:3: r.lo: must not exceed hi']);
});

test('YAML syntax errors come out as file:line:col and stop decoding', () => {
  assert.equal(problems(() => decode(server, 'name: a\nlimits: { calls: 1\nport: 1\n')), [
    'f.yaml:3:1: Flow map in block collection must be sufficiently indented and end with a }',
  ]);
  assert.equal(problems(() => decode(server, 'name: a\nlimits:\n\tcalls: 1\n')), ['f.yaml:3:1: Tabs are not allowed as indentation']);
  assert.equal(problems(() => decode(server, 'name: a\nlimits:\n    calls: 1\n  cps: 2\n')), ['f.yaml:4:1: All mapping items must start at the same column']);
  assert.equal(problems(() => decode(server, 'name: a\nname: b\n')), ['f.yaml:2:1: Map keys must be unique']);
  assert.equal(problems(() => decode(server, 'name: a\n---\nname: b\n')), ["f.yaml:2:1: a config file holds one YAML document (remove the '---' line)"]);
});

test('aliases are followed; unknown aliases and alias bombs are reported, not crashed on', () => {
  const s = object({ a: list(str()).optional(), b: list(str()).optional(), name: str().optional() });
  assert.equal(decode(s, 'a: &x [p, q]\nb: *x\n'), { a: ['p', 'q'], b: ['p', 'q'] });
  assert.equal(problems(() => decode(s, 'a: [p]\nb: *nope\n')), ["f.yaml:2:4: unknown alias '*nope'"]);
  // Each level refers to the one below eight times: 8^5 references if followed blindly.
  // The budget runs out deep inside, at an alias of the second line.
  const bomb = ['l0: &a0 [x, x, x, x, x, x, x, x]'];
  const fields: Record<string, Schema<unknown>> = { l0: list(str()) };
  let level: Schema<unknown> = list(str());
  for (let i = 1; i < 6; i++) {
    bomb.push(`l${i}: &a${i} [${Array(8).fill(`*a${i - 1}`).join(', ')}]`);
    level = list(level);
    fields[`l${i}`] = level;
  }
  assert.equal(problems(() => decode(object(fields), bomb.join('\n'))), ['f.yaml:2:35: too many alias references']);
});

test('a flood of problems is cut at 100, with a count of the rest', () => {
  const text = Array.from({ length: 150 }, (_, i) => `k${i}: 1`).join('\n');
  const msgs = problems(() => decode(object({}), text));
  assert.is(msgs.length, 101);
  assert.is(msgs[0], 'f.yaml:1:1: k0: unknown key (known keys: )');
  assert.is(msgs[100], 'f.yaml:100:1: 50 more problems not shown');
});

test('didYouMean: typos, case and shared starts; nothing for far-off words', () => {
  assert.is(didYouMean('tenantDir', ['dataDir', 'tenantsDir']), 'tenantsDir');
  assert.is(didYouMean('datadir', ['dataDir', 'tenantsDir']), 'dataDir');
  assert.is(didYouMean('warning', ['debug', 'info', 'warn', 'error']), 'warn');
  assert.is(didYouMean('lsiten', ['listen', 'publicAddress']), 'listen');
  assert.is(didYouMean('banana', ['listen', 'publicAddress']), undefined);
});

test.run();
