// The console softphone's page-side logic that needs no browser: what a typed dial string
// becomes (hostile input refused before anything is sent), and which WebSocket a page uses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pickWsUrl, targetUri } from '../../web/console/dial-target.js';
import { dtmfMethod, negotiatesTelephoneEvent } from '../../web/console/dtmf-method.js';

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

test('DTMF goes in the media (RFC 4733) only when the remote SDP agreed to telephone-event and the sender can insert it; SIP INFO otherwise', () => {
  const withEvents = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 4000 UDP/TLS/RTP/SAVPF 111 0 101', 'a=rtpmap:111 opus/48000/2', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', ''].join('\r\n');
  const without = withEvents.replace('a=rtpmap:101 telephone-event/8000\r\n', '').replace(' 101', '');
  const onlyVideo = withEvents.replace('m=audio 4000', 'm=video 4000');
  const audioRejected = withEvents.replace('m=audio 4000', 'm=audio 0');
  assert.ok(negotiatesTelephoneEvent(withEvents));
  assert.ok(negotiatesTelephoneEvent(withEvents.replace('telephone-event/8000', 'TELEPHONE-EVENT/48000').replace(/\r\n/g, '\n')), 'any rate, any case, LF line ends');
  for (const sdp of [without, onlyVideo, audioRejected, '', undefined, 'a=rtpmap:101 telephone-event/8000']) assert.not.ok(negotiatesTelephoneEvent(sdp), JSON.stringify(sdp));
  assert.is(dtmfMethod(withEvents, true), 'rtp');
  assert.is(dtmfMethod(withEvents, false), 'info', 'the sender cannot insert (no audio sender, or inactive)');
  assert.is(dtmfMethod(without, true), 'info', 'the remote side did not agree to telephone-event');
  assert.is(dtmfMethod(undefined, true), 'info');
});

test.run();
