import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { direction, isHold } from './direction.js';
import { parseSdp } from './parse.js';
import { SdpError } from './sdp-error.js';
import type { SessionDescription } from './types.js';

function sdp(session: string[], ...media: string[]): SessionDescription {
  return parseSdp(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', ...session, 't=0 0', ...media, ''].join('\r\n'));
}
const C = 'c=IN IP4 192.0.2.1';

test('no attribute: sendrecv (RFC 3264 §5.1)', () => {
  const sd = sdp([C], 'm=audio 5004 RTP/AVP 0');
  assert.is(direction(sd), 'sendrecv');
  assert.is(direction(sd, 0), 'sendrecv');
  assert.not.ok(isHold(sd));
});

test('media level overrides session level', () => {
  const sd = sdp([C, 'a=sendonly'], 'm=audio 5004 RTP/AVP 0', 'a=recvonly', 'm=audio 5006 RTP/AVP 0', 'm=audio 5008 RTP/AVP 0', 'a=inactive');
  assert.is(direction(sd, 0), 'recvonly');
  assert.is(direction(sd, 1), 'sendonly', 'inherits the session level');
  assert.is(direction(sd, 2), 'inactive');
  assert.is(direction(sd), 'recvonly', 'no index: the first enabled audio stream');
});

test('attribute names in any case', () => {
  assert.is(direction(sdp([C], 'm=audio 5004 RTP/AVP 0', 'a=SendOnly')), 'sendonly');
  // A direction word with a value is not a direction attribute.
  assert.is(direction(sdp([C], 'm=audio 5004 RTP/AVP 0', 'a=sendonly:x')), 'sendrecv');
});

test('hold: sendonly or inactive on every enabled stream', () => {
  assert.ok(isHold(sdp([C], 'm=audio 5004 RTP/AVP 0', 'a=sendonly')));
  assert.ok(isHold(sdp([C], 'm=audio 5004 RTP/AVP 0', 'a=inactive')));
  assert.ok(isHold(sdp([C, 'a=sendonly'], 'm=audio 5004 RTP/AVP 0')), 'session level');
  assert.not.ok(isHold(sdp([C, 'a=sendonly'], 'm=audio 5004 RTP/AVP 0', 'a=sendrecv')), 'media level wins');
  assert.not.ok(isHold(sdp([C], 'm=audio 5004 RTP/AVP 0', 'a=recvonly')), 'recvonly is the answer to a hold, not a hold');
  assert.not.ok(isHold(sdp([C], 'm=audio 5004 RTP/AVP 0', 'a=sendonly', 'm=video 5006 RTP/AVP 31')), 'video still flows both ways');
  assert.ok(isHold(sdp([C], 'm=audio 5004 RTP/AVP 0', 'a=sendonly', 'm=video 0 RTP/AVP 31')), 'a disabled stream does not count');
  assert.not.ok(isHold(sdp([C], 'm=audio 0 RTP/AVP 0')), 'nothing enabled is not hold');
});

test('c=0.0.0.0 (RFC 2543 hold) takes away the receiving half, at either level', () => {
  const session = sdp(['c=IN IP4 0.0.0.0'], 'm=audio 5004 RTP/AVP 0');
  assert.is(direction(session), 'sendonly');
  assert.ok(isHold(session));
  const media = sdp([C], 'm=audio 5004 RTP/AVP 0', 'c=IN IP4 0.0.0.0', 'm=audio 5006 RTP/AVP 0', 'a=recvonly', 'c=IN IP4 0.0.0.0');
  assert.is(direction(media, 0), 'sendonly');
  assert.is(direction(media, 1), 'inactive');
  assert.ok(isHold(media));
  // A media-level address overrides a held session-level one.
  const resumed = sdp(['c=IN IP4 0.0.0.0'], 'm=audio 5004 RTP/AVP 0', C);
  assert.is(direction(resumed, 0), 'sendrecv');
  assert.not.ok(isHold(resumed));
  assert.ok(isHold(sdp(['c=IN IP6 ::'], 'm=audio 5004 RTP/AVP 0')));
});

test('a disabled stream is inactive; no enabled stream: the session level', () => {
  const sd = sdp([C, 'a=sendonly'], 'm=audio 0 RTP/AVP 0');
  assert.is(direction(sd, 0), 'inactive');
  assert.is(direction(sd), 'sendonly');
  assert.is(direction(sdp([C], 'm=video 5004 RTP/AVP 31', 'a=recvonly', 'm=audio 0 RTP/AVP 0')), 'recvonly', 'no audio: the first enabled stream');
});

test('an index out of range is an SdpError', () => {
  const sd = sdp([C], 'm=audio 5004 RTP/AVP 0');
  for (const i of [1, -1, 0.5, Number.NaN]) {
    try {
      direction(sd, i);
      assert.unreachable(String(i));
    } catch (err) {
      assert.instance(err, SdpError);
      assert.is((err as SdpError).reason, 'bad-argument');
    }
  }
});

test.run();
