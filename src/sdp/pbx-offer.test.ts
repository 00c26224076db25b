import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rtpmapsOf } from './attributes.js';
import { G722, OPUS, PCMA, PCMU } from './codecs.js';
import { pbxOffer } from './pbx-offer.js';
import { checkAnswer, rewriteConnection } from './offer-answer.js';
import { serializeSdp } from './serialize.js';
import { parseSdp } from './parse.js';

test('every codec, static payload types where RFC 3551 has them, telephone-event at 101', () => {
  const sd = pbxOffer([PCMU, PCMA, G722, OPUS]);
  const m = sd.media[0]!;
  assert.equal(m.formats, ['0', '8', '9', '96', '101']);
  const maps = rtpmapsOf(m);
  assert.is(maps.get('96')?.encoding, 'opus');
  assert.is(maps.get('96')?.clockRate, 48000);
  assert.is(maps.get('101')?.encoding, 'telephone-event');
  assert.ok(m.attributes.some((a) => a.name === 'sendrecv'));
});

test('rewritten for a leg, it names only the PBX address: the placeholder is no RFC 2543 hold', () => {
  const out = serializeSdp(rewriteConnection(pbxOffer([PCMU]), { address: '127.0.0.1', ports: [4000] }));
  // (the o= line is stamped by the leg's SdpOrigin, not here)
  assert.equal(out.match(/^c=.*$/gm), ['c=IN IP4 127.0.0.1']);
  assert.match(out, /m=audio 4000 RTP\/AVP 0 101/);
});

test('the codec the other leg carries goes first', () => {
  assert.equal(pbxOffer([PCMU, PCMA, G722, OPUS], { name: 'G722', clockRate: 8000, channels: 1 }).media[0]!.formats, ['9', '0', '8', '96', '101']);
  // one we do not carry changes nothing
  assert.equal(pbxOffer([PCMU, PCMA], { name: 'GSM', clockRate: 8000, channels: 1 }).media[0]!.formats, ['0', '8', '101']);
});

test('a phone can answer it, and an answer with a codec not offered does not fit', () => {
  const offer = pbxOffer([PCMU, PCMA]);
  const ok = parseSdp(Buffer.from('v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n'));
  assert.ok(checkAnswer(offer, ok).ok);
  const bad = parseSdp(Buffer.from('v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 18\r\n'));
  assert.not.ok(checkAnswer(offer, bad).ok);
});

test.run();
