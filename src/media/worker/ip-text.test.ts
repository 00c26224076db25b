import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalIp } from './ip-text.js';

test('one spelling per address, as dgram reports it', () => {
  assert.is(canonicalIp('127.0.0.1'), '127.0.0.1');
  assert.is(canonicalIp('::ffff:10.0.0.1'), '10.0.0.1');
  assert.is(canonicalIp('[2001:DB8::1]'), '2001:db8::1');
  assert.is(canonicalIp(' 192.168.1.2 '), '192.168.1.2');
});

test('anything else is no address', () => {
  for (const bad of ['', 'phone.example', '300.1.1.1', '1.2.3', 'x'.repeat(100), undefined as unknown as string, 42 as unknown as string]) {
    assert.is(canonicalIp(bad), '', String(bad));
  }
});

test.run();
