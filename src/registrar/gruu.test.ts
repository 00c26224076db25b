import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { getHeaderValues } from '../sip/message/headers.js';
import { parseNameAddr } from '../sip/message/name-addr.js';
import { parseMessage } from '../sip/message/parse.js';
import { isSipUri, parseUri } from '../sip/message/uri.js';
import type { SipRequest } from '../sip/message/types.js';
import type { Inbound } from '../sip/transport/types.js';
import { FakeClock } from '../util/fake-clock.js';
import { silentLogger } from '../util/logger.js';
import type { Binding, BindingStore } from './binding.js';
import { GruuIssuer, wantsGruu } from './gruu.js';
import { DEFAULT_REGISTRAR_POLICY } from './policy.js';
import { Registrar } from './registrar.js';

const INSTANCE = 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6';
const NOW = 1_700_000_000_000;
const source: Binding['source'] = { protocol: 'udp', address: '192.0.2.10', port: 5062, localAddress: '127.0.0.1', localPort: 5060 };
const binding = (over: Partial<Binding> = {}): Binding => ({ aor: '1001', contact: 'sip:1001@192.0.2.10:5062', instance: INSTANCE, callId: 'call-1', cseq: 5, expiresAt: NOW + 600_000, source, updatedAt: NOW, ...over });

function userOf(uri: string): string {
  const u = parseUri(uri);
  if (!isSipUri(u) || u.user === undefined) throw new Error(`no user in ${uri}`);
  return u.user;
}

test('public GRUU: the AOR with gr=<instance> (RFC 5627 §3.1), the same every time', () => {
  const g = new GruuIssuer(randomBytes(32));
  assert.is(g.publicGruu('1001', 'acme.example', INSTANCE), `sip:1001@acme.example;gr=${INSTANCE}`);
  assert.is(g.publicGruu('a b', 'acme.example', INSTANCE), `sip:a%20b@acme.example;gr=${INSTANCE}`);
});

test('temporary GRUU: opaque, new at each minting, opens only in the tenant it was minted for', () => {
  const g = new GruuIssuer(randomBytes(32));
  const t1 = g.tempGruu('acme', binding(), 'acme.example');
  const t2 = g.tempGruu('acme', binding(), 'acme.example');
  assert.match(t1, /^sip:tgruu\.[A-Za-z0-9_-]+@acme\.example;gr$/);
  assert.is.not(t1, t2, 'rotated');
  assert.not.ok(t1.includes('1001') || t1.includes('f81d4fae'), 'it does not tell who it is');
  assert.equal(g.openTemp('acme', userOf(t1)), { aor: '1001', instance: INSTANCE, callId: g.openTemp('acme', userOf(t2))!.callId, cseq: 5 });
  assert.is(g.openTemp('globex', userOf(t1)), undefined, "another tenant's GRUU opens to nothing");
  assert.is(new GruuIssuer(randomBytes(32)).openTemp('acme', userOf(t1)), undefined, 'another server secret');
});

test('forged, truncated or garbage temporary GRUUs open to nothing and never throw', () => {
  const g = new GruuIssuer(randomBytes(32));
  const user = userOf(g.tempGruu('acme', binding(), 'acme.example'));
  const flipped = user.slice(0, 10) + (user[10] === 'A' ? 'B' : 'A') + user.slice(11);
  for (const u of [flipped, user.slice(0, -4), 'tgruu.', 'tgruu.!!!', 'tgruu.' + 'A'.repeat(3000), '1001', 'tgruu.' + randomBytes(60).toString('base64url')]) {
    assert.is(g.openTemp('acme', u), undefined, u.slice(0, 40));
  }
});

test('a temporary GRUU lives as long as its registration: refreshes keep it, a new Call-ID, expiry or removal end it (RFC 5627 §5.2)', () => {
  const g = new GruuIssuer(randomBytes(32));
  const claim = g.openTemp('acme', userOf(g.tempGruu('acme', binding(), 'acme.example')))!;
  assert.ok(g.liveBinding(claim, [binding()], NOW));
  assert.ok(g.liveBinding(claim, [binding({ cseq: 9 })], NOW), 'a refresh (same Call-ID, higher CSeq) keeps earlier temp GRUUs');
  assert.not.ok(g.liveBinding(claim, [binding({ callId: 'rebooted', cseq: 1 })], NOW), 'a new Call-ID (a reboot) invalidates them');
  assert.not.ok(g.liveBinding(claim, [binding({ expiresAt: NOW })], NOW), 'expired');
  assert.not.ok(g.liveBinding(claim, [], NOW), 'removed');
  assert.not.ok(g.liveBinding(claim, [binding({ instance: 'urn:uuid:other' })], NOW), 'another device of the AOR');
});

