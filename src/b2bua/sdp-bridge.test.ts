import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { refusedMediaAddress, SdpBridge } from './sdp-bridge.js';
import type { CallMediaSession } from './ports.js';
import { parseSdp } from '../sdp/parse.js';
import { restrictCodecs } from '../sdp/restrict-codecs.js';
import { serializeSdp } from '../sdp/serialize.js';

const OWN = ['192.0.2.10', '192.0.2.11'];

test('special-use and own addresses are refused unless they are the signalling source', () => {
  assert.is(refusedMediaAddress('127.0.0.1', '127.0.0.30', OWN), 'loopback address');
  assert.is(refusedMediaAddress('127.0.0.53', '127.0.0.30', OWN), 'loopback address');
  assert.is(refusedMediaAddress('0.0.0.0', '198.51.100.7', OWN), 'unspecified address');
  assert.is(refusedMediaAddress('169.254.169.254', '198.51.100.7', OWN), 'link-local address');
  assert.is(refusedMediaAddress('239.1.1.1', '198.51.100.7', OWN), 'multicast address');
  assert.is(refusedMediaAddress('192.0.2.11', '198.51.100.7', OWN), "the PBX's own address");
  assert.is(refusedMediaAddress('127.0.0.1', '127.0.0.1', OWN), undefined);
  assert.is(refusedMediaAddress('192.0.2.10', '192.0.2.10', OWN), undefined);
  // A phone behind NAT names its private address: not refused (latching finds it).
  assert.is(refusedMediaAddress('10.0.0.5', '198.51.100.7', OWN), undefined);
  assert.is(refusedMediaAddress('198.51.100.8', '198.51.100.7', OWN), undefined);
});

const media: CallMediaSession = {
  legA: { address: '192.0.2.10', rtpPort: 20000 },
  legB: { address: '192.0.2.10', rtpPort: 20002 },
  setRemote: async () => {},
  setHold: async () => {},
  resetLatch: async () => {},
  release: async () => null,
  onTimeout: () => {},
  onEnded: () => {},
};

function offer(address: string, port: number): Buffer {
  return Buffer.from(`v=0\r\no=- 1 1 IN IP4 ${address}\r\ns=-\r\nc=IN IP4 ${address}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`);
}

test('a refused SDP address becomes a latch-only remote that only the signalling source may latch', () => {
  const bridge = new SdpBridge('192.0.2.10', OWN);
  const { callerRemote } = bridge.offerToCallee(offer('127.0.0.1', 8125), media, '127.0.0.30');
  assert.equal(callerRemote, { address: '127.0.0.1', port: 8125, rtcpPort: 8126, allowedSources: ['127.0.0.30'], latchOnly: true, payloadClocks: [[0, 8000]] });
});

test('an ordinary SDP address is sent to at once, and it or the signalling source may latch', () => {
  const bridge = new SdpBridge('192.0.2.10', OWN);
  const { callerRemote } = bridge.offerToCallee(offer('10.0.0.5', 4000), media, '198.51.100.7');
  assert.equal(callerRemote, { address: '10.0.0.5', port: 4000, rtcpPort: 4001, allowedSources: ['10.0.0.5', '198.51.100.7'], payloadClocks: [[0, 8000]] });
});

test("each remote carries its formats' RTP clocks for jitter: opus 48 kHz, G722 8 kHz (RFC 3551), telephone-event left out (0)", () => {
  const bridge = new SdpBridge('192.0.2.10', OWN);
  const sdp = Buffer.from(
    'v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 4000 RTP/AVP 111 9 0 101\r\n' +
      'a=rtpmap:111 opus/48000/2\r\na=rtpmap:9 G722/8000\r\na=rtpmap:101 telephone-event/8000\r\n',
  );
  const { callerRemote } = bridge.offerToCallee(sdp, media, '198.51.100.7');
  assert.equal(callerRemote.payloadClocks, [[111, 48000], [9, 8000], [0, 8000], [101, 0]]);
});

