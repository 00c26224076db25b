import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { refusedMediaAddress, SdpBridge } from './sdp-bridge.js';
import type { CallMediaSession } from './ports.js';

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

test.run();
