import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSdp } from '../sdp/parse.js';
import { pickupAnswers, renumbered } from './pickup-answer.js';

const sdp = (lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n');
// The call's offer to its forks: the caller's PCMA first, PCMU, telephone-event as 101.
const callOffer = sdp(['v=0', 'o=pbx 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 20002 RTP/AVP 8 0 101', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16']);

test("the caller's preferred codec the picker also offers; each answer in its own offer's numbering; the picker's address in the callee answer", () => {
  const picker = sdp(['v=0', 'o=p 5 5 IN IP4 192.0.2.7', 's=-', 'c=IN IP4 192.0.2.7', 't=0 0', 'm=audio 4000 RTP/AVP 0 8 96', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:96 telephone-event/8000', 'a=fmtp:96 0-15']);
  const a = pickupAnswers(picker, callOffer, { address: '10.0.0.1', rtpPort: 20004 }, 42)!;
  assert.ok(a);
  const toPicker = parseSdp(a.toPicker);
  assert.equal(toPicker.media[0]!.formats, ['8', '96'], 'PCMA (the caller first) and the picker-numbered telephone-event');
  assert.is(toPicker.media[0]!.port, 20004);
  assert.match(a.toPicker.toString(), /c=IN IP4 10\.0\.0\.1/);
  assert.match(a.toPicker.toString(), /a=fmtp:96 0-15/);
  const asCallee = parseSdp(a.asCallee);
  assert.equal(asCallee.media[0]!.formats, ['8', '101']);
  assert.is(asCallee.media[0]!.port, 4000);
  assert.match(a.asCallee.toString(), /c=IN IP4 192\.0\.2\.7/);
  assert.equal(a.pickerCodec, { payloadType: 8, telephoneEvent: 96 });
  assert.equal(a.offerCodec, { payloadType: 8, telephoneEvent: 101 });
  assert.equal(renumbered({ payloadType: 8, name: 'PCMA', clockRate: 8000, channels: 1, telephoneEvent: 101 }, a), { payloadType: 8, name: 'PCMA', clockRate: 8000, channels: 1, telephoneEvent: 96 });
});

test('no codec in common, no audio, unreadable SDP: undefined (488); a second stream is refused with port 0', () => {
  const g722 = sdp(['v=0', 'o=p 5 5 IN IP4 192.0.2.7', 's=-', 'c=IN IP4 192.0.2.7', 't=0 0', 'm=audio 4000 RTP/AVP 9', 'a=rtpmap:9 G722/8000']);
  assert.is(pickupAnswers(g722, callOffer, { address: '10.0.0.1', rtpPort: 20004 }, 1), undefined);
  assert.is(pickupAnswers(Buffer.from('garbage'), callOffer, { address: '10.0.0.1', rtpPort: 20004 }, 1), undefined);
  const video = sdp(['v=0', 'o=p 5 5 IN IP4 192.0.2.7', 's=-', 'c=IN IP4 192.0.2.7', 't=0 0', 'm=video 5000 RTP/AVP 96', 'a=rtpmap:96 H264/90000']);
  assert.is(pickupAnswers(video, callOffer, { address: '10.0.0.1', rtpPort: 20004 }, 1), undefined);
  const twoStreams = sdp(['v=0', 'o=p 5 5 IN IP4 192.0.2.7', 's=-', 'c=IN IP4 192.0.2.7', 't=0 0', 'm=video 5000 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'm=audio 4000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000']);
  const a = pickupAnswers(twoStreams, callOffer, { address: '10.0.0.1', rtpPort: 20004 }, 1)!;
  const p = parseSdp(a.toPicker);
  assert.equal(p.media.map((m) => m.port), [0, 20004]);
  assert.equal(a.pickerCodec, { payloadType: 0 }, 'no telephone-event offered by the picker: none');
});

test.run();
