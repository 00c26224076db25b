import { getHeader } from '../sip/message/headers.js';
import { createResponse } from '../sip/message/response.js';
import type { SipRequest } from '../sip/message/types.js';
import { FakeSender } from '../sip/transaction/fake-sender.js';
import { TransactionLayer } from '../sip/transaction/transaction-layer.js';
import { rememberSource } from '../sip/transport/response-source.js';
import type { Endpoint } from '../sip/transport/types.js';
import type { Trunk } from '../model/routing-plan.js';
import { FakeClock } from '../util/fake-clock.js';
import type { TrunkRegistrationDeps } from './trunk-registration.js';
import { TrunkResolver } from './trunk-target.js';

/**
 * For tests of registration trunks: a real TransactionLayer over a FakeSender and a
 * FakeClock, and a carrier that answers as the test says (from its own address, or
 * from another, as the edge would remember it).
 */
export const CARRIER: Endpoint = { protocol: 'udp', address: '198.51.100.7', port: 5060 };
export const STRANGER: Endpoint = { protocol: 'udp', address: '192.0.2.66', port: 5060 };

export function carrierTrunk(over: Partial<Trunk> = {}): Trunk {
  return {
    name: 'carrier1',
    kind: 'register',
    host: '198.51.100.7',
    port: 5060,
    transport: 'udp',
    username: 'acct1',
    password: 's3cret',
    domain: 'carrier.test',
    registerExpires: 300,
    allowedSources: [],
    ...over,
  };
}

export const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A TrunkRegistration over a real TransactionLayer whose transport is a FakeSender. */
export function harness(over: Partial<TrunkRegistrationDeps> = {}) {
  const clock = new FakeClock(0);
  const sender = new FakeSender(clock);
  const layer = new TransactionLayer({ sender, clock });
  const resolver = new TrunkResolver({ clock });
  const deps: TrunkRegistrationDeps = {
    clock,
    transactions: layer,
    resolver,
    isFromTrunk: (t, a) => resolver.isFromTrunk(t, a),
    viaFor: (p) => ({ transport: p, host: '203.0.113.1', port: 5060 }),
    contactFor: (p) => `sip:pbx@203.0.113.1:5060${p === 'udp' ? '' : `;transport=${p}`}`,
    random: () => 0,
    ...over,
  };
  /** Every distinct REGISTER sent (retransmissions left out), in order. */
  const registers = (): SipRequest[] => {
    const seen = new Set<string>();
    const out: SipRequest[] = [];
    for (const s of sender.sent) {
      const m = s.msg;
      if (m.kind !== 'request' || m.method !== 'REGISTER') continue;
      const via = getHeader(m, 'via')!;
      if (seen.has(via)) continue;
      seen.add(via);
      out.push(m);
    }
    return out;
  };
  const last = (): SipRequest => {
    const all = registers();
    if (all.length === 0) throw new Error('no REGISTER was sent');
    return all[all.length - 1]!;
  };
  /** Answer a request as if from `source`, which the edge remembers as the response's source. */
  const reply = (req: SipRequest, status: number, headers: Array<[string, string]> = [], source: Endpoint | null = CARRIER): void => {
    const res = createResponse(req, status, { headers, toTag: 'reg1' });
    if (source) rememberSource(res, source);
    layer.receiveResponse({ message: res, source: source ?? CARRIER, local: { protocol: 'udp', address: '203.0.113.1', port: 5060 }, receivedAt: clock.now() });
  };
  return { clock, sender, layer, resolver, deps, registers, last, reply };
}

