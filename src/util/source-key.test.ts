import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readIp } from './ip.js';
import { sourceKey } from './source-key.js';

const words = new Uint32Array(4);
const key = (address: string, prefix = 64): string => sourceKey(address, readIp(address, words), words, prefix);

test('every spelling of one IPv4 peer gets the same key', () => {
  for (const a of ['192.0.2.2', '::ffff:192.0.2.2', '::FFFF:192.0.2.2', '::ffff:c000:202', '0:0:0:0:0:ffff:192.0.2.2']) assert.is(key(a), '192.0.2.2', a);
});

test('IPv6 peers are keyed by their network, in canonical text', () => {
  assert.is(key('2001:DB8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
  assert.is(key('2001:db8:1:2::1'), '2001:db8:1:2::/64');
  assert.is(key('2001:db8:1:3::1'), '2001:db8:1:3::/64');
  assert.is(key('2001:db8:1:2:ff00::1', 56), '2001:db8:1::/56');
  assert.is(key('2001:db8:1:2:ff00::1', 72), '2001:db8:1:2:ff00::/72');
  assert.is(key('2001:0db8::0001', 128), '2001:db8::1');
  assert.is(key('fe80::1%eth0', 128), 'fe80::1');
});

test('text that is not an address is its own key', () => {
  assert.is(key('garbage'), 'garbage');
  assert.is(key('2001:db8:1:2::/64'), '2001:db8:1:2::/64'); // as listBans() shows it
});

test.run();