function sdpWith(address: string, port: number, fmts: string, attrs: string[], dir = 'sendrecv'): Buffer {
  return Buffer.from([`v=0`, `o=- 1 1 IN IP4 ${address}`, 's=-', `c=IN IP4 ${address}`, 't=0 0', `m=audio ${port} RTP/AVP ${fmts}`, ...attrs, `a=${dir}`, ''].join('\r\n'));
}
const mOf = (b: Buffer) => /m=audio \d+ RTP\/AVP ([^\r\n]*)/.exec(b.toString())?.[1];

test("transcoding: the callee's G722 answer gives the caller PCMU and the legs their codecs; a trunk's codecs: still cut the widened offer", () => {
  const bridge = new SdpBridge('192.0.2.10', OWN);
  const pcmuOnly = sdpWith('10.0.0.5', 4000, '0', ['a=rtpmap:0 PCMU/8000']);
  const { body } = bridge.offerToCallee(pcmuOnly, media, '10.0.0.5');
  assert.is(mOf(body), '0 8 9 96 101 97');
  // A trunk with codecs: [ G722 ] is offered G722 (and telephone-event) only.
  assert.is(mOf(Buffer.from(serializeSdp(restrictCodecs(parseSdp(body), ['G722'])!))), '9 101');
  const answer = bridge.answerToCaller(sdpWith('10.0.0.6', 5000, '9 101', ['a=rtpmap:9 G722/8000', 'a=rtpmap:101 telephone-event/8000']), media, '10.0.0.6')!;
  assert.is(mOf(answer.body), '0');
  assert.equal(answer.codecs, { a: { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1 }, b: { payloadType: 9, name: 'G722', clockRate: 8000, channels: 1, telephoneEvent: 101 } });
  // The 200 after a 183 maps the same way (its offer was answered already).
  assert.is(mOf(bridge.answerToCaller(sdpWith('10.0.0.6', 5000, '9', ['a=rtpmap:9 G722/8000']), media, '10.0.0.6')!.body), '0');
});

test('an answer the PBX cannot map (a codec it cannot transcode, never offered) gets nothing: 488 as before', () => {
  const bridge = new SdpBridge('192.0.2.10', OWN);
  bridge.offerToCallee(sdpWith('10.0.0.5', 4000, '111', ['a=rtpmap:111 opus/48000/2']), media, '10.0.0.5');
  assert.is(bridge.answerToCaller(sdpWith('10.0.0.6', 5000, '11', []), media, '10.0.0.6'), undefined);
});

