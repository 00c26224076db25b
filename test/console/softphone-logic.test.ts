// The console softphone's page-side logic that needs no browser: what a typed dial string
// becomes (hostile input refused before anything is sent), and which WebSocket a page uses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pickWsUrl, targetUri } from '../../web/console/dial-target.js';

test('a typed extension or number becomes a SIP URI in the tenant domain; user@host keeps its host', () => {
  assert.is(targetUri('1002', 'acme.example'), 'sip:1002@acme.example');
  assert.is(targetUri(' +49 30 123456 ', 'acme.example'), 'sip:+4930123456@acme.example');
  assert.is(targetUri('*97', 'acme.example'), 'sip:*97@acme.example');
  assert.is(targetUri('sip:1003@acme.example', 'acme.example'), 'sip:1003@acme.example');
});

test('anything else is refused: markup, header or URI injection, empty, too long', () => {
  for (const bad of ['', '   ', '<script>x</script>', '1002>;tag=x', '1002\r\nVia: x', '1002@acme.example;transport=tcp', 'a@b@c', '1'.repeat(65), 'sip:', '1002?x=1']) {
    assert.is(targetUri(bad, 'acme.example'), undefined, JSON.stringify(bad));
  }
});

test('an https page uses wss only; an http page prefers ws, else wss; none usable: undefined', () => {
  const both = ['wss://pbx.example:7443', 'ws://pbx.example:5066'];
  assert.is(pickWsUrl(both, 'https:'), 'wss://pbx.example:7443');
  assert.is(pickWsUrl(both, 'http:'), 'ws://pbx.example:5066');
  assert.is(pickWsUrl(['wss://pbx.example:7443'], 'http:'), 'wss://pbx.example:7443');
  assert.is(pickWsUrl(['ws://pbx.example:5066'], 'https:'), undefined);
  assert.is(pickWsUrl([], 'http:'), undefined);
});

test.run();
