import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SipError } from '../util/errors.js';
import type { Binding } from './binding.js';
import { DEFAULT_REGISTRAR_POLICY } from './policy.js';
import { updateBindings, type BindingUpdate } from './update-bindings.js';

const NOW = 1_700_000_000_000;
const source: Binding['source'] = { protocol: 'udp', address: '192.0.2.10', port: 5062, localAddress: '127.0.0.1', localPort: 5060 };

function upd(over: Partial<BindingUpdate>): BindingUpdate {
  return { aor: '1001', contacts: { kind: 'fetch' }, callId: 'c1', cseq: 1, source, now: NOW, ...over };
}

function sipError(fn: () => unknown): SipError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SipError) return e;
    throw e;
  }
  throw new Error('expected a SipError');
}

const one = (uri: string, extra: object = {}) => ({ kind: 'list' as const, contacts: [{ uri, ...extra }] });

test('a new contact gets the default expiry, capped at the maximum', () => {
  const r = updateBindings([], upd({ contacts: one('sip:1001@192.0.2.10:5062') }), DEFAULT_REGISTRAR_POLICY);
  assert.is(r.bindings.length, 1);
  assert.is(r.bindings[0]!.expiresAt, NOW + 3600_000);
  assert.ok(r.changed);
  const capped = updateBindings([], upd({ contacts: one('sip:a@h', { expires: 99999 }) }), DEFAULT_REGISTRAR_POLICY);
  assert.is(capped.bindings[0]!.expiresAt, NOW + DEFAULT_REGISTRAR_POLICY.maxExpires * 1000);
});

test('the expires parameter wins over the Expires header', () => {
  const r = updateBindings([], upd({ contacts: one('sip:a@h', { expires: 120 }), expiresHeader: 600 }), DEFAULT_REGISTRAR_POLICY);
  assert.is(r.bindings[0]!.expiresAt, NOW + 120_000);
  const h = updateBindings([], upd({ contacts: one('sip:a@h'), expiresHeader: 600 }), DEFAULT_REGISTRAR_POLICY);
  assert.is(h.bindings[0]!.expiresAt, NOW + 600_000);
});

test('an interval below the minimum is refused with 423 and Min-Expires', () => {
  const e = sipError(() => updateBindings([], upd({ contacts: one('sip:a@h', { expires: 30 }) }), DEFAULT_REGISTRAR_POLICY));
  assert.is(e.status, 423);
  assert.equal(e.headers, [['Min-Expires', '60']]);
});

test('several contacts per AOR, and expires=0 removes just one', () => {
  const two = { kind: 'list' as const, contacts: [{ uri: 'sip:a@h1' }, { uri: 'sip:a@h2' }] };
  const r1 = updateBindings([], upd({ contacts: two }), DEFAULT_REGISTRAR_POLICY);
  assert.is(r1.bindings.length, 2);
  const r2 = updateBindings(r1.bindings, upd({ contacts: one('sip:a@h1', { expires: 0 }), cseq: 2 }), DEFAULT_REGISTRAR_POLICY);
  assert.equal(r2.bindings.map((b) => b.contact), ['sip:a@h2']);
});

test("'*' removes every binding", () => {
  const r1 = updateBindings([], upd({ contacts: { kind: 'list', contacts: [{ uri: 'sip:a@h1' }, { uri: 'sip:a@h2' }] } }), DEFAULT_REGISTRAR_POLICY);
  const r2 = updateBindings(r1.bindings, upd({ contacts: { kind: 'star' }, expiresHeader: 0, cseq: 2 }), DEFAULT_REGISTRAR_POLICY);
  assert.is(r2.bindings.length, 0);
  assert.ok(r2.changed);
});

test('same Call-ID with a CSeq that is not higher aborts the whole update', () => {
  const r1 = updateBindings([], upd({ contacts: one('sip:a@h1'), cseq: 5 }), DEFAULT_REGISTRAR_POLICY);
  for (const cseq of [5, 4]) {
    const e = sipError(() => updateBindings(r1.bindings, upd({ contacts: one('sip:a@h1', { expires: 0 }), cseq }), DEFAULT_REGISTRAR_POLICY));
    assert.is(e.status, 400);
  }
  const star = sipError(() => updateBindings(r1.bindings, upd({ contacts: { kind: 'star' }, cseq: 3 }), DEFAULT_REGISTRAR_POLICY));
  assert.is(star.status, 400);
  // Another Call-ID (a rebooted phone) may replace it whatever its CSeq.
  const r2 = updateBindings(r1.bindings, upd({ contacts: one('sip:a@h1', { expires: 0 }), callId: 'other', cseq: 1 }), DEFAULT_REGISTRAR_POLICY);
  assert.is(r2.bindings.length, 0);
});

