import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rtcpReceiverReport, rtpPacket } from '../test-peers.js';
import { classifyRtpPort, INVALID, isRtcp, RTCP, RTP, rtpPayloadType, rtpSequence, rtpSsrc, rtpTimestamp } from './rtp-header.js';

test('reads the fixed header fields', () => {
  const b = rtpPacket({ seq: 0xfffe, ts: 0xdeadbeef, ssrc: 0x01020304, pt: 8, marker: true });
  assert.is(classifyRtpPort(b), RTP);
  assert.is(rtpSequence(b), 0xfffe);
  assert.is(rtpTimestamp(b), 0xdeadbeef);
  assert.is(rtpSsrc(b), 0x01020304);
  assert.is(rtpPayloadType(b), 8);
});

test('reads unsigned 32-bit fields, also from a view into a larger buffer', () => {
  const b = rtpPacket({ seq: 7, ts: 0xffffffff, ssrc: 0x80000001 });
  const big = Buffer.concat([Buffer.from([1, 2, 3]), b]).subarray(3);
  for (const x of [b, big]) {
    assert.is(rtpTimestamp(x), 0xffffffff);
    assert.is(rtpSsrc(x), 0x80000001);
    assert.is(rtpSequence(x), 7);
  }
});

test('version other than 2, or shorter than a header, is invalid', () => {
  const b = rtpPacket({ seq: 1, ts: 1, ssrc: 1 });
  assert.is(classifyRtpPort(b.subarray(0, 11)), INVALID);
  const v1 = Buffer.from(b);
  v1[0] = 0x40;
  assert.is(classifyRtpPort(v1), INVALID);
  assert.is(classifyRtpPort(Buffer.alloc(0)), INVALID);
  assert.is(classifyRtpPort(Buffer.from('INVITE sip:x SIP/2.0\r\n')), INVALID);
});

test('RTCP on the RTP port is recognised by its packet type (RFC 5761 §4)', () => {
  assert.is(classifyRtpPort(rtcpReceiverReport(5)), RTCP);
  assert.ok(isRtcp(rtcpReceiverReport(5)));
  assert.not.ok(isRtcp(Buffer.from([0x80, 201, 0, 1])));
  // Payload types 64-95 with the marker bit look like 192-223: RFC 5761 §4 rules them out for RTP.
  assert.is(classifyRtpPort(rtpPacket({ seq: 1, ts: 1, ssrc: 1, pt: 72, marker: true })), RTCP);
});

test.run();
