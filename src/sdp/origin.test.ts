import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SdpOrigin, sameVersion } from './origin.js';
import { parseSdp } from './parse.js';
import { rewriteConnection } from './rewrite.js';
import { SdpError } from './sdp-error.js';
import { serializeSdp } from './serialize.js';
import type { SessionDescription } from './types.js';

function sdp(...media: string[]): SessionDescription {
  return parseSdp(['v=0', 'o=phone 99 7 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', ...media, ''].join('\r\n'));
}

test('the PBX origin replaces the phone one; the first version is the initial one', () => {
  const o = new SdpOrigin({ address: '203.0.113.10', sessionId: '4242', username: 'pbx' });
  const out = o.stamp(sdp('m=audio 5004 RTP/AVP 0'));
  assert.equal(out.origin, { username: 'pbx', sessionId: '4242', sessionVersion: '1', netType: 'IN', addrType: 'IP4', address: '203.0.113.10' });
  assert.is(o.version, 1n);
});

test('the version goes up by one on every change and stays when nothing changed (RFC 3264 §8)', () => {
  const o = new SdpOrigin({ address: '203.0.113.10', sessionId: '4242' });
  const offer = sdp('m=audio 5004 RTP/AVP 0 8');
  assert.is(o.stamp(offer).origin.sessionVersion, '1');
  // A session refresh repeats the same description: same version.
  assert.is(o.stamp(offer).origin.sessionVersion, '1');
  // The phone's own o= changing is not a change of ours.
  const bumped = { ...offer, origin: { ...offer.origin, sessionVersion: '8' } };
  assert.is(o.stamp(bumped).origin.sessionVersion, '1');
  // Hold: a change.
  const hold = sdp('m=audio 5004 RTP/AVP 0 8', 'a=sendonly');
  assert.is(o.stamp(hold).origin.sessionVersion, '2');
  assert.is(o.stamp(hold).origin.sessionVersion, '2');
  // Resume: another change, even though it equals the first description.
  assert.is(o.stamp(offer).origin.sessionVersion, '3');
  // A new port after a media move.
  assert.is(o.stamp(rewriteConnection(offer, { address: '203.0.113.10', ports: [30010] })).origin.sessionVersion, '4');
  assert.is(o.version, 4n);
});

test('serialize(): the stamped text in one pass, versioned the same way', () => {
  const o = new SdpOrigin({ address: '2001:db8::10', sessionId: '77', username: 'a$&b' });
  const offer = sdp('m=audio 5004 RTP/AVP 0');
  const text = o.serialize(offer);
  assert.is(text, serializeSdp({ ...offer, origin: o.origin }));
  assert.ok(text.startsWith('v=0\r\no=a$&b 77 1 IN IP6 2001:db8::10\r\ns=-\r\n'));
  assert.ok(o.serialize(offer).includes('o=a$&b 77 1 '));
  assert.ok(o.serialize(sdp('m=audio 5006 RTP/AVP 0')).includes('o=a$&b 77 2 '));
  // stamp() and serialize() share one history.
  assert.is(o.stamp(sdp('m=audio 5006 RTP/AVP 0')).origin.sessionVersion, '2');
});

test('two legs keep two histories; a random session id is digits below 2^62', () => {
  const a = new SdpOrigin({ address: '203.0.113.10' });
  const b = new SdpOrigin({ address: '203.0.113.10' });
  assert.match(a.sessionId, /^[1-9]\d*$/);
  assert.ok(BigInt(a.sessionId) < 1n << 62n);
  assert.is.not(a.sessionId, b.sessionId);
  a.stamp(sdp('m=audio 5004 RTP/AVP 0'));
  a.stamp(sdp('m=audio 5006 RTP/AVP 0'));
  assert.is(b.stamp(sdp('m=audio 5006 RTP/AVP 0')).origin.sessionVersion, '1');
  assert.is(a.version, 2n);
});

test('bad options: SdpError bad-argument', () => {
  const bad = [
    { address: 'pbx.example.com' },
    { address: '203.0.113.10', sessionId: 'abc' },
    { address: '203.0.113.10', sessionId: '99999999999999999999' },
    { address: '203.0.113.10', username: 'two words' },
    { address: '203.0.113.10', username: '' },
    { address: '203.0.113.10', initialVersion: -1n },
    { address: '203.0.113.10', initialVersion: 1n << 62n },
  ];
  for (const opts of bad) {
    try {
      new SdpOrigin(opts);
      assert.unreachable(JSON.stringify(opts, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
    } catch (err) {
      assert.instance(err, SdpError);
      assert.is((err as SdpError).reason, 'bad-argument');
    }
  }
});

test('sameVersion: the peer resent its description (a refresh) or changed it', () => {
  const first = sdp('m=audio 5004 RTP/AVP 0');
  assert.ok(sameVersion(first, sdp('m=audio 5004 RTP/AVP 0')));
  assert.not.ok(sameVersion(first, { ...first, origin: { ...first.origin, sessionVersion: '8' } }));
  assert.not.ok(sameVersion(first, { ...first, origin: { ...first.origin, sessionId: '100' } }));
  assert.not.ok(sameVersion(first, { ...first, origin: { ...first.origin, address: '192.0.2.2' } }));
});

test.run();
