import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hostOfHeader, sipWsUrls } from './sip-ws-urls.js';

const listen = [
  { protocol: 'udp', host: '0.0.0.0', port: 5060 },
  { protocol: 'ws', host: '127.0.0.1', port: 5066 },
  { protocol: 'wss', host: '0.0.0.0', port: 7443 },
  { protocol: 'wss', host: '::1', port: 7444 },
];

test('ws/wss listeners only, wss first; a wildcard listener takes the host the browser asked for', () => {
  assert.equal(sipWsUrls(listen, 'pbx.example.com:8080'), ['wss://pbx.example.com:7443', 'wss://[::1]:7444', 'ws://127.0.0.1:5066']);
  assert.equal(sipWsUrls(listen, '[2001:db8::1]:8080'), ['wss://[2001:db8::1]:7443', 'wss://[::1]:7444', 'ws://127.0.0.1:5066']);
});

test('a hostile or missing Host header leaves the wildcard listeners out (no CSP or URL injection)', () => {
  for (const bad of [undefined, '', "evil.example; script-src 'unsafe-inline'", 'a b', 'x"y', 'host:80:90', '[::1', '[::1]x', 'h:port', 'a/b', '-x.example']) {
    assert.equal(sipWsUrls(listen, bad), ['wss://[::1]:7444', 'ws://127.0.0.1:5066'], String(bad));
  }
});

test('hostOfHeader keeps a plain name, an IPv4 address or a bracketed IPv6 address, lowercased, without the port', () => {
  assert.is(hostOfHeader('PBX.Example.com'), 'pbx.example.com');
  assert.is(hostOfHeader('127.0.0.1:80'), '127.0.0.1');
  assert.is(hostOfHeader('[::1]:80'), '[::1]');
  assert.is(hostOfHeader('[::1]'), '[::1]');
  assert.is(hostOfHeader('x'.repeat(400)), undefined);
});

test.run();
