import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PCMA } from './codecs.js';
import { checkAnswer, filterOffer } from './offer-answer.js';
import { parseSdp } from './parse.js';
import { SdpError } from './sdp-error.js';
import { serializeSdp } from './serialize.js';
import type { MediaDescription, SessionDescription } from './types.js';

const fixture = (name: string): SessionDescription =>
  parseSdp(readFileSync(new URL(`./fixtures/${name}.sdp`, import.meta.url), 'utf8'));

function sdp(...body: string[]): SessionDescription {
  return parseSdp(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', ...body, ''].join('\r\n'));
}

const attrs = (m: MediaDescription): string[] => m.attributes.map((a) => (a.value === undefined ? a.name : `${a.name}:${a.value}`));

test('linphone: opus, PCMU, PCMA and telephone-event/48000 and /8000 (the clocks of its codecs) stay, with their rtpmap and fmtp; /16000 and the rest go', () => {
  const offer = fixture('linphone-offer');
  const before = serializeSdp(offer);
  const out = filterOffer(offer)!;
  assert.ok(out);
  const m = out.media[0]!;
  assert.equal(m.formats, ['96', '0', '8', '101', '100']);
  assert.is(m.port, 7078);
  assert.equal(
    attrs(m).filter((a) => !a.startsWith('candidate')),
    ['rtpmap:96 opus/48000/2', 'fmtp:96 useinbandfec=1', 'rtpmap:101 telephone-event/48000', 'rtpmap:100 telephone-event/8000', 'rtcp:7079', 'rtcp-fb:* trr-int 1000', 'rtcp-fb:* ccm tmmbr'],
  );
  // Filtering is about codecs; stripping ICE is rewriteConnection's job.
  assert.is(attrs(m).filter((a) => a.startsWith('candidate')).length, 4);
  assert.equal(out.attributes, offer.attributes);
  assert.is(serializeSdp(offer), before, 'the offer itself is untouched');
});

test('Polycom: G722 first, the fmtp of kept telephone-event kept, G7221 and G729 dropped with theirs', () => {
  const m = filterOffer(fixture('polycom-g722'))!.media[0]!;
  assert.equal(m.formats, ['9', '0', '8', '127']);
  assert.equal(attrs(m), ['rtpmap:9 G722/8000', 'rtpmap:0 PCMU/8000', 'rtpmap:8 PCMA/8000', 'rtpmap:127 telephone-event/8000', 'fmtp:127 0-15']);
});

test('a dynamic payload type keeps its fmtp and rtcp-fb, and ptime stays', () => {
  const out = filterOffer(sdp('m=audio 5004 RTP/AVPF 111 18', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1', 'a=rtcp-fb:111 nack', 'a=rtcp-fb:18 nack', 'a=fmtp:18 annexb=no', 'a=ptime:20', 'a=maxptime:40'))!;
  assert.equal(out.media[0]!.formats, ['111']);
  assert.equal(attrs(out.media[0]!), ['rtpmap:111 opus/48000/2', 'fmtp:111 minptime=10;useinbandfec=1', 'rtcp-fb:111 nack', 'ptime:20', 'maxptime:40']);
  assert.is(out.media[0]!.proto, 'RTP/AVPF');
});

test('no common codec: undefined (the caller answers 488)', () => {
  assert.is(filterOffer(sdp('m=audio 5004 RTP/AVP 18 4', 'a=rtpmap:18 G729/8000')), undefined);
  assert.is(filterOffer(sdp('m=audio 5004 RTP/AVP 96', 'a=rtpmap:96 opus/48000')), undefined);
  assert.is(filterOffer(sdp('m=audio 5004 RTP/AVP 96')), undefined, 'a dynamic type without rtpmap is nothing');
});

test('telephone-event alone is not a call', () => {
  assert.is(filterOffer(sdp('m=audio 5004 RTP/AVP 101', 'a=rtpmap:101 telephone-event/8000')), undefined);
  assert.is(filterOffer(sdp('m=audio 5004 RTP/AVP 18 101', 'a=rtpmap:101 telephone-event/8000')), undefined);
});

test('telephone-event/8000 stays beside Opus alone (most Opus phones send it); /16000 with no 16 kHz codec goes', () => {
  const out = filterOffer(sdp('m=audio 5004 RTP/AVP 111 101 99', 'a=rtpmap:111 opus/48000/2', 'a=rtpmap:101 telephone-event/8000', 'a=rtpmap:99 telephone-event/16000'))!;
  assert.equal(out.media[0]!.formats, ['111', '101']);
});

test('only the codecs asked for', () => {
  const out = filterOffer(sdp('m=audio 5004 RTP/AVP 0 8 101', 'a=rtpmap:101 telephone-event/8000'), [PCMA])!;
  assert.equal(out.media[0]!.formats, ['8']);
  assert.is(filterOffer(sdp('m=audio 5004 RTP/AVP 0'), [PCMA]), undefined);
});

test('video and an application stream are disabled in place, not removed (RFC 3264 §8.2)', () => {
  const out = filterOffer(fixture('video-phone'))!;
  assert.is(out.media.length, 3);
  assert.equal(out.media[0]!.formats, ['9', '0', '8', '101']);
  assert.is(out.media[0]!.port, 11780);
  assert.equal(out.media[0]!.bandwidths, [{ type: 'AS', value: 64 }]);
  const video = out.media[1]!;
  assert.equal([video.type, video.port, video.proto, video.formats, video.attributes, video.bandwidths], ['video', 0, 'RTP/AVP', ['99'], [], []]);
  const app = out.media[2]!;
  assert.equal([app.type, app.port, app.formats, app.attributes, app.other], ['application', 0, ['*'], [], []]);
  assert.ok(serializeSdp(out).includes('\r\nm=video 0 RTP/AVP 99\r\nm=application 0 UDP/BFCP *\r\n'));
});

test('secure and WebRTC profiles are not relayed: a DTLS-only offer gets undefined', () => {
  assert.is(filterOffer(fixture('webrtc-dtls')), undefined);
  assert.is(filterOffer(sdp('m=audio 5004 RTP/SAVP 0', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz')), undefined);
  const mixed = filterOffer(sdp('m=audio 5004 RTP/SAVP 0', 'm=audio 5006 RTP/AVP 0'))!;
  assert.equal(
    mixed.media.map((m) => m.port),
    [0, 5006],
  );
});

test('several audio streams: each filtered on its own; an offered port 0 stays as it was', () => {
  const out = filterOffer(sdp('m=audio 0 RTP/AVP 0 8', 'a=ptime:30', 'm=audio 5004/2 RTP/AVP 18', 'm=audio 5008 rtp/avp 8 0', 'm=AUDIO 5010 RTP/AVP 9'))!;
  assert.equal(
    out.media.map((m) => [m.port, m.portCount, m.formats]),
    [
      [0, undefined, ['0', '8']],
      [0, undefined, ['18']],
      [5008, undefined, ['8', '0']],
      [5010, undefined, ['9']],
    ],
  );
  assert.equal(attrs(out.media[0]!), ['ptime:30']);
  assert.is(filterOffer(sdp('m=audio 0 RTP/AVP 0')), undefined, 'nothing enabled is nothing to relay');
});

test('checkAnswer: a fitting answer, including a renumbered codec and a rejected stream', () => {
  const offer = sdp('m=audio 5004 RTP/AVP 96 0 101', 'a=rtpmap:96 opus/48000/2', 'a=rtpmap:101 telephone-event/8000', 'm=video 0 RTP/AVP 99');
  assert.equal(checkAnswer(offer, sdp('m=audio 6000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000', 'm=video 0 RTP/AVP 99')), { ok: true });
  // RFC 3264 §6.1: the same payload type number SHOULD be used, so another one is accepted.
  assert.equal(checkAnswer(offer, sdp('m=audio 6000 RTP/AVP 111', 'a=rtpmap:111 OPUS/48000/2', 'm=video 0 RTP/AVP 31')), { ok: true });
  // An answer that leaves out the rtpmap of an offered dynamic type reads it through the offer's.
  assert.equal(checkAnswer(offer, sdp('m=audio 6000 RTP/AVP 96', 'm=video 0 RTP/AVP 99')), { ok: true });
  // Rejecting an offered stream is always allowed.
  assert.equal(checkAnswer(offer, sdp('m=audio 0 RTP/AVP 0', 'm=video 0 RTP/AVP 99')), { ok: true });
  // Real-world fixtures answer themselves.
  for (const name of ['linphone-offer', 'polycom-g722', 'sipp-pcmu', 'ipv6', 'video-phone']) {
    const f = fixture(name);
    assert.equal(checkAnswer(f, f), { ok: true }, name);
  }
});

test('checkAnswer: what does not fit, with the reason', () => {
  const offer = sdp('m=audio 5004 RTP/AVP 96 0', 'a=rtpmap:96 opus/48000/2', 'm=video 0 RTP/AVP 99');
  const cases: Array<[SessionDescription, RegExp]> = [
    [sdp('m=audio 6000 RTP/AVP 0'), /1 m= lines in the answer, 2 in the offer/],
    [sdp('m=audio 6000 RTP/AVP 0', 'm=video 0 RTP/AVP 99', 'm=video 0 RTP/AVP 99'), /3 m= lines/],
    [sdp('m=video 6000 RTP/AVP 0', 'm=video 0 RTP/AVP 99'), /m= line 0 is video in the answer, audio in the offer/],
    [sdp('m=audio 6000 RTP/AVP 8', 'm=video 0 RTP/AVP 99'), /m= line 0: format 8 was not offered/],
    [sdp('m=audio 6000 RTP/AVP 0 18', 'm=video 0 RTP/AVP 99'), /format 18 was not offered/],
    [sdp('m=audio 6000 RTP/AVP 96', 'a=rtpmap:96 speex/16000', 'm=video 0 RTP/AVP 99'), /format 96 was not offered/],
    [sdp('m=audio 6000 RTP/AVP 97', 'm=video 0 RTP/AVP 99'), /format 97 was not offered/],
    [sdp('m=audio 6000 RTP/AVP', 'm=video 0 RTP/AVP 99'), /accepted without a format/],
    [sdp('m=audio 6000 RTP/AVP 0', 'm=video 7000 RTP/AVP 99'), /m= line 1 was offered with port 0 and answered with port 7000/],
  ];
  for (const [answer, reason] of cases) {
    const r = checkAnswer(offer, answer);
    assert.is(r.ok, false, reason.source);
    if (!r.ok) {
      assert.instance(r.error, SdpError);
      assert.is(r.error.reason, 'answer-mismatch');
      assert.match(r.error.message, reason);
    }
  }
});

test('checkAnswer: formats that are no payload type must be offered literally', () => {
  const offer = sdp('m=application 5070 UDP/BFCP *');
  assert.equal(checkAnswer(offer, sdp('m=application 5070 UDP/BFCP *')), { ok: true });
  assert.is(checkAnswer(offer, sdp('m=application 5070 UDP/BFCP x')).ok, false);
});

test.run();