test('contacts are compared as URIs: host case and irrelevant parameters do not make a new binding', () => {
  const r1 = updateBindings([], upd({ contacts: one('sip:a@Host.Example:5062;ob') }), DEFAULT_REGISTRAR_POLICY);
  const r2 = updateBindings(r1.bindings, upd({ contacts: one('sip:a@host.example:5062'), cseq: 2 }), DEFAULT_REGISTRAR_POLICY);
  assert.is(r2.bindings.length, 1);
  const r3 = updateBindings(r2.bindings, upd({ contacts: one('sip:a@host.example:5062;transport=tcp'), cseq: 3 }), DEFAULT_REGISTRAR_POLICY);
  assert.is(r3.bindings.length, 2, 'transport is significant (RFC 3261 §19.1.4)');
});

test('RFC 5626: same instance and reg-id replace the binding even when the URI changes', () => {
  const inst = { instance: 'urn:uuid:00000000-0000-1000-8000-000A95A0E128', regId: 1 };
  const r1 = updateBindings([], upd({ contacts: one('sip:a@10.0.0.1:5062', inst) }), DEFAULT_REGISTRAR_POLICY);
  const r2 = updateBindings(r1.bindings, upd({ contacts: one('sip:a@10.0.0.9:40000', inst), callId: 'new', cseq: 1 }), DEFAULT_REGISTRAR_POLICY);
  assert.is(r2.bindings.length, 1);
  assert.is(r2.bindings[0]!.contact, 'sip:a@10.0.0.9:40000');
  const r3 = updateBindings(r2.bindings, upd({ contacts: one('sip:a@10.0.0.9:40000', { ...inst, regId: 2 }), callId: 'new', cseq: 2 }), DEFAULT_REGISTRAR_POLICY);
  assert.is(r3.bindings.length, 2, 'another reg-id is another flow');
});

test('the contact cap per AOR is enforced and nothing is partially applied', () => {
  const policy = { ...DEFAULT_REGISTRAR_POLICY, maxContactsPerAor: 2 };
  const r1 = updateBindings([], upd({ contacts: { kind: 'list', contacts: [{ uri: 'sip:a@h1' }, { uri: 'sip:a@h2' }] } }), policy);
  const e = sipError(() => updateBindings(r1.bindings, upd({ contacts: one('sip:a@h3'), cseq: 2 }), policy));
  assert.is(e.status, 403);
  // refreshing an existing one is fine at the cap
  const r2 = updateBindings(r1.bindings, upd({ contacts: one('sip:a@h2'), cseq: 2 }), policy);
  assert.is(r2.bindings.length, 2);
});

test('expired bindings are dropped from the result and a fetch reports only live ones', () => {
  const old: Binding = { aor: '1001', contact: 'sip:a@h', callId: 'x', cseq: 1, expiresAt: NOW - 1, source, updatedAt: NOW - 10 };
  const live: Binding = { ...old, contact: 'sip:a@h2', expiresAt: NOW + 1000 };
  const r = updateBindings([old, live], upd({}), DEFAULT_REGISTRAR_POLICY);
  assert.equal(r.bindings.map((b) => b.contact), ['sip:a@h2']);
  assert.ok(r.changed, 'the expired row must be written away');
});

test('the binding keeps where the REGISTER really came from (NAT)', () => {
  const tcp: Binding['source'] = { protocol: 'tcp', address: '203.0.113.7', port: 40123, connectionId: 'c42', localAddress: '127.0.0.1', localPort: 5060 };
  const r = updateBindings([], upd({ contacts: one('sip:a@10.0.0.5:5060;transport=tcp'), source: tcp }), DEFAULT_REGISTRAR_POLICY);
  assert.equal(r.bindings[0]!.source, tcp);
});

test.run();
