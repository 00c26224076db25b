import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSdp } from './parse.js';
import { restrictCodecs } from './restrict-codecs.js';
import { serializeSdp } from './serialize.js';

const OFFER = [
  'v=0',
  'o=- 1 1 IN IP4 192.0.2.1',
  's=-',
  'c=IN IP4 192.0.2.1',
  't=0 0',
  'm=audio 4000 RTP/AVP 0 8 9 111 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 useinbandfec=1',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=sendrecv',
  '',
].join('\r\n');

test('keeps the allowed codecs and telephone-event with their lines, nothing else', () => {
  const out = restrictCodecs(parseSdp(OFFER), ['pcma'])!;
  const m = out.media[0]!;
  assert.equal(m.formats, ['8', '101']);
  const text = serializeSdp(out);
  assert.ok(text.includes('a=rtpmap:8 PCMA/8000'));
  assert.ok(text.includes('a=fmtp:101 0-16'));
  assert.not.ok(text.includes('opus'), text);
  assert.not.ok(text.includes('useinbandfec'), text);
  assert.ok(text.includes('a=sendrecv'), 'stream attributes stay');
});

test('static payload types without rtpmap are recognised (9 is G722)', () => {
  const out = restrictCodecs(parseSdp(OFFER), ['G722', 'PCMU'])!;
  assert.equal(out.media[0]!.formats, ['0', '9', '101']);
});

test('no allowed codec in an audio stream: undefined (the trunk cannot take the call)', () => {
  assert.is(restrictCodecs(parseSdp(OFFER), ['G729']), undefined);
});

test.run();
