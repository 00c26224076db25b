import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigErrors } from '../util/errors.js';
import { CONSOLE_DEFAULTS } from './console-config.js';
import { parsePbxConfig } from './pbx-config.js';

const FILE = '/etc/pbx/pbx.yaml';
const HASH = '$scrypt$N=16384,r=8,p=1$NDORRSJex7Aap/72yY5VFA==$ccYKLKMj1qsnVXLYyF2U0bSLCLUPonXsHpfI39zg6XI=';

function problems(text: string): string[] {
  try {
    parsePbxConfig(text, FILE, {});
  } catch (err) {
    assert.instance(err, ConfigErrors);
    return (err as ConfigErrors).errors.map((e) => e.message);
  }
  assert.unreachable('no ConfigErrors thrown');
  return [];
}

test('console: absent is the defaults; given keys are read, the rest defaulted; api.tls read', () => {
  assert.is(parsePbxConfig('', FILE, {}).console, undefined);
  const c = parsePbxConfig(['console:', `  providers: [ { name: ops, passwordHash: "${HASH}" } ]`, '  sessionIdleMinutes: 15', 'api:', '  tls: { cert: api.crt, key: api.key }'].join('\n'), FILE, {});
  assert.equal(c.console, { ...CONSOLE_DEFAULTS, providers: [{ name: 'ops', passwordHash: HASH }], sessionIdleMinutes: 15 });
  assert.equal(c.api.tls, { cert: '/etc/pbx/api.crt', key: '/etc/pbx/api.key' });
  // The hash may come from the environment.
  assert.equal(parsePbxConfig('console: { providers: [ { name: ops, passwordHash: "${OPS_HASH}" } ] }', FILE, { OPS_HASH: HASH }).console!.providers[0]!.passwordHash, HASH);
});

test('console: a plain password, a name with @, duplicates and out-of-range numbers are refused at file:line:col', () => {
  const text = [
    'console:',
    '  providers:',
    '    - { name: ops, passwordHash: "hunter2hunter2" }',
    '    - { name: "a@b", passwordHash: "' + HASH + '" }',
    '    - { name: ops2, passwordHash: "' + HASH + '" }',
    '    - { name: ops2, passwordHash: "' + HASH + '" }',
    '  sessionIdleMinutes: 0',
    '  sessionMaxHours: 1000',
    '  loginFailBan: { attempts: 0 }',
  ].join('\n');
  const p = problems(text);
  assert.ok(p.some((m) => m.startsWith('/etc/pbx/pbx.yaml:3:') && m.includes('console.providers[0].passwordHash') && m.includes('pbx web-password-hash')), p.join('\n'));
  assert.ok(p.some((m) => m.startsWith('/etc/pbx/pbx.yaml:4:') && m.includes('no "@"')), p.join('\n'));
  assert.ok(p.some((m) => m.startsWith('/etc/pbx/pbx.yaml:6:') && m.includes("duplicate provider 'ops2'")), p.join('\n'));
  assert.ok(p.some((m) => m.startsWith('/etc/pbx/pbx.yaml:7:') && m.includes('sessionIdleMinutes')), p.join('\n'));
  assert.ok(p.some((m) => m.startsWith('/etc/pbx/pbx.yaml:8:') && m.includes('sessionMaxHours')), p.join('\n'));
  assert.ok(p.some((m) => m.startsWith('/etc/pbx/pbx.yaml:9:') && m.includes('loginFailBan.attempts')), p.join('\n'));
  assert.ok(problems('console: { sesionIdleMinutes: 5 }').some((m) => m.includes('sesionIdleMinutes')), 'an unknown key is refused');
});

test.run();
