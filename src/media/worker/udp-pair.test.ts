import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bindRtpPair, type RtpSockets } from './udp-pair.js';

test('the RTP socket of a pair gets a larger kernel receive buffer than the default the RTCP socket keeps', async () => {
  // Any free even port: what is checked is the socket option.
  let pair: RtpSockets | undefined;
  for (let port = 46_000; !pair && port < 47_000; port += 2) pair = await bindRtpPair('127.0.0.1', port, 4, () => undefined).catch(() => undefined);
  if (!pair) throw new Error('no free port pair in 46000-46999');
  const { rtp, rtcp } = pair;
  try {
    assert.ok(rtp.getRecvBufferSize() > rtcp.getRecvBufferSize(), `rtp ${rtp.getRecvBufferSize()} vs rtcp ${rtcp.getRecvBufferSize()}`);
    assert.ok(rtp.getSendBufferSize() > rtcp.getSendBufferSize());
  } finally {
    rtp.close();
    rtcp.close();
  }
});

test.run();
