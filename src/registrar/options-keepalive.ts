import { NAT_KEEPALIVE_OFF, type NatKeepalive } from '../model/nat-keepalive.js';
import { viaValue, type LocalVia } from '../sip/dialog/local-via.js';
import type { SipRequest } from '../sip/message/types.js';
import type { ClientTransactionUser } from '../sip/transaction/types.js';
import type { Target } from '../sip/transport/types.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { newCallId, newTag } from '../util/ids.js';
import type { Logger } from '../util/logger.js';
import type { Binding } from './binding.js';

/** One tenant as the pinger sees it. */
export interface KeepaliveTenant {
  id: string;
  /** The digest realm: the domain the OPTIONS's From is in. */
  realm: string;
  policy: NatKeepalive;
  /** Every binding of the tenant (expired ones are skipped here). */
  bindings(): readonly Binding[];
  /** Removes one binding (dropAfterMisses reached). */
  removeBinding(b: Binding): void;
}

export interface OptionsKeepaliveDeps {
  clock: Clock;
  logger: Logger;
  /** The tenants to visit now (open, active ones). */
  tenants(): Iterable<KeepaliveTenant>;
  sendRequest(req: SipRequest, target: Target, user: ClientTransactionUser): unknown;
  /** Our Via for a request leaving from the UDP socket bound at local port `port`. */
  viaFor(localPort: number): LocalVia;
  /** How often the pinger looks for contacts that are due (ms); 5 s by default. */
  tickMs?: number;
}

export interface KeepaliveStats {
  sent: number;
  answered: number;
  /** Pings that got no answer (Timer F, or the transport failed). */
  missed: number;
  /** Bindings removed after dropAfterMisses misses in a row. */
  dropped: number;
}

interface FlowState {
  lastSentAt: number;
  pending: boolean;
  misses: number;
}

/**
 * OPTIONS keep-alives for phones behind NAT (issue 17): for a tenant whose natKeepalive
 * is on, every UDP binding gets an OPTIONS every optionsSeconds, sent from the socket the
 * REGISTER came in on to the address and port it came from (the flow, RFC 5626 §3.5.1 in
 * spirit; RFC 3261 §11 for OPTIONS), so the NAT keeps that mapping open for our INVITEs.
 * Any response, even 404 or 405, proves the path; only silence is a miss. A contact that
 * stops answering is logged and counted; it is removed only when the tenant says so
 * (dropAfterMisses). One ping at a time per flow: a ping still waiting for its answer
 * (up to Timer F, 32 s) delays the next.
 */
export class OptionsKeepalive {
  private readonly flows = new Map<string, FlowState>();
  private timer: TimerHandle | undefined;
  private running = false;
  readonly stats: KeepaliveStats = { sent: 0, answered: 0, missed: 0, dropped: 0 };

  constructor(private readonly d: OptionsKeepaliveDeps) {}

  start(): void {
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.d.clock.clearTimeout(this.timer);
  }

  /** One pass over every tenant: sends the OPTIONS that are due; forgets flows that are gone. */
  tick(): void {
    const now = this.d.clock.now();
    const seen = new Set<string>();
    for (const t of this.d.tenants()) {
      const policy = t.policy ?? NAT_KEEPALIVE_OFF;
      if (policy.optionsSeconds <= 0) continue;
      let bindings: readonly Binding[];
      try {
        bindings = t.bindings();
      } catch (e) {
        this.d.logger.error('keep-alive: bindings not read', { tenant: t.id, error: e });
        continue;
      }
      for (const b of bindings) {
        // A binding with a Path is kept alive by the proxy it came through (a cluster edge).
        if (b.source.protocol !== 'udp' || b.expiresAt <= now || (b.path !== undefined && b.path.length > 0)) continue;
        const key = flowKey(t.id, b);
        seen.add(key);
        let f = this.flows.get(key);
        if (!f) {
          // The REGISTER itself opened the mapping: the first ping is one interval after it.
          f = { lastSentAt: b.updatedAt, pending: false, misses: 0 };
          this.flows.set(key, f);
        }
        if (f.pending || now - f.lastSentAt < policy.optionsSeconds * 1000) continue;
        this.ping(t, b, f, policy);
      }
    }
    for (const key of this.flows.keys()) if (!seen.has(key) && !this.flows.get(key)!.pending) this.flows.delete(key);
  }

