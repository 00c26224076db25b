import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sameRequestUri } from './digest-uri-match.js';

test('the same text matches, surrounding whitespace aside', () => {
  assert.ok(sameRequestUri('sip:acme.example', 'sip:acme.example'));
  assert.ok(sameRequestUri(' sip:acme.example ', 'sip:acme.example'));
});

test('spelling differences that RFC 3261 §19.1.4 ignores still match', () => {
  assert.ok(sameRequestUri('sip:1001@ACME.example', 'sip:1001@acme.example'), 'host case');
  assert.ok(sameRequestUri('SIP:1001@acme.example', 'sip:1001@acme.example'), 'scheme case');
  assert.ok(sameRequestUri('sip:%31001@acme.example', 'sip:1001@acme.example'), 'escaped user');
  assert.ok(sameRequestUri('sip:acme.example;lr;foo=Bar', 'sip:acme.example;foo=bar;lr'), 'parameter order and value case');
  assert.ok(sameRequestUri('sip:acme.example;transport=tcp', 'sip:acme.example'), 'a parameter in one only is ignored');
});

test('different resources do not match', () => {
  assert.not.ok(sameRequestUri('sip:1002@acme.example', 'sip:1001@acme.example'), 'user');
  assert.not.ok(sameRequestUri('sip:Alice@acme.example', 'sip:alice@acme.example'), 'user is case-sensitive');
  assert.not.ok(sameRequestUri('sip:globex.example', 'sip:acme.example'), 'host');
  assert.not.ok(sameRequestUri('sips:acme.example', 'sip:acme.example'), 'scheme');
  assert.not.ok(sameRequestUri('sip:acme.example:5060', 'sip:acme.example'), 'explicit default port');
  assert.not.ok(sameRequestUri('sip:acme.example;maddr=1.2.3.4', 'sip:acme.example'), 'maddr in one only');
  assert.not.ok(sameRequestUri('sip:1001@acme.example;user=phone', 'sip:1001@acme.example'), 'user param in one only');
  assert.not.ok(sameRequestUri('sip:acme.example;transport=tcp', 'sip:acme.example;transport=udp'), 'param in both differs');
  assert.not.ok(sameRequestUri('sip:acme.example?subject=x', 'sip:acme.example'), 'headers');
  assert.not.ok(sameRequestUri('tel:+1234', 'tel:+1235'));
  assert.not.ok(sameRequestUri('tel:+1234', 'sip:+1234@acme.example'));
});

test('malformed URIs never match and never throw', () => {
  for (const bad of ['', 'acme.example', 'sip:', 'sip:a b', 'sip:[zz]', '*', 'sip:@x']) {
    assert.not.ok(sameRequestUri(bad, 'sip:acme.example'), bad);
  }
  assert.ok(sameRequestUri('tel:+1234', 'tel:+1234'));
});

test.run();
