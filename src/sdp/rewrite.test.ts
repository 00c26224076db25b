import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { direction, isHold } from './direction.js';
import { mediaEndpoint } from './endpoint.js';
import { filterOffer } from './offer-answer.js';
import { parseSdp } from './parse.js';
import { rewriteConnection } from './rewrite.js';
import { SdpError } from './sdp-error.js';
import { serializeSdp } from './serialize.js';
import type { SessionDescription } from './types.js';

const fixture = (name: string): SessionDescription => parseSdp(readFileSync(new URL(`./fixtures/${name}.sdp`, import.meta.url)));
function sdp(session: string[], ...media: string[]): SessionDescription {
  return parseSdp(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', ...session, 't=0 0', ...media, ''].join('\r\n'));
}
const PBX = '203.0.113.10';

test('linphone through filter and rewrite: the PBX address and port, no ICE, codecs and rtcp-fb kept', () => {
  const offer = fixture('linphone-offer');
  const before = serializeSdp(offer);
  const out = rewriteConnection(filterOffer(offer)!, { address: PBX, ports: [30000] });
  assert.is(
    serializeSdp(out),
    [
      'v=0',
      'o=alice 2109 1582 IN IP4 192.168.1.34',
      's=Talk',
      'c=IN IP4 203.0.113.10',
      't=0 0',
      'a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics',
      'a=record:off',
      'm=audio 30000 RTP/AVP 96 0 8 101 100',
      'a=rtpmap:96 opus/48000/2',
      'a=fmtp:96 useinbandfec=1',
      'a=rtpmap:101 telephone-event/48000',
      'a=rtpmap:100 telephone-event/8000',
      'a=rtcp:30001',
      'a=rtcp-fb:* trr-int 1000',
      'a=rtcp-fb:* ccm tmmbr',
      '',
    ].join('\r\n'),
  );
  assert.is(serializeSdp(offer), before, 'the input is untouched');
  assert.equal(mediaEndpoint(out), { address: PBX, port: 30000, rtcpAddress: PBX, rtcpPort: 30001, rtcpMux: false });
});

test('ptime, fmtp and direction survive; the address family follows the PBX address', () => {
  const v6 = fixture('ipv6');
  const to4 = rewriteConnection(v6, { address: PBX, ports: [40000] });
  assert.equal(to4.connection, { netType: 'IN', addrType: 'IP4', address: PBX });
  assert.equal(to4.media[0]!.attributes, v6.media[0]!.attributes);
  const to6 = rewriteConnection(fixture('sipp-pcmu'), { address: '2001:DB8::0:10', ports: [40000] });
  assert.equal(to6.connection, { netType: 'IN', addrType: 'IP6', address: '2001:db8::10' });
  assert.equal(to6.media[0]!.attributes, [{ name: 'rtpmap', value: '0 PCMU/8000' }]);
});

test('media-level c= lines are rewritten too, port counts dropped, disabled streams stay at port 0', () => {
  const out = rewriteConnection(fixture('rfc8866-full'), { address: PBX, ports: [30000, 30002, 30004] });
  assert.equal(
    out.media.map((m) => [m.port, m.portCount, m.connection?.address]),
    [
      [30000, undefined, undefined],
      [30002, undefined, undefined],
      [30004, undefined, PBX],
    ],
  );
  assert.equal(out.media[2]!.connection, { netType: 'IN', addrType: 'IP4', address: PBX });
  const video = rewriteConnection(filterOffer(fixture('video-phone'))!, { address: PBX, ports: [30000] });
  assert.equal(
    video.media.map((m) => m.port),
    [30000, 0, 0],
  );
});

test('a description with c= only per media gets a session-level one; ICE, rtcp-mux and BUNDLE go', () => {
  const sd = sdp(
    ['a=ice-lite', 'a=ice-options:trickle', 'a=group:BUNDLE 0', 'a=group:LS 0'],
    'm=audio 5004 RTP/AVP 0',
    'c=IN IP4 192.0.2.1',
    'a=ice-ufrag:x',
    'a=ICE-PWD:y',
    'a=candidate:1 1 UDP 2130706431 192.0.2.1 5004 typ host',
    'a=remote-candidates:1 192.0.2.1 5004',
    'a=end-of-candidates',
    'a=rtcp:5005 IN IP4 192.0.2.1',
    'a=rtcp-mux',
    'a=rtcp-mux-only',
    'a=ptime:20',
  );
  const out = rewriteConnection(sd, { address: PBX, ports: [30000] });
  assert.equal(out.connection, { netType: 'IN', addrType: 'IP4', address: PBX });
  assert.equal(out.attributes, [{ name: 'group', value: 'LS 0' }]);
  assert.equal(out.media[0]!.attributes, [
    { name: 'rtcp', value: '30001' },
    { name: 'ptime', value: '20' },
  ]);
  assert.equal(out.media[0]!.connection, { netType: 'IN', addrType: 'IP4', address: PBX });
});

test('an unreadable a=rtcp is dropped rather than relayed with the phone port', () => {
  const out = rewriteConnection(sdp(['c=IN IP4 192.0.2.1'], 'm=audio 5004 RTP/AVP 0', 'a=rtcp:junk'), { address: PBX, ports: [30000] });
  assert.equal(out.media[0]!.attributes, []);
});

test('an RFC 2543 hold (c=0.0.0.0) reaches the other leg as a hold', () => {
  const session = rewriteConnection(sdp(['c=IN IP4 0.0.0.0'], 'm=audio 5004 RTP/AVP 0'), { address: PBX, ports: [30000] });
  assert.equal(session.connection?.address, PBX);
  assert.equal(session.media[0]!.connection, { netType: 'IN', addrType: 'IP4', address: '0.0.0.0' });
  assert.is(session.media[0]!.port, 30000);
  assert.ok(isHold(session));
  const media = rewriteConnection(sdp(['c=IN IP4 192.0.2.1'], 'm=audio 5004 RTP/AVP 0', 'c=IN IP4 0.0.0.0', 'm=audio 5006 RTP/AVP 0'), { address: PBX, ports: [30000, 30002] });
  assert.is(direction(media, 0), 'sendonly');
  assert.is(direction(media, 1), 'sendrecv');
  assert.is(mediaEndpoint(media, 1).address, PBX);
  // sendonly/inactive holds pass through untouched.
  assert.ok(isHold(rewriteConnection(sdp(['c=IN IP4 192.0.2.1'], 'm=audio 5004 RTP/AVP 0', 'a=inactive'), { address: PBX, ports: [30000] })));
});

test('bad relay address or ports: SdpError bad-argument', () => {
  const sd = fixture('sipp-pcmu');
  const bad: Array<{ address: string; ports: number[] }> = [
    { address: 'pbx.example.com', ports: [30000] },
    { address: '', ports: [30000] },
    { address: PBX, ports: [] },
    { address: PBX, ports: [0] },
    { address: PBX, ports: [65535] },
    { address: PBX, ports: [3000.5] },
    { address: PBX, ports: [Number.NaN] },
  ];
  for (const relay of bad) {
    try {
      rewriteConnection(sd, relay);
      assert.unreachable(JSON.stringify(relay));
    } catch (err) {
      assert.instance(err, SdpError);
      assert.is((err as SdpError).reason, 'bad-argument');
    }
  }
  // Ports of disabled lines are never looked at.
  const out = rewriteConnection(sdp(['c=IN IP4 192.0.2.1'], 'm=video 0 RTP/AVP 31', 'm=audio 5004 RTP/AVP 0'), { address: PBX, ports: [-1, 30000] });
  assert.equal(
    out.media.map((m) => m.port),
    [0, 30000],
  );
});

test.run();