test('wantsGruu reads Supported option tags, in any case, one or several per header', () => {
  assert.ok(wantsGruu(['replaces, GRUU']));
  assert.ok(wantsGruu(['outbound', 'gruu']));
  assert.not.ok(wantsGruu(['outbound, gruus']));
  assert.not.ok(wantsGruu([]));
});

function register(contact: string, extra: string[] = [], callId = 'reg-1', cseq = 1): SipRequest {
  const text = [
    'REGISTER sip:acme.example SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-1;rport',
    'From: <sip:1001@acme.example>;tag=a',
    'To: <sip:1001@acme.example>',
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} REGISTER`,
    `Contact: ${contact}`,
    ...extra,
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const r = parseMessage(Buffer.from(text));
  if (!r.ok || r.message.kind !== 'request') throw new Error('bad test request');
  return r.message;
}

function memoryStore(): BindingStore {
  const rows = new Map<string, Binding[]>();
  return { getBindings: (aor) => [...(rows.get(aor) ?? [])], replaceBindings: (aor, list) => void rows.set(aor, [...list]) };
}

const inbound = { source: { protocol: 'udp', address: '192.0.2.10', port: 5062 }, local: { protocol: 'udp', address: '127.0.0.1', port: 5060 }, receivedAt: NOW } as Inbound;

test('REGISTER with Supported: gruu and +sip.instance: the 200 Contact carries pub-gruu and a new temp-gruu each time', () => {
  const clock = new FakeClock(NOW);
  const gruu = new GruuIssuer(randomBytes(32));
  const reg = new Registrar({ clock, policy: DEFAULT_REGISTRAR_POLICY, logger: silentLogger, gruu });
  const store = memoryStore();
  const target = { aor: '1001', store, tenant: 'acme', domain: 'acme.example' };
  const contact = `<sip:1001@192.0.2.10:5062>;+sip.instance="<${INSTANCE}>"`;
  const temps: string[] = [];
  for (const cseq of [1, 2]) {
    const res = reg.register(target, register(contact, ['Supported: path, gruu'], 'reg-1', cseq), { ...inbound, message: register(contact) });
    assert.is(res.status, 200);
    const c = parseNameAddr(getHeaderValues(res, 'contact')[0]!);
    assert.is(c.params['pub-gruu']?.replace(/^"|"$/g, ''), `sip:1001@acme.example;gr=${INSTANCE}`);
    assert.ok(getHeaderValues(res, 'contact')[0]!.includes(`;pub-gruu="sip:1001@acme.example;gr=${INSTANCE}"`), 'quoted on the wire');
    const temp = c.params['temp-gruu']!.replace(/^"|"$/g, '');
    assert.match(temp, /^sip:tgruu\.[A-Za-z0-9_-]+@acme\.example;gr$/);
    temps.push(temp);
  }
  assert.is.not(temps[0], temps[1], 'rotated at re-registration');
  for (const t of temps) {
    const claim = gruu.openTemp('acme', userOf(t))!;
    assert.ok(gruu.liveBinding(claim, store.getBindings('1001'), NOW), 'earlier temp GRUUs stay valid while the registration lives');
  }
  // The phone reboots: a new Call-ID makes every earlier temp GRUU stop working.
  reg.register(target, register(contact, ['Supported: gruu'], 'reg-2', 1), { ...inbound, message: register(contact) });
  for (const t of temps) assert.not.ok(gruu.liveBinding(gruu.openTemp('acme', userOf(t))!, store.getBindings('1001'), NOW));
});

test('no GRUU without Supported: gruu, nor for a Contact without +sip.instance', () => {
  const reg = new Registrar({ clock: new FakeClock(NOW), policy: DEFAULT_REGISTRAR_POLICY, logger: silentLogger, gruu: new GruuIssuer(randomBytes(32)) });
  const target = { aor: '1001', store: memoryStore(), tenant: 'acme', domain: 'acme.example' };
  const noSupported = reg.register(target, register(`<sip:1001@192.0.2.10:5062>;+sip.instance="<${INSTANCE}>"`), inbound);
  assert.not.ok(String(getHeaderValues(noSupported, 'contact')[0]).includes('gruu'));
  const noInstance = reg.register(target, register('<sip:1001@192.0.2.11:5062>', ['Supported: gruu'], 'reg-9'), inbound);
  for (const v of getHeaderValues(noInstance, 'contact')) {
    const c = parseNameAddr(v);
    assert.is(c.params['pub-gruu'] !== undefined, c.params['+sip.instance'] !== undefined);
  }
});

test.run();
