import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mapAnswer } from './answer-mapping.js';
import { TRANSCODABLE_CODECS } from './codecs.js';
import { checkAnswer } from './offer-answer.js';
import { parseSdp } from './parse.js';
import { serializeSdp } from './serialize.js';
import { augmentOffer } from './transcode-offer.js';

function sdp(m: string, attrs: string[]): ReturnType<typeof parseSdp> {
  return parseSdp(Buffer.from(['v=0', 'o=- 1 1 IN IP4 10.0.0.5', 's=-', 'c=IN IP4 10.0.0.5', 't=0 0', m, ...attrs, ''].join('\r\n')));
}

function mline(sd: ReturnType<typeof parseSdp>): string {
  return serializeSdp(sd).split('\r\n').find((l) => l.startsWith('m='))!;
}

test("a PCMU-only offer is widened with PCMA, G722, opus and telephone-event at 8000 and 48000, the caller's own codec first", () => {
  const out = augmentOffer(sdp('m=audio 4000 RTP/AVP 0', ['a=rtpmap:0 PCMU/8000', 'a=ptime:20']), TRANSCODABLE_CODECS);
  assert.is(mline(out), 'm=audio 4000 RTP/AVP 0 8 9 96 101 97');
  const text = serializeSdp(out);
  assert.match(text, /a=rtpmap:8 PCMA\/8000\r\n/);
  assert.match(text, /a=rtpmap:9 G722\/8000\r\n/);
  assert.match(text, /a=rtpmap:96 opus\/48000\/2\r\n/);
  // telephone-event/8000 keeps the 101 most phones use; Opus phones get theirs at 48000 (RFC 4733 §2.1).
  assert.match(text, /a=rtpmap:101 telephone-event\/8000\r\na=fmtp:101 0-15\r\n/);
  assert.match(text, /a=rtpmap:97 telephone-event\/48000\r\na=fmtp:97 0-15\r\n/);
  // The new per-format lines follow the caller's own, before its stream-wide lines.
  assert.ok(text.indexOf('a=rtpmap:97') < text.indexOf('a=ptime:20'));
});

