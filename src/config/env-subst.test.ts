import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { escapeEnv, substituteEnv } from './env-subst.js';

test('text without ${ is returned as is', () => {
  assert.equal(substituteEnv('plain $HOME text', {}), { ok: true, value: 'plain $HOME text', substituted: false });
});

test('${NAME} is replaced, several times in one string', () => {
  const r = substituteEnv('${A}-${B}/${A}', { A: 'x', B: 'y' });
  assert.equal(r, { ok: true, value: 'x-y/x', substituted: true });
});

test('a set but empty variable gives the empty string', () => {
  assert.equal(substituteEnv('[${A}]', { A: '' }), { ok: true, value: '[]', substituted: true });
});

test('${NAME:-fallback} uses the fallback when unset or empty, the value otherwise', () => {
  assert.equal(substituteEnv('${A:-def}', {}), { ok: true, value: 'def', substituted: true });
  assert.equal(substituteEnv('${A:-def}', { A: '' }), { ok: true, value: 'def', substituted: true });
  assert.equal(substituteEnv('${A:-def}', { A: 'v' }), { ok: true, value: 'v', substituted: true });
  assert.equal(substituteEnv('${A:-}', {}), { ok: true, value: '', substituted: true });
});

test('$${ is a literal ${', () => {
  assert.equal(substituteEnv('cost $${X} and ${A}', { A: '1', X: 'no' }), { ok: true, value: 'cost ${X} and 1', substituted: true });
});

test('unset variables are all named in the problem', () => {
  assert.equal(substituteEnv('${A}', {}), { ok: false, problem: 'environment variable A is not set' });
  assert.equal(substituteEnv('${A}${B}', {}), { ok: false, problem: 'environment variables A, B are not set' });
});

test('malformed references are problems', () => {
  assert.equal(substituteEnv('${A', { A: 'x' }), { ok: false, problem: "unterminated '${' (write '$${' for a literal '${')" });
  assert.equal(substituteEnv('${1A}', {}), { ok: false, problem: "bad environment variable name '1A' in '${1A}'" });
  assert.equal(substituteEnv('${}', {}), { ok: false, problem: "bad environment variable name '' in '${}'" });
});

test('escapeEnv: substituteEnv gives back exactly the text, whatever $ { } it holds', () => {
  const env = { A: 'NO', X: 'NO' };
  for (const t of ['${A}', 'pa$$word', '$${X}', 'a$', '$', '${', '}${A:-x}$', '$$${A}}', 'plain']) {
    assert.equal(substituteEnv(escapeEnv(t), env), { ok: true, value: t, substituted: escapeEnv(t).includes('${') }, t);
  }
  // Every string of up to 6 characters over $ { } a (5460 of them).
  const alphabet = ['$', '{', '}', 'a'];
  let all = [''];
  for (let n = 1; n <= 6; n++) {
    all = all.flatMap((p) => alphabet.map((c) => p + c));
    for (const t of all) {
      const r = substituteEnv(escapeEnv(t), env);
      if (!r.ok || r.value !== t) assert.unreachable(`${JSON.stringify(t)} -> ${JSON.stringify(escapeEnv(t))} -> ${JSON.stringify(r)}`);
    }
  }
});

test.run();
