import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePbxConfig } from './pbx-config.js';
import { resolveSipThreads } from './sip-threads-config.js';
import { ConfigErrors } from '../util/errors.js';

const FILE = '/etc/pbx/pbx.yaml';

function problems(text: string, env: Record<string, string> = {}): string[] {
  try {
    parsePbxConfig(text, FILE, env);
    return [];
  } catch (e) {
    if (e instanceof ConfigErrors) return e.errors.map((x) => x.message);
    throw e;
  }
}

test('sip.threads: auto by default, a number or auto when written, ${ENV} allowed', () => {
  assert.is(parsePbxConfig('', FILE, {}).sip.threads, 'auto');
  assert.is(parsePbxConfig('sip: { threads: 1 }', FILE, {}).sip.threads, 1);
  assert.is(parsePbxConfig('sip: { threads: auto }', FILE, {}).sip.threads, 'auto');
  assert.is(parsePbxConfig('sip: { threads: "${T}" }', FILE, { T: '3' }).sip.threads, 3);
});

test('sip.threads: anything else is refused at file:line:col', () => {
  assert.equal(problems('sip:\n  threads: 0\n'), ['/etc/pbx/pbx.yaml:2:12: sip.threads: must be auto or a whole number 1-64, got "0"']);
  assert.equal(problems('sip:\n  threads: 65\n'), ['/etc/pbx/pbx.yaml:2:12: sip.threads: must be auto or a whole number 1-64, got "65"']);
  assert.equal(problems('sip:\n  threads: many\n'), ['/etc/pbx/pbx.yaml:2:12: sip.threads: must be auto or a whole number 1-64, got "many"']);
  assert.equal(problems('sip:\n  threads: 1.5\n'), ['/etc/pbx/pbx.yaml:2:12: sip.threads: must be auto or a whole number 1-64, got "1.5"']);
});

test('resolveSipThreads: auto is the core count, within 1..64', () => {
  assert.is(resolveSipThreads('auto', 2), 2);
  assert.is(resolveSipThreads(undefined, 8), 8);
  assert.is(resolveSipThreads('auto', 0), 1);
  assert.is(resolveSipThreads('auto', 200), 64);
  assert.is(resolveSipThreads(3, 2), 3);
});

test.run();
