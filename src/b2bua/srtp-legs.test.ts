import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSdp } from '../sdp/parse.js';
import { serializeSdp } from '../sdp/serialize.js';
import { parseSdesCrypto } from '../sdp/sdes-crypto.js';
import type { SessionDescription } from '../sdp/types.js';
import type { CallMediaSession, MediaSrtp } from './ports.js';
import { SrtpLegs } from './srtp-legs.js';

const KEY_A = Buffer.alloc(30, 1).toString('base64');
const KEY_B = Buffer.alloc(30, 2).toString('base64');

function sdp(proto: string, cryptos: string[] = []): SessionDescription {
  return parseSdp(
    Buffer.from(
      ['v=0', 'o=- 1 1 IN IP4 192.0.2.10', 's=-', 'c=IN IP4 192.0.2.10', 't=0 0', `m=audio 4000 ${proto} 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', ...cryptos.map((c) => `a=crypto:${c}`), 'a=sendrecv', ''].join('\r\n'),
    ),
  );
}

function fakeMedia(): { media: CallMediaSession; calls: Array<[string, MediaSrtp | null]> } {
  const calls: Array<[string, MediaSrtp | null]> = [];
  const media = {
    setSrtp: async (leg: string, s: MediaSrtp | null) => {
      calls.push([leg, s]);
    },
  } as unknown as CallMediaSession;
  return { media, calls };
}

const cryptosOf = (sd: SessionDescription) => sd.media[0]!.attributes.filter((a) => a.name === 'crypto').map((a) => parseSdesCrypto(a.value)!);

test('TLS caller offering SRTP (RTP/SAVP): accepted, its key goes to the worker, our answer carries our own key in RTP/SAVP', () => {
  const legs = new SrtpLegs({ callerTls: true });
  const plain = legs.takeOffer('a', sdp('RTP/SAVP', [`7 AES_CM_128_HMAC_SHA1_32 inline:${KEY_A}`]));
  assert.is(plain.media[0]!.proto, 'RTP/AVP', 'the relay sees plain RTP');
  assert.is(cryptosOf(plain).length, 0, "the caller's key is never passed on");
  const answer = legs.decorateAnswer('a', plain);
  assert.is(answer.media[0]!.proto, 'RTP/SAVP');
  const [ours] = cryptosOf(answer);
  assert.is(ours!.tag, 7, 'the tag the offerer chose (RFC 4568 §7.1.2)');
  assert.is(ours!.suite, 'AES_CM_128_HMAC_SHA1_32');
  assert.not.equal(ours!.keySalt.toString('base64'), KEY_A, 'a key of our own');
  const { media, calls } = fakeMedia();
  legs.apply(media);
  assert.is(calls.length, 1);
  assert.is(calls[0]![0], 'a');
  assert.equal(Buffer.from(calls[0]![1]!.recvKey).toString('base64'), KEY_A);
  assert.equal(Buffer.from(calls[0]![1]!.sendKey), ours!.keySalt);
  legs.apply(media);
  assert.is(calls.length, 1, 'nothing changed: nothing sent again');
  assert.ok(legs.isSecure('a'));
});

test('best-effort SRTP (RTP/AVP + a=crypto) is answered in RTP/AVP with our key', () => {
  const legs = new SrtpLegs({ callerTls: true });
  const answer = legs.decorateAnswer('a', legs.takeOffer('a', sdp('RTP/AVP', ['x bad line', `1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_A}`])));
  assert.is(answer.media[0]!.proto, 'RTP/AVP');
  assert.is(cryptosOf(answer)[0]!.tag, 1, 'the first line we can use');
});

test('over UDP or TCP a=crypto is ignored (best-effort) and RTP/SAVP gets a refusal', () => {
  const legs = new SrtpLegs({ callerTls: false });
  const plain = legs.takeOffer('a', sdp('RTP/AVP', [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_A}`]));
  assert.is(cryptosOf(legs.decorateAnswer('a', plain)).length, 0);
  assert.not.ok(legs.isSecure('a'));
  assert.throws(() => legs.takeOffer('a', sdp('RTP/SAVP', [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_A}`])), /only over TLS/);
});

test('policy none ignores SDES and refuses RTP/SAVP; required refuses an offer without SRTP or without TLS', () => {
  const none = new SrtpLegs({ callerTls: true, caller: 'none' });
  assert.is(cryptosOf(none.decorateAnswer('a', none.takeOffer('a', sdp('RTP/AVP', [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_A}`])))).length, 0);
  assert.throws(() => none.takeOffer('a', sdp('RTP/SAVP', [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_A}`])), /turned off/);
  const required = new SrtpLegs({ callerTls: true, caller: 'required' });
  assert.throws(() => required.takeOffer('a', sdp('RTP/AVP')), /required/);
  assert.throws(() => required.takeOffer('a', sdp('RTP/SAVP', ['1 AES_CM_128_HMAC_SHA1_80 inline:short'])), /no usable a=crypto/);
  const requiredUdp = new SrtpLegs({ callerTls: false, caller: 'required' });
  assert.throws(() => requiredUdp.takeOffer('a', sdp('RTP/AVP', [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_A}`])), /needs TLS/);
});

