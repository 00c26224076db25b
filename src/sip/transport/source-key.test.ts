import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sourceKey } from './source-key.js';

test('IPv4 addresses are counted one by one', () => {
  assert.is(sourceKey('192.0.2.1'), '192.0.2.1');
  assert.is.not(sourceKey('192.0.2.1'), sourceKey('192.0.2.2'));
});

test('IPv6 addresses of one /64 share a key, whatever their spelling', () => {
  const k = sourceKey('2001:db8:1:2::1');
  assert.is(k, '2001:db8:1:2::/64');
  assert.is(sourceKey('2001:0db8:0001:0002:ffff:1:2:3'), k);
  assert.is(sourceKey('2001:DB8:1:2:aaaa::'), k);

  assert.is.not(sourceKey('2001:db8:1:3::1'), k);
  assert.is(sourceKey('::1'), '::/64');
  assert.is(sourceKey('64:ff9b::192.0.2.1'), '64:ff9b::/64');
});

test.run();
