import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allowedAnswerDirection, conformAnswerDirections } from './answer-direction.js';
import { direction, type Direction } from './direction.js';
import { parseSdp } from './parse.js';
import { serializeSdp } from './serialize.js';
import type { SessionDescription } from './types.js';

const DIRS: Direction[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

function sdp(session: string[], ...media: string[]): SessionDescription {
  return parseSdp(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', ...session, 't=0 0', ...media, ''].join('\r\n'));
}
const audio = (dir: Direction, port = 5004) => [`m=audio ${port} RTP/AVP 0`, `a=${dir}`];

// RFC 3264 §6.1, the table of what an answer may say to each offered direction.
const MAY: Record<Direction, Direction[]> = {
  sendrecv: ['sendrecv', 'sendonly', 'recvonly', 'inactive'],
  sendonly: ['recvonly', 'inactive'],
  recvonly: ['sendonly', 'inactive'],
  inactive: ['inactive'],
};
// What the answerer's wish becomes: it keeps what the offer allows of it.
const EXPECT: Record<Direction, Record<Direction, Direction>> = {
  sendrecv: { sendrecv: 'sendrecv', sendonly: 'sendonly', recvonly: 'recvonly', inactive: 'inactive' },
  sendonly: { sendrecv: 'recvonly', sendonly: 'inactive', recvonly: 'recvonly', inactive: 'inactive' },
  recvonly: { sendrecv: 'sendonly', sendonly: 'sendonly', recvonly: 'inactive', inactive: 'inactive' },
  inactive: { sendrecv: 'inactive', sendonly: 'inactive', recvonly: 'inactive', inactive: 'inactive' },
};

for (const offered of DIRS) {
  for (const wanted of DIRS) {
    test(`offer ${offered}, answer ${wanted}: the answer says ${EXPECT[offered][wanted]}`, () => {
      const got = allowedAnswerDirection(offered, wanted);
      assert.is(got, EXPECT[offered][wanted]);
      assert.ok(MAY[offered].includes(got), `${got} is one RFC 3264 §6.1 allows for ${offered}`);
      const answer = sdp([], ...audio(wanted));
      const out = conformAnswerDirections(sdp([], ...audio(offered)), answer);
      assert.is(direction(out, 0), got);
      if (got === wanted) assert.is(out, answer, 'an answer that fits is passed on as it is');
      else {
        assert.is.not(out, answer, 'a copy: the answer given is not touched');
        assert.is(direction(answer, 0), wanted);
        assert.is(serializeSdp(out).match(/^a=(sendrecv|sendonly|recvonly|inactive)$/gm)?.length, 1, 'one direction attribute on the stream');
      }
    });
  }
}

test('a session-level direction in the answer is overridden at the stream; each stream is held to its own offer', () => {
  const offer = sdp([], ...audio('sendonly'), ...audio('sendrecv', 5006));
  const answer = sdp(['a=sendrecv'], 'm=audio 6000 RTP/AVP 0', 'm=audio 6002 RTP/AVP 0');
  const out = conformAnswerDirections(offer, answer);
  assert.is(direction(out, 0), 'recvonly');
  assert.is(direction(out, 1), 'sendrecv');
});

test('an offer without any direction attribute is sendrecv: the answer stands; a held offer (c=0.0.0.0) is sendonly', () => {
  const answer = sdp([], ...audio('sendonly'));
  assert.is(conformAnswerDirections(sdp([], 'm=audio 5004 RTP/AVP 0'), answer), answer);
  const held = parseSdp(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 0.0.0.0', 't=0 0', 'm=audio 5004 RTP/AVP 0', ''].join('\r\n'));
  assert.is(direction(conformAnswerDirections(held, sdp([], 'm=audio 6000 RTP/AVP 0')), 0), 'recvonly');
});

test('disabled streams and streams the offer does not have are left alone', () => {
  const offer = sdp([], ...audio('inactive'), 'm=video 0 RTP/AVP 31');
  const answer = sdp([], 'm=audio 0 RTP/AVP 0', 'a=sendrecv', 'm=video 0 RTP/AVP 31', 'm=audio 7000 RTP/AVP 0');
  assert.is(conformAnswerDirections(offer, answer), answer);
});

test.run();