test('an Opus callee answering opus with telephone-event/48000 (as Opus phones do) is accepted: the PCMU caller keeps its telephone-event/8000', () => {
  const bridge = new SdpBridge('192.0.2.10', OWN);
  const { body } = bridge.offerToCallee(sdpWith('10.0.0.5', 4000, '0 101', ['a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000']), media, '10.0.0.5');
  assert.match(body.toString(), /a=rtpmap:97 telephone-event\/48000/);
  const answer = bridge.answerToCaller(sdpWith('10.0.0.6', 5000, '96 97', ['a=rtpmap:96 opus/48000/2', 'a=fmtp:96 useinbandfec=1', 'a=rtpmap:97 telephone-event/48000']), media, '10.0.0.6')!;
  assert.ok(answer, 'not 488');
  assert.is(mOf(answer.body), '0 101');
  assert.equal(answer.codecs, {
    a: { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1, telephoneEvent: 101 },
    b: { payloadType: 96, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1', telephoneEvent: 97 },
  });
});

test('an Opus caller offering telephone-event/48000 keeps it on the way to the callee', () => {
  const bridge = new SdpBridge('192.0.2.10', OWN);
  const { body } = bridge.offerToCallee(sdpWith('10.0.0.5', 4000, '111 110', ['a=rtpmap:111 opus/48000/2', 'a=rtpmap:110 telephone-event/48000']), media, '10.0.0.5');
  assert.is(mOf(body), '111 110 0 8 9 101');
  const answer = bridge.answerToCaller(sdpWith('10.0.0.6', 5000, '111 110', ['a=rtpmap:111 opus/48000/2', 'a=rtpmap:110 telephone-event/48000']), media, '10.0.0.6')!;
  assert.is(mOf(answer.body), '111 110');
  assert.not.ok(answer.codecs && answer.codecs.a.name !== answer.codecs.b.name, 'same codec: relay');
});

test("a re-INVITE (hold) from the G722 callee is widened for the PCMU caller, and the caller's PCMU answer is mapped back to G722", () => {
  const bridge = new SdpBridge('192.0.2.10', OWN);
  bridge.offerToCallee(sdpWith('10.0.0.5', 4000, '0', ['a=rtpmap:0 PCMU/8000']), media, '10.0.0.5');
  bridge.answerToCaller(sdpWith('10.0.0.6', 5000, '9', ['a=rtpmap:9 G722/8000']), media, '10.0.0.6');
  const hold = bridge.relayOffer('b', sdpWith('10.0.0.6', 5000, '9', ['a=rtpmap:9 G722/8000'], 'sendonly'), media, '10.0.0.6')!;
  assert.ok(hold.hold);
  assert.is(mOf(hold.body), '9 0 8 96 101 97');
  const back = bridge.relayAnswer('a', sdpWith('10.0.0.5', 4000, '0', ['a=rtpmap:0 PCMU/8000'], 'recvonly'), media, '10.0.0.5')!;
  assert.is(mOf(back.body), '9');
  assert.match(back.body.toString(), /a=recvonly/);
  assert.equal(back.codecs, { a: { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1 }, b: { payloadType: 9, name: 'G722', clockRate: 8000, channels: 1 } });
});

// RFC 3264 §6.1: the answer relayed to the offerer never contradicts its offer (a browser refuses it).
const ALLOWED: Record<string, Record<string, string>> = {
  sendrecv: { sendrecv: 'sendrecv', sendonly: 'sendonly', recvonly: 'recvonly', inactive: 'inactive' },
  sendonly: { sendrecv: 'recvonly', sendonly: 'inactive', recvonly: 'recvonly', inactive: 'inactive' },
  recvonly: { sendrecv: 'sendonly', sendonly: 'sendonly', recvonly: 'inactive', inactive: 'inactive' },
  inactive: { sendrecv: 'inactive', sendonly: 'inactive', recvonly: 'inactive', inactive: 'inactive' },
};
const dirOf = (b: Buffer) => b.toString().match(/^a=(sendrecv|sendonly|recvonly|inactive)\r?$/gm)?.map((l) => l.slice(2).trim());
for (const offered of Object.keys(ALLOWED)) {
  for (const answered of Object.keys(ALLOWED[offered]!)) {
    test(`a re-INVITE offering ${offered} answered ${answered} by the other leg reaches the offerer as ${ALLOWED[offered]![answered]}`, () => {
      const bridge = new SdpBridge('192.0.2.10', OWN);
      bridge.offerToCallee(sdpWith('10.0.0.5', 4000, '0', ['a=rtpmap:0 PCMU/8000']), media, '10.0.0.5');
      bridge.answerToCaller(sdpWith('10.0.0.6', 5000, '0', ['a=rtpmap:0 PCMU/8000']), media, '10.0.0.6');
      const re = bridge.relayOffer('a', sdpWith('10.0.0.5', 4000, '0', ['a=rtpmap:0 PCMU/8000'], offered), media, '10.0.0.5')!;
      assert.equal(dirOf(re.body), [offered], 'the offer passes with its direction');
      const back = bridge.relayAnswer('b', sdpWith('10.0.0.6', 5000, '0', ['a=rtpmap:0 PCMU/8000'], answered), media, '10.0.0.6')!;
      assert.ok(back, 'the answer is relayed, not refused');
      assert.equal(dirOf(back.body), [ALLOWED[offered]![answered]]);
    });
  }
}

test.run();
