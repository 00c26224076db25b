import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mediaEndpoint } from './endpoint.js';
import { parseSdp } from './parse.js';
import { SdpError, type SdpErrorReason } from './sdp-error.js';
import type { SessionDescription } from './types.js';

const fixture = (name: string): SessionDescription => parseSdp(readFileSync(new URL(`./fixtures/${name}.sdp`, import.meta.url)));
function sdp(session: string[], ...media: string[]): SessionDescription {
  return parseSdp(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', ...session, 't=0 0', ...media, ''].join('\r\n'));
}

function throwsSdp(f: () => unknown, reason: SdpErrorReason): void {
  try {
    f();
  } catch (err) {
    assert.instance(err, SdpError);
    assert.is((err as SdpError).reason, reason);
    return;
  }
  assert.unreachable('no error');
}

test('session c=, RTCP on port + 1', () => {
  assert.equal(mediaEndpoint(fixture('sipp-pcmu')), { address: '127.0.0.1', port: 6000, rtcpAddress: '127.0.0.1', rtcpPort: 6001, rtcpMux: false });
});

test('a=rtcp gives the RTCP port, and its address when it has one (RFC 3605)', () => {
  assert.equal(mediaEndpoint(fixture('linphone-offer')), { address: '192.168.1.34', port: 7078, rtcpAddress: '192.168.1.34', rtcpPort: 7079, rtcpMux: false });
  const sd = sdp(['c=IN IP4 192.0.2.1'], 'm=audio 5004 RTP/AVP 0', 'a=rtcp:6000 IN IP4 198.51.100.9', 'a=rtcp-mux');
  assert.equal(mediaEndpoint(sd), { address: '192.0.2.1', port: 5004, rtcpAddress: '198.51.100.9', rtcpPort: 6000, rtcpMux: true });
  // An unreadable a=rtcp is as good as none.
  assert.is(mediaEndpoint(sdp(['c=IN IP4 192.0.2.1'], 'm=audio 5004 RTP/AVP 0', 'a=rtcp:x')).rtcpPort, 5005);
});

test('the media c= wins; IPv6 canonical; IPv4-mapped folded to IPv4', () => {
  const video = fixture('rfc8866-full');
  assert.is(mediaEndpoint(video, 0).address, '198.51.100.1');
  assert.is(mediaEndpoint(video, 2).address, '2001:db8::2');
  assert.is(mediaEndpoint(sdp(['c=IN IP6 2001:DB8:0:0::0002'], 'm=audio 5004 RTP/AVP 0')).address, '2001:db8::2');
  assert.is(mediaEndpoint(sdp(['c=IN IP6 ::ffff:192.0.2.7'], 'm=audio 5004 RTP/AVP 0')).address, '192.0.2.7');
});

test('a disabled stream has port 0; a held one address 0.0.0.0', () => {
  const sd = sdp(['c=IN IP4 0.0.0.0'], 'm=audio 5004 RTP/AVP 0', 'm=video 0 RTP/AVP 31');
  assert.equal(mediaEndpoint(sd, 0), { address: '0.0.0.0', port: 5004, rtcpAddress: '0.0.0.0', rtcpPort: 5005, rtcpMux: false });
  assert.equal(mediaEndpoint(sd, 1), { address: '0.0.0.0', port: 0, rtcpAddress: '0.0.0.0', rtcpPort: 0, rtcpMux: false });
  assert.is(mediaEndpoint(sdp(['c=IN IP4 192.0.2.1'], 'm=audio 65535 RTP/AVP 0')).rtcpPort, 0);
});

test('errors: index, no c=, a name, a multicast group, another network type', () => {
  const sd = fixture('sipp-pcmu');
  throwsSdp(() => mediaEndpoint(sd, 1), 'bad-argument');
  throwsSdp(() => mediaEndpoint(sd, -1), 'bad-argument');
  throwsSdp(() => mediaEndpoint(sdp([], 'm=audio 5004 RTP/AVP 0')), 'no-connection');
  throwsSdp(() => mediaEndpoint(sdp(['c=IN IP4 media.example.com'], 'm=audio 5004 RTP/AVP 0')), 'no-connection');
  throwsSdp(() => mediaEndpoint(sdp(['c=IN IP4 224.2.1.1/127'], 'm=audio 5004 RTP/AVP 0')), 'no-connection');
  throwsSdp(() => mediaEndpoint(sdp(['c=ATM NSAP 47.0091.8100.0000.0060.3e64.fd01.0060.3e64.fd01.00'], 'm=audio 5004 RTP/AVP 0')), 'no-connection');
  throwsSdp(() => mediaEndpoint(sdp(['c=IN IP4 300.1.1.1'], 'm=audio 5004 RTP/AVP 0')), 'no-connection');
});

test.run();
