import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TenantContext } from '../tenant/tenant-context.js';
import { DialogPackage } from './dialog-package.js';
import { ExtensionStates } from './extension-states.js';
import { PresencePackage } from './presence-package.js';

/** A tenant with real-shaped data: its extensions, and the contacts they registered. */
function tenant(id: string, exts: Record<string, { enabled?: boolean; contactUntil?: number }>): TenantContext {
  const store = {
    getExtension: (e: string) => (exts[e] ? { ext: e, enabled: exts[e]!.enabled ?? true } : undefined),
    getBindings: (e: string) => (exts[e]?.contactUntil !== undefined ? [{ aor: e, expiresAt: exts[e]!.contactUntil }] : []),
    getSetting: () => undefined,
  };
  return { id, realm: `${id}.example`, domains: [`${id}.example`], store } as unknown as TenantContext;
}

const acme = tenant('acme', { '1001': {}, '1002': { contactUntil: 10_000 }, '1003': { enabled: false } });
const globex = tenant('globex', { '2001': {} });

test('any enabled extension of the own tenant may be watched; others, missing or disabled, are the same 404', () => {
  const p = new DialogPackage(new ExtensionStates());
  assert.equal(p.access(acme, '1001', '1002'), { ok: true, resource: '1002' });
  assert.equal(p.access(acme, '1001', '1001'), { ok: true, resource: '1001' });
  const otherTenant = p.access(acme, '1001', '2001');
  const missing = p.access(acme, '1001', '9999');
  const disabled = p.access(acme, '1001', '1003');
  assert.equal(otherTenant, { ok: false, status: 404, reason: 'Not Found' });
  assert.equal(missing, otherTenant, 'another tenant\'s extension reads exactly like a missing one');
  assert.equal(disabled, otherTenant);
  assert.equal(p.access(acme, '1001', 'x'.repeat(5000)), otherTenant);
});

test('state: the version is the subscription\'s count of NOTIFYs; dialogs of this tenant only; no peer by default', () => {
  const states = new ExtensionStates();
  const p = new DialogPackage(states);
  states.callLegs('acme', 'c1', [{ resource: '1002', direction: 'recipient', phase: 'early', peer: '1001' }]);
  states.callLegs('globex', 'c9', [{ resource: '1002', direction: 'recipient', phase: 'confirmed', peer: '+4930123' }]);
  const first = p.state(acme, '1002', { subscriber: '1001', sent: 0 })!;
  assert.is(first.contentType, 'application/dialog-info+xml');
  assert.match(first.body, 'version="0"');
  assert.match(first.body, '<state>early</state>');
  assert.not.match(first.body, 'confirmed', 'globex\'s call on its own 1002 is not acme\'s');
  assert.not.match(first.body, '<remote>');
  assert.match(p.state(acme, '1002', { subscriber: '1001', sent: 7 })!.body, 'version="7"');
  assert.is(p.state(globex, '1002'), undefined, 'no such extension in globex: the subscription would end (noresource)');
});

test('showPeers: the other party as an extension URI of this tenant or a tel: number', () => {
  const states = new ExtensionStates();
  const p = new DialogPackage(states, () => true);
  states.callLegs('acme', 'c1', [{ resource: '1002', direction: 'recipient', phase: 'early', peer: '1001' }]);
  states.callLegs('acme', 'c2', [{ resource: '1001', direction: 'initiator', phase: 'confirmed', peer: '+4930123456' }]);
  assert.match(p.state(acme, '1002')!.body, '<remote><identity>sip:1001@acme.example</identity></remote>');
  assert.match(p.state(acme, '1001')!.body, '<remote><identity>tel:+4930123456</identity></remote>');
});

test('presence: open with a live contact, closed without or expired, on the phone while busy', () => {
  const states = new ExtensionStates();
  let now = 5_000;
  const p = new PresencePackage(states, () => now);
  assert.match(p.state(acme, '1002')!.body, '<basic>open</basic>');
  assert.match(p.state(acme, '1001')!.body, '<basic>closed</basic>');
  assert.not.match(p.state(acme, '1002')!.body, 'on-the-phone');
  states.callLegs('acme', 'c1', [{ resource: '1002', direction: 'recipient', phase: 'confirmed' }]);
  assert.match(p.state(acme, '1002')!.body, 'on-the-phone');
  now = 20_000;
  assert.match(p.state(acme, '1002')!.body, '<basic>closed</basic>');
  assert.equal(p.access(acme, '1001', '2001'), p.access(acme, '1001', '9999'));
  assert.is(p.contentType, 'application/pidf+xml');
});

test.run();
