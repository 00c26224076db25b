import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { behindNat, directMediaRefusal, type DirectMediaInput, type DirectMediaLeg } from './direct-media-policy.js';

const PCMU = { payloadType: 0, name: 'PCMU', clockRate: 8000 };

function leg(o: Partial<DirectMediaLeg> = {}): DirectMediaLeg {
  return { signalling: '203.0.113.10', sdpAddress: '203.0.113.10', secure: false, held: false, codec: PCMU, ...o };
}

function input(o: Partial<DirectMediaInput> = {}): DirectMediaInput {
  return { tenantOn: true, trunks: [], recording: 'never', a: leg(), b: leg({ signalling: '198.51.100.7', sdpAddress: '198.51.100.7' }), ...o };
}

test('two public phones that signal from their SDP address may be joined', () => {
  assert.is(directMediaRefusal(input()), undefined);
});

test('off for the tenant: never', () => {
  assert.match(directMediaRefusal(input({ tenantOn: false }))!, /off/);
});

test('a trunk leg needs its trunk named; a named trunk may be joined', () => {
  const b = leg({ signalling: '198.51.100.7', sdpAddress: '198.51.100.7', trunk: 'carrier' });
  assert.match(directMediaRefusal(input({ b }))!, /trunk carrier/);
  assert.is(directMediaRefusal(input({ b, trunks: ['carrier'] })), undefined);
  assert.match(directMediaRefusal(input({ b, trunks: ['other'] }))!, /trunk carrier/);
});

test('recording (always or on demand), hold, SRTP and transcoding keep the media in the PBX', () => {
  assert.match(directMediaRefusal(input({ recording: 'always' }))!, /recording/);
  assert.match(directMediaRefusal(input({ recording: 'on-demand' }))!, /recording/);
  assert.match(directMediaRefusal(input({ a: leg({ held: true }) }))!, /on hold/);
  assert.match(directMediaRefusal(input({ b: leg({ signalling: '198.51.100.7', sdpAddress: '198.51.100.7', secure: true }) }))!, /encrypted/);
  assert.match(directMediaRefusal(input({ b: leg({ signalling: '198.51.100.7', sdpAddress: '198.51.100.7', codec: { payloadType: 9, name: 'G722', clockRate: 8000 } }) }))!, /transcoding/);
  assert.match(directMediaRefusal(input({ b: leg({ signalling: '198.51.100.7', sdpAddress: '198.51.100.7', codec: { payloadType: 8, name: 'PCMU', clockRate: 8000 } }) }))!, /transcoding/, 'another payload type needs the PBX to rewrite it');
  const { codec: _, ...noCodec } = leg();
  assert.match(directMediaRefusal(input({ a: noCodec }))!, /no codec/);
});

test('a leg whose SDP or Contact names another address than its packets come from is behind a NAT', () => {
  assert.is(behindNat(leg()), false);
  assert.is(behindNat(leg({ sdpAddress: '192.168.1.20' })), true);
  assert.is(behindNat(leg({ contactHost: '10.0.0.5' })), true);
  assert.is(behindNat(leg({ contactHost: 'pbx.example' })), false, 'a host name says nothing about NAT');
  assert.is(behindNat(leg({ signalling: '::ffff:203.0.113.10' })), false, 'IPv4-mapped IPv6 is the same address');
});

test('reachability: one NATed leg, two different NATs, mixed classes are refused; the same NAT is joined', () => {
  const natted = (pub: string, priv: string) => leg({ signalling: pub, sdpAddress: priv });
  assert.match(directMediaRefusal(input({ b: natted('198.51.100.7', '192.168.1.20') }))!, /callee is behind a NAT/);
  assert.match(directMediaRefusal(input({ a: natted('203.0.113.10', '10.0.0.2'), b: natted('198.51.100.7', '10.0.0.3') }))!, /different NATs/);
  assert.is(directMediaRefusal(input({ a: natted('198.51.100.7', '10.0.0.2'), b: natted('198.51.100.7', '10.0.0.3') })), undefined, 'two phones behind one NAT reach each other');
  assert.match(directMediaRefusal(input({ a: natted('198.51.100.7', '203.0.113.99'), b: natted('198.51.100.7', '10.0.0.3') }))!, /different NATs/, 'the same NAT with a public SDP address is not trusted');
  assert.match(directMediaRefusal(input({ b: leg({ signalling: '10.1.1.1', sdpAddress: '10.1.1.1' }) }))!, /different classes/);
  assert.is(directMediaRefusal(input({ a: leg({ signalling: '10.1.1.1', sdpAddress: '10.1.1.1' }), b: leg({ signalling: '10.2.2.2', sdpAddress: '10.2.2.2' }) })), undefined, 'two private phones without NAT');
  assert.match(directMediaRefusal(input({ b: leg({ sdpAddress: 'phone.example', signalling: 'phone.example' }) }))!, /no IP literal/);
});

test.run();