test('the order is stable and codecs the caller already offers are not repeated; its telephone-event is kept', () => {
  const out = augmentOffer(sdp('m=audio 4000 RTP/AVP 9 0 96', ['a=rtpmap:9 G722/8000', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:96 telephone-event/8000']), TRANSCODABLE_CODECS);
  assert.is(mline(out), 'm=audio 4000 RTP/AVP 9 0 96 8 101 97');
  assert.match(serializeSdp(out), /a=rtpmap:101 opus\/48000\/2\r\na=rtpmap:97 telephone-event\/48000/);
});

test('an Opus-only offer with telephone-event/48000 is widened with the G.711/G.722 codecs and telephone-event/8000; a disabled stream is left alone', () => {
  const opus = sdp('m=audio 4000 RTP/AVP 111 110', ['a=rtpmap:111 opus/48000/2', 'a=fmtp:111 useinbandfec=1', 'a=rtpmap:110 telephone-event/48000']);
  const out = augmentOffer(opus, TRANSCODABLE_CODECS);
  assert.is(mline(out), 'm=audio 4000 RTP/AVP 111 110 0 8 9 101');
  assert.match(serializeSdp(out), /a=rtpmap:101 telephone-event\/8000/);
  assert.not.match(serializeSdp(out), /telephone-event\/48000[^]*telephone-event\/48000/);
  const off = sdp('m=audio 0 RTP/AVP 0', []);
  assert.is(mline(augmentOffer(off, TRANSCODABLE_CODECS)), 'm=audio 0 RTP/AVP 0');
  const l16 = sdp('m=audio 4000 RTP/AVP 96', ['a=rtpmap:96 L16/8000']);
  assert.equal(augmentOffer(l16, TRANSCODABLE_CODECS), l16, 'nothing the PBX decodes: left as it is');
});

test('a static payload type the caller uses for something else is not reused: a dynamic one is taken', () => {
  const out = augmentOffer(sdp('m=audio 4000 RTP/AVP 0 9', ['a=rtpmap:9 L16/8000']), TRANSCODABLE_CODECS);
  const text = serializeSdp(out);
  assert.is(mline(out), 'm=audio 4000 RTP/AVP 0 9 8 96 97 101 98');
  assert.match(text, /a=rtpmap:96 G722\/8000/);
  assert.match(text, /a=rtpmap:101 telephone-event\/8000/);
});

const CALLER = sdp('m=audio 4000 RTP/AVP 0 101', ['a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15']);
const SENT = augmentOffer(CALLER, TRANSCODABLE_CODECS);

test('the callee picks G722, which only the PBX offered: the caller is answered PCMU from its own offer, and the legs transcode', () => {
  const answer = sdp('m=audio 5000 RTP/AVP 9 101', ['a=rtpmap:9 G722/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-11', 'a=ptime:20', 'a=sendrecv']);
  assert.ok(checkAnswer(SENT, answer).ok);
  const m = mapAnswer(CALLER, SENT, answer, TRANSCODABLE_CODECS)!;
  assert.ok(m.transcoded);
  assert.is(mline(m.answer), 'm=audio 5000 RTP/AVP 0 101');
  assert.ok(checkAnswer(CALLER, m.answer).ok, 'the caller gets an answer that fits its own offer');
  const text = serializeSdp(m.answer);
  assert.match(text, /a=rtpmap:0 PCMU\/8000\r\na=rtpmap:101 telephone-event\/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv/);
  assert.not.match(text, /G722/);
  assert.equal(m.offerer, { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1, telephoneEvent: 101 });
  assert.equal(m.answerer, { payloadType: 9, name: 'G722', clockRate: 8000, channels: 1, telephoneEvent: 101 });
});

test('the callee picks the caller\'s own codec: plain relay, and the codecs the PBX added are cut from the answer', () => {
  const answer = sdp('m=audio 5000 RTP/AVP 0 8 101', ['a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000']);
  const m = mapAnswer(CALLER, SENT, answer, TRANSCODABLE_CODECS)!;
  assert.not.ok(m.transcoded);
  assert.is(mline(m.answer), 'm=audio 5000 RTP/AVP 0 101');
  assert.is(m.offerer!.name, 'PCMU');
  assert.is(m.answerer!.name, 'PCMU');
});

test('telephone-event is answered to a caller that offered it even when the callee has none (the PBX interworks DTMF)', () => {
  const answer = sdp('m=audio 5000 RTP/AVP 8', ['a=rtpmap:8 PCMA/8000']);
  const m = mapAnswer(CALLER, SENT, answer, TRANSCODABLE_CODECS)!;
  assert.ok(m.transcoded);
  assert.is(mline(m.answer), 'm=audio 5000 RTP/AVP 0 101');
  assert.is(m.offerer!.telephoneEvent, 101);
  assert.is(m.answerer!.telephoneEvent, undefined);
  assert.is(m.answerer!.payloadType, 8);
  // The same on the relay path: the callee shares PCMU but has no telephone-event.
  const relay = mapAnswer(CALLER, SENT, sdp('m=audio 5000 RTP/AVP 0', ['a=rtpmap:0 PCMU/8000']), TRANSCODABLE_CODECS)!;
  assert.not.ok(relay.transcoded);
  assert.is(mline(relay.answer), 'm=audio 5000 RTP/AVP 0 101');
  assert.match(serializeSdp(relay.answer), /a=rtpmap:101 telephone-event\/8000\r\na=fmtp:101 0-15/);
  assert.is(relay.offerer!.telephoneEvent, 101);
  assert.is(relay.answerer!.telephoneEvent, undefined);
  // A caller that offered none gets none.
  const plain = sdp('m=audio 4000 RTP/AVP 0', ['a=rtpmap:0 PCMU/8000']);
  const noTe = mapAnswer(plain, augmentOffer(plain, TRANSCODABLE_CODECS), sdp('m=audio 5000 RTP/AVP 0 101', ['a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000']), TRANSCODABLE_CODECS)!;
  assert.is(mline(noTe.answer), 'm=audio 5000 RTP/AVP 0');
  assert.is(noTe.offerer!.telephoneEvent, undefined);
  assert.is(noTe.answerer!.telephoneEvent, 101);
});

test('an answer with a codec the PBX cannot transcode and the caller never offered maps to nothing (488)', () => {
  const opusCaller = sdp('m=audio 4000 RTP/AVP 111 0', ['a=rtpmap:111 opus/48000/2', 'a=rtpmap:0 PCMU/8000']);
  const sent = augmentOffer(opusCaller, TRANSCODABLE_CODECS);
  // Opus was offered by the caller: relay, fine.
  assert.not.ok(mapAnswer(opusCaller, sent, sdp('m=audio 5000 RTP/AVP 111', ['a=rtpmap:111 opus/48000/2']), TRANSCODABLE_CODECS)!.transcoded);
  // Only Opus offered, the callee answers L16 (not in the offer it got; a broken callee): nothing to give the caller.
  const opusOnly = sdp('m=audio 4000 RTP/AVP 111', ['a=rtpmap:111 opus/48000/2']);
  assert.is(mapAnswer(opusOnly, opusOnly, sdp('m=audio 5000 RTP/AVP 11', []), TRANSCODABLE_CODECS), undefined);
});

test('a PCMU caller and an Opus callee answering with telephone-event/48000: transcoded, each leg with its own telephone-event', () => {
  const answer = sdp('m=audio 5000 RTP/AVP 96 97', ['a=rtpmap:96 opus/48000/2', 'a=fmtp:96 useinbandfec=1;maxaveragebitrate=20000', 'a=rtpmap:97 telephone-event/48000', 'a=fmtp:97 0-15']);
  assert.ok(checkAnswer(SENT, answer).ok, 'telephone-event/48000 was offered to it');
  const m = mapAnswer(CALLER, SENT, answer, TRANSCODABLE_CODECS)!;
  assert.ok(m.transcoded);
  assert.is(mline(m.answer), 'm=audio 5000 RTP/AVP 0 101');
  assert.ok(checkAnswer(CALLER, m.answer).ok);
  assert.equal(m.offerer, { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1, telephoneEvent: 101 });
  assert.equal(m.answerer, { payloadType: 96, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1;maxaveragebitrate=20000', telephoneEvent: 97 });
});

test('an Opus callee answering telephone-event/8000 (as baresip and linphone do beside Opus): its telephone-event is that one, with its clock rate said', () => {
  const answer = sdp('m=audio 5000 RTP/AVP 96 101', ['a=rtpmap:96 opus/48000/2', 'a=rtpmap:101 telephone-event/8000']);
  const m = mapAnswer(CALLER, SENT, answer, TRANSCODABLE_CODECS)!;
  assert.ok(m.transcoded);
  assert.is(mline(m.answer), 'm=audio 5000 RTP/AVP 0 101');
  assert.equal(m.answerer, { payloadType: 96, name: 'opus', clockRate: 48000, channels: 2, telephoneEvent: 101, telephoneEventClockRate: 8000 });
  assert.equal(m.offerer, { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1, telephoneEvent: 101 });
});

test('a rejected stream maps through unchanged and names no codecs', () => {
  const m = mapAnswer(CALLER, SENT, sdp('m=audio 0 RTP/AVP 0', []), TRANSCODABLE_CODECS)!;
  assert.is(m.offerer, undefined);
  assert.is(mline(m.answer), 'm=audio 0 RTP/AVP 0');
});

test.run();
