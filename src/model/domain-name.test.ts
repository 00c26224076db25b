import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normalizeDomain } from './domain-name.js';

test('host names are lowercased and lose a trailing dot', () => {
  assert.is(normalizeDomain('Acme.Example'), 'acme.example');
  assert.is(normalizeDomain('acme.example.'), 'acme.example');
  assert.is(normalizeDomain('PBX-1.acme.example'), 'pbx-1.acme.example');
  assert.is(normalizeDomain('localhost'), 'localhost');
  assert.is(normalizeDomain('1and1.com'), '1and1.com');
});

test('IP literals are allowed; IPv6 is bracket-free and compressed', () => {
  assert.is(normalizeDomain('127.0.0.1'), '127.0.0.1');
  assert.is(normalizeDomain('10.0.0.5'), '10.0.0.5');
  assert.is(normalizeDomain('[2001:DB8:0:0::1]'), '2001:db8::1');
  assert.is(normalizeDomain('2001:db8::1'), '2001:db8::1');
  assert.is(normalizeDomain('[::1]'), '::1');
});

test('refuses what is neither a host name nor an IP address', () => {
  const bad = [
    '',
    '.',
    '..',
    '../etc',
    'a/b',
    'a b',
    'acme..example',
    '-acme.example',
    'acme-.example',
    'acme.example-',
    'acme.123',
    '1.2.3',
    '01.2.3.4',
    '256.1.1.1',
    '[127.0.0.1]',
    '[2001:db8::1',
    '2001:db8::1]',
    'fe80::1%eth0',
    '[fe80::1%25eth0]',
    'acme.example:5060',
    'user@acme.example',
    'a'.repeat(64) + '.example',
    ('a'.repeat(60) + '.').repeat(5) + 'example',
    'acme\0.example',
    'ac_me.example',
  ];
  for (const d of bad) assert.is(normalizeDomain(d), undefined, JSON.stringify(d));
});

test.run();