test('callee offer: both suites offered; a UDP fork gets them stripped; a TLS answer picks one and keys leg B', () => {
  const legs = new SrtpLegs({ callerTls: false });
  const offer = legs.decorateOffer('b', sdp('RTP/AVP'));
  const offered = cryptosOf(offer);
  assert.equal(offered.map((c) => [c.tag, c.suite]), [[1, 'AES_CM_128_HMAC_SHA1_80'], [2, 'AES_CM_128_HMAC_SHA1_32']]);
  assert.is(offer.media[0]!.proto, 'RTP/AVP', 'optional: best-effort');
  const body = Buffer.from(serializeSdp(offer));
  assert.not.match(legs.forTarget(body, 'udp')!.toString(), /a=crypto/);
  assert.equal(legs.forTarget(body, 'tls'), body);

  legs.noteTransport('b', 'tls');
  legs.takeAnswer('b', sdp('RTP/AVP', [`2 AES_CM_128_HMAC_SHA1_32 inline:${KEY_B}`]));
  assert.is(cryptosOf(legs.decorateOffer('b', sdp('RTP/AVP'))).length, 2, 'a re-offer to the TLS callee carries our keys again');
  const { media, calls } = fakeMedia();
  legs.apply(media);
  assert.equal(calls.map(([leg, s]) => [leg, s!.suite]), [['b', 'AES_CM_128_HMAC_SHA1_32']]);
  assert.equal(Buffer.from(calls[0]![1]!.sendKey), offered[1]!.keySalt);
  assert.equal(Buffer.from(calls[0]![1]!.recvKey).toString('base64'), KEY_B);
});

test('callee answers: a tag we never offered, or from a non-TLS fork, is ignored; required makes that a refusal', () => {
  const legs = new SrtpLegs({ callerTls: false });
  legs.decorateOffer('b', sdp('RTP/AVP'));
  legs.noteTransport('b', 'tls');
  legs.takeAnswer('b', sdp('RTP/AVP', [`9 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B}`]));
  assert.not.ok(legs.isSecure('b'));
  legs.takeAnswer('b', sdp('RTP/AVP', [`2 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B}`])); // tag 2 was _32
  assert.not.ok(legs.isSecure('b'));
  legs.noteTransport('b', 'udp');
  legs.takeAnswer('b', sdp('RTP/AVP', [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_B}`]));
  assert.not.ok(legs.isSecure('b'));
  assert.is(cryptosOf(legs.decorateOffer('b', sdp('RTP/AVP'))).length, 0, 'a re-INVITE to a callee on UDP carries no keys');
  const callerUdp = new SrtpLegs({ callerTls: false });
  assert.is(cryptosOf(callerUdp.decorateOffer('a', sdp('RTP/AVP'))).length, 0, 'nor an offer to a caller on UDP');

  const required = new SrtpLegs({ callerTls: false, callee: 'required' });
  const offer = required.decorateOffer('b', sdp('RTP/AVP'));
  assert.is(offer.media[0]!.proto, 'RTP/SAVP');
  assert.is(required.forTarget(Buffer.from(serializeSdp(offer)), 'udp'), undefined, 'a UDP fork cannot take a required SRTP offer: 488 for it');
  required.noteTransport('b', 'tls');
  assert.throws(() => required.takeAnswer('b', sdp('RTP/AVP')), /required/);
});

test('a re-offer with a new key re-keys both directions; the same key changes nothing', () => {
  const legs = new SrtpLegs({ callerTls: true });
  const { media, calls } = fakeMedia();
  legs.decorateAnswer('a', legs.takeOffer('a', sdp('RTP/SAVP', [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_A}`])));
  legs.apply(media);
  legs.decorateAnswer('a', legs.takeOffer('a', sdp('RTP/SAVP', [`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_A}`])));
  legs.apply(media);
  assert.is(calls.length, 1);
  const k2 = Buffer.alloc(30, 9).toString('base64');
  legs.decorateAnswer('a', legs.takeOffer('a', sdp('RTP/SAVP', [`1 AES_CM_128_HMAC_SHA1_80 inline:${k2}`])));
  legs.apply(media);
  assert.is(calls.length, 2);
  assert.not.equal(Buffer.from(calls[1]![1]!.sendKey), Buffer.from(calls[0]![1]!.sendKey), 'our key is new too');
  // Back to plain RTP (re-INVITE without crypto, optional policy): SRTP off.
  legs.takeOffer('a', sdp('RTP/AVP'));
  legs.apply(media);
  assert.equal(calls[2], ['a', null]);
});

test.run();
