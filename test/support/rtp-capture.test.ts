// The wire checks of the call harness on made-up captures: a relay in the path, a direct path,
// and injected RTP, so that each count is known to move when it should.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readPcapUdp, writePcapUdp } from './pcap.js';
import { mediaReport } from './rtp-capture.js';
import { STRAY_MARKER } from './call-harness.js';

const rtp = (seq: number, fill = 0xff) => {
  const b = Buffer.alloc(172, fill);
  b[0] = 0x80;
  b.writeUInt16BE(seq, 2);
  return b;
};
const pkt = (src: string, srcPort: number, dst: string, dstPort: number, payload = rtp(1)) => ({ src, srcPort, dst, dstPort, payload });

test('a pcap file round-trips; junk and truncated records are skipped, not thrown', () => {
  const file = writePcapUdp([pkt('127.0.0.1', 4000, '127.0.0.1', 20000), pkt('127.0.0.9', 5, '127.0.0.2', 6, Buffer.from('x'))]);
  const back = readPcapUdp(file);
  assert.is(back.length, 2);
  assert.equal({ ...back[1]!, timeUs: 0, payload: back[1]!.payload.toString() }, { src: '127.0.0.9', srcPort: 5, dst: '127.0.0.2', dstPort: 6, timeUs: 0, payload: 'x' });
  assert.is(readPcapUdp(file.subarray(0, file.length - 3)).length, 1);
  assert.equal(readPcapUdp(Buffer.from('not a pcap file at all, really')), []);
});

test('a relayed call: both sides send and receive, from the relay, nothing direct', () => {
  const caller = { host: '127.0.0.1', port: 4000 };
  const callee = { host: '127.0.0.1', port: 5000 };
  const packets = [];
  for (let i = 0; i < 10; i++) {
    packets.push(pkt('127.0.0.1', 4000, '127.0.0.1', 20000, rtp(i))); // caller -> relay leg A
    packets.push(pkt('127.0.0.1', 20002, '127.0.0.1', 5000, rtp(i))); // relay leg B -> callee
    packets.push(pkt('127.0.0.1', 5000, '127.0.0.1', 20002, rtp(i))); // echo -> relay
    packets.push(pkt('127.0.0.1', 20000, '127.0.0.1', 4000, rtp(i))); // relay -> caller
  }
  packets.push(pkt('127.0.0.1', 20000, '127.0.0.1', 4000, Buffer.from('not rtp'))); // ignored
  const m = mediaReport(readPcapUdp(writePcapUdp(packets)), { caller, callee });
  assert.equal(
    { ...m },
    { callerSent: 10, callerReceived: 10, calleeSent: 10, calleeReceived: 10, direct: 0, callerSources: { '127.0.0.1:20000': 10 }, calleeSources: { '127.0.0.1:20002': 10 }, strayDelivered: 0, toUnreachable: 0 },
  );
});

test('end-to-end media counts as direct; injected RTP that gets through and RTP to a dead SDP address are counted', () => {
  const caller = { host: '127.0.0.1', port: 4000 };
  const callee = { host: '127.0.0.1', port: 5000 };
  const stray = rtp(7, 0);
  STRAY_MARKER.copy(stray, 12);
  const m = mediaReport(
    [
      pkt('127.0.0.1', 4000, '127.0.0.1', 5000),
      pkt('127.0.0.1', 5000, '127.0.0.1', 4000),
      pkt('127.0.0.1', 20002, '127.0.0.1', 5000, stray),
      pkt('127.0.0.1', 20000, '127.0.0.5', 5000 + 1000),
    ].map((p) => ({ ...p, timeUs: 0 })),
    { caller, callee, marker: STRAY_MARKER, unreachable: [{ host: '127.0.0.5', port: 6000 }] },
  );
  assert.is(m.direct, 2);
  assert.is(m.strayDelivered, 1);
  assert.is(m.calleeReceived, 2);
  assert.is(m.toUnreachable, 1);
});

test.run();
