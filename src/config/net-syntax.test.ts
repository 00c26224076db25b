import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isDnsName, isIPv4, isIPv6, isWildcardAddress, parseCidr, parseHost, parseHostPort, parseListenUri } from './net-syntax.js';

test('IPv4: four parts 0-255 without leading zeros', () => {
  for (const ok of ['0.0.0.0', '127.0.0.1', '255.255.255.255', '10.1.20.200']) assert.ok(isIPv4(ok), ok);
  for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.a', '', '1..2.3']) assert.not.ok(isIPv4(bad), bad);
});

test('IPv6: full, compressed and IPv4-tailed forms', () => {
  for (const ok of ['::', '::1', 'fe80::1', '2001:db8::', '2001:DB8:0:0:0:0:0:1', '1:2:3:4:5:6:7:8', '::ffff:192.0.2.1', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:7::']) {
    assert.ok(isIPv6(ok), ok);
  }
  for (const bad of ['1::2::3', ':1', '1:', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'g::1', '1.2.3.4::', '1:2:3:4:5:6:7:1.2.3.4', 'fe80::1%eth0', '[::1]', '']) {
    assert.not.ok(isIPv6(bad), bad);
  }
});

test('DNS names: RFC 1123 labels, last label not all digits', () => {
  for (const ok of ['acme.example', 'localhost', 'a-b.c0.example', 'X.EXAMPLE', '3com.com']) assert.ok(isDnsName(ok), ok);
  for (const bad of ['-a.example', 'a-.example', 'a..b', 'a_b.example', '1.2.3.999', 'a.example.', 'a'.repeat(64) + '.x', '']) {
    assert.not.ok(isDnsName(bad), bad);
  }
});

test('parseHost lowercases and strips IPv6 brackets', () => {
  assert.is(parseHost('PBX.Example'), 'pbx.example');
  assert.is(parseHost('[FE80::1]'), 'fe80::1');
  assert.is(parseHost('::1'), '::1');
  assert.equal(parseHost('[pbx.example]'), { problem: "'[pbx.example]' is not an IPv6 address" });
  assert.equal(parseHost('300.1.1.1'), { problem: "'300.1.1.1' is not an IP address or host name" });
});

test('parseHostPort: host:port and [v6]:port, port required and in range', () => {
  assert.equal(parseHostPort('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
  assert.equal(parseHostPort('[::1]:5060'), { host: '::1', port: 5060 });
  assert.equal(parseHostPort('localhost:1'), { host: 'localhost', port: 1 });
  assert.equal(parseHostPort('127.0.0.1'), { problem: "'127.0.0.1' has no port (write host:port)" });
  assert.equal(parseHostPort('::1:5060'), { problem: "'::1:5060': write an IPv6 address in brackets, e.g. [::1]:5060" });
  assert.equal(parseHostPort('h.example:0'), { problem: "'0' in 'h.example:0' is not a port (1-65535)" });
  assert.equal(parseHostPort('h.example:65536'), { problem: "'65536' in 'h.example:65536' is not a port (1-65535)" });
  assert.equal(parseHostPort('[::1]5060'), { problem: "'[::1]5060' is not [ipv6]:port" });
});

test('parseListenUri: udp, tcp, tls with host and port', () => {
  assert.equal(parseListenUri('udp://127.0.0.1:5060'), { protocol: 'udp', host: '127.0.0.1', port: 5060 });
  assert.equal(parseListenUri('TLS://[::1]:5061'), { protocol: 'tls', host: '::1', port: 5061 });
  assert.equal(parseListenUri('ws://127.0.0.1:5066'), { protocol: 'ws', host: '127.0.0.1', port: 5066 });
  assert.equal(parseListenUri('WSS://[::1]:7443'), { protocol: 'wss', host: '::1', port: 7443 });
  assert.equal(parseListenUri('http://127.0.0.1:80'), { problem: "unknown protocol 'http' (use udp, tcp, tls, ws or wss)" });
  assert.equal(parseListenUri('127.0.0.1:5060'), { problem: "'127.0.0.1:5060' is not proto://host:port (proto is udp, tcp, tls, ws or wss)" });
});

test('parseCidr: addresses and prefixes of both families', () => {
  assert.is(parseCidr('10.0.0.0/8'), '10.0.0.0/8');
  assert.is(parseCidr('192.0.2.7'), '192.0.2.7');
  assert.is(parseCidr('2001:DB8::/32'), '2001:db8::/32');
  assert.is(parseCidr('::1/128'), '::1/128');
  assert.equal(parseCidr('10.0.0.0/33'), { problem: "'/33' is not a prefix length (0-32)" });
  assert.equal(parseCidr('::/129'), { problem: "'/129' is not a prefix length (0-128)" });
  assert.equal(parseCidr('10.0.0.0/'), { problem: "'/' is not a prefix length (0-32)" });
  assert.equal(parseCidr('10.0.0/8'), { problem: "'10.0.0' is not an IPv4 or IPv6 address" });
  assert.equal(parseCidr('10.0.0.0/08'), { problem: "'/08' is not a prefix length (0-32)" });
  assert.equal(parseCidr('fe80::%eth0/10'), { problem: "'fe80::%eth0' is not an IPv4 or IPv6 address" });
});

test('wildcard addresses', () => {
  assert.ok(isWildcardAddress('0.0.0.0'));
  assert.ok(isWildcardAddress('::'));
  assert.not.ok(isWildcardAddress('127.0.0.1'));
  assert.not.ok(isWildcardAddress('::1'));
});

test.run();
