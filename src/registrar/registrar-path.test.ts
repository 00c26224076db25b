// RFC 3327 Path at the registrar: stored only when a trusted edge relayed the REGISTER (its
// `client` is set by src/edge/trusted-edge.ts); a Path a phone writes itself is dropped, so no
// phone can aim the INVITEs to its contact at another host.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMessage } from '../sip/message/parse.js';
import type { SipRequest } from '../sip/message/types.js';
import type { Inbound } from '../sip/transport/types.js';
import { FakeClock } from '../util/fake-clock.js';
import { silentLogger } from '../util/logger.js';
import type { Binding, BindingStore } from './binding.js';
import { DEFAULT_REGISTRAR_POLICY } from './policy.js';
import { Registrar } from './registrar.js';

const NOW = 1_700_000_000_000;
const PATH = '<sip:10.0.0.1:5070;lr;received=sip:203.0.113.7%3A40000>';

function register(): SipRequest {
  const text = [
    'REGISTER sip:acme.example SIP/2.0',
    'Via: SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK-e1',
    'Via: SIP/2.0/UDP 192.168.1.20:5062;branch=z9hG4bK-1;rport=40000;received=203.0.113.7',
    'From: <sip:1001@acme.example>;tag=a',
    'To: <sip:1001@acme.example>',
    'Call-ID: reg-1',
    'CSeq: 1 REGISTER',
    'Contact: <sip:1001@192.168.1.20:5062>',
    `Path: ${PATH}`,
    'Expires: 600',
    'Max-Forwards: 69',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const r = parseMessage(Buffer.from(text));
  if (!r.ok || r.message.kind !== 'request') throw new Error('bad test request');
  return r.message;
}

function memoryStore(): BindingStore & { rows: Map<string, Binding[]> } {
  const rows = new Map<string, Binding[]>();
  return { rows, getBindings: (aor) => [...(rows.get(aor) ?? [])], replaceBindings: (aor, list) => void rows.set(aor, [...list]) };
}

const base = { source: { protocol: 'udp', address: '10.0.0.1', port: 5070 }, local: { protocol: 'udp', address: '10.0.0.5', port: 5060 }, receivedAt: NOW } as const;

test('through a trusted edge: the Path is stored and the binding names the phone, not the edge', () => {
  const reg = new Registrar({ clock: new FakeClock(NOW), policy: DEFAULT_REGISTRAR_POLICY, logger: silentLogger });
  const store = memoryStore();
  const req = register();
  const inbound: Inbound = { ...base, message: req, client: { protocol: 'udp', address: '203.0.113.7', port: 40000 } };
  assert.is(reg.register({ aor: '1001', store }, req, inbound).status, 200);
  const [b] = store.getBindings('1001');
  assert.equal(b!.path, [PATH]);
  assert.is(b!.source.address, '203.0.113.7');
  assert.is(b!.source.port, 40000);
});

test('from anyone else (no trusted edge named a client): the Path is dropped, the packet source stands', () => {
  const reg = new Registrar({ clock: new FakeClock(NOW), policy: DEFAULT_REGISTRAR_POLICY, logger: silentLogger });
  const store = memoryStore();
  const req = register();
  const inbound: Inbound = { ...base, source: { protocol: 'udp', address: '198.51.100.9', port: 5062 }, message: req };
  assert.is(reg.register({ aor: '1001', store }, req, inbound).status, 200);
  const [b] = store.getBindings('1001');
  assert.is(b!.path, undefined);
  assert.is(b!.source.address, '198.51.100.9');
});

test.run();
