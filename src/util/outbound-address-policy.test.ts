import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OutboundAddressPolicy } from './outbound-address-policy.js';

test('special-use, own and (by default) private addresses are refused; public ones and names pass', () => {
  const p = new OutboundAddressPolicy({ ownAddresses: ['192.0.2.10'] });
  assert.match(p.refusal('127.0.0.1')!, /127\.0\.0\.1 is a loopback address, which a tenant trunk may not reach/);
  assert.match(p.refusal('::ffff:127.0.0.1')!, /loopback/);
  assert.match(p.refusal('[::1]')!, /loopback/);
  assert.match(p.refusal('169.254.169.254')!, /is a link-local address/);
  assert.match(p.refusal('0.0.0.0')!, /an unspecified address/);
  assert.match(p.refusal('224.0.0.1')!, /multicast/);
  assert.match(p.refusal('192.0.2.10')!, /PBX's own addresses/);
  assert.match(p.refusal('10.1.2.3')!, /a private address.*tenantTrunkPrivateNetworks/);
  assert.match(p.refusal('fd12::1')!, /private/);
  assert.is(p.refusal('198.51.100.7'), undefined);
  assert.is(p.hostRefusal('sip.carrier.example'), undefined, 'names are checked after DNS');
});

test('private ranges may be allowed; allowedNetworks opens any class but never the PBX itself', () => {
  const p = new OutboundAddressPolicy({ ownAddresses: ['127.0.0.1'], allowPrivate: true, allowedNetworks: ['127.0.0.0/8'] });
  assert.is(p.refusal('10.1.2.3'), undefined);
  assert.is(p.refusal('127.0.0.10'), undefined);
  assert.match(p.refusal('127.0.0.1')!, /own/);
  assert.match(p.refusal('169.254.1.1')!, /link-local/);
});

test.run();