  /** The misses in a row of one binding's flow (0 when answered or unknown). */
  missesOf(tenantId: string, b: Binding): number {
    return this.flows.get(flowKey(tenantId, b))?.misses ?? 0;
  }

  private ping(t: KeepaliveTenant, b: Binding, f: FlowState, policy: NatKeepalive): void {
    const s = b.source;
    const target: Target = { protocol: 'udp', address: s.address, port: s.port, local: { protocol: 'udp', address: s.localAddress, port: s.localPort } };
    const req = this.options(t, b, s.localPort);
    f.pending = true;
    f.lastSentAt = this.d.clock.now();
    const done = (answered: boolean) => {
      if (!f.pending) return;
      f.pending = false;
      if (answered) {
        if (f.misses > 0) this.d.logger.info('keep-alive: contact answers again', { tenant: t.id, aor: b.aor, contact: b.contact, after: f.misses });
        f.misses = 0;
        this.stats.answered++;
        return;
      }
      f.misses++;
      this.stats.missed++;
      this.d.logger.info('keep-alive: contact did not answer OPTIONS', { tenant: t.id, aor: b.aor, contact: b.contact, misses: f.misses });
      if (policy.dropAfterMisses > 0 && f.misses >= policy.dropAfterMisses) {
        try {
          t.removeBinding(b);
          this.stats.dropped++;
          this.flows.delete(flowKey(t.id, b));
          this.d.logger.warn('keep-alive: registration removed, the contact stopped answering', { tenant: t.id, aor: b.aor, contact: b.contact, misses: f.misses });
        } catch (e) {
          this.d.logger.error('keep-alive: registration not removed', { tenant: t.id, aor: b.aor, error: e });
        }
      }
    };
    try {
      this.d.sendRequest(req, target, {
        onResponse: (res) => {
          if (res.status >= 200) done(true);
        },
        onTimeout: () => done(false),
        onTransportError: () => done(false),
      });
      this.stats.sent++;
    } catch (e) {
      f.pending = false;
      this.d.logger.debug('keep-alive: OPTIONS not sent', { tenant: t.id, aor: b.aor, error: e });
    }
  }

  /** RFC 3261 §11.1: an OPTIONS to the registered Contact, outside any dialog. */
  private options(t: KeepaliveTenant, b: Binding, localPort: number): SipRequest {
    const server = `sip:${t.realm}`;
    return {
      kind: 'request',
      method: 'OPTIONS',
      uri: b.contact,
      headers: [
        { name: 'via', value: viaValue(this.d.viaFor(localPort)) },
        { name: 'max-forwards', value: '70' },
        { name: 'from', value: `<${server}>;tag=${newTag()}` },
        { name: 'to', value: `<${b.contact}>` },
        { name: 'call-id', value: newCallId() },
        { name: 'cseq', value: '1 OPTIONS' },
        { name: 'content-length', value: '0' },
      ],
      body: Buffer.alloc(0),
    };
  }

  private tickMs(): number {
    return this.d.tickMs ?? 5_000;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.d.clock.setTimeout(() => {
      try {
        this.tick();
      } catch (e) {
        this.d.logger.error('keep-alive pass failed', { error: e });
      }
      this.schedule();
    }, this.tickMs());
  }
}

function flowKey(tenantId: string, b: Binding): string {
  return `${tenantId}\n${b.aor}\n${b.contact}\n${b.source.address}:${b.source.port}`;
}
