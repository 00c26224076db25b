import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addressClass, specialUseClass } from './address-class.js';

test('special-use addresses are named by class, IPv4-mapped IPv6 as its IPv4 form', () => {
  const cases: Array<[string, string]> = [
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.0.0.53', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['224.0.0.251', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
  ];
  for (const [ip, cls] of cases) assert.is(specialUseClass(ip), cls, ip);
});

test('public and private unicast are not special-use; private ranges are named by addressClass', () => {
  for (const ip of ['192.0.2.1', '8.8.8.8', '2001:db8::1', '10.1.2.3', '128.0.0.1']) assert.is(specialUseClass(ip), undefined, ip);
  for (const ip of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', 'fd00::1', '::ffff:10.0.0.1']) assert.is(addressClass(ip), 'private', ip);
  for (const ip of ['172.32.0.1', '100.128.0.1', '192.0.2.1', '2001:db8::1']) assert.is(addressClass(ip), undefined, ip);
  assert.is(addressClass('127.0.0.1'), 'loopback');
  assert.is(addressClass('not-an-ip'), undefined);
});

test.run();
