import { viaValue, type LocalVia } from '../sip/dialog/local-via.js';
import { contactUri } from '../sip/dialog/remote-target.js';
import { callIdOf, cseqOf, getHeader, getHeaderValues, tagOf } from '../sip/message/headers.js';
import { createResponse } from '../sip/message/response.js';
import type { SipRequest, SipResponse } from '../sip/message/types.js';
import type { ClientTransactionUser } from '../sip/transaction/types.js';
import type { Inbound, Target, TransportProtocol } from '../sip/transport/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { Clock } from '../util/clock.js';
import { newBranch, newTag } from '../util/ids.js';
import type { Logger } from '../util/logger.js';
import type { EventPackage } from './event-package.js';
import { negotiateExpires, type ExpiresPolicy } from './expires-negotiation.js';
import { RateBuckets } from './rate-bucket.js';
import { dialogKey, type Subscription } from './subscription.js';

/** The operator's subscription policy (pbx.yaml `subscriptions:`). */
export interface SubscriptionPolicy extends ExpiresPolicy {
  /** New and refreshing SUBSCRIBEs a second per tenant before 503 + Retry-After; 0 = off. */
  ratePerSecond: number;
  /** How many may come at once before the rate applies. */
  burst: number;
  /** Live subscriptions per tenant; a new one beyond it gets 503. */
  maxPerTenant: number;
}

export interface SubscriptionManagerOptions {
  clock: Clock;
  logger: Logger;
  packages: readonly EventPackage[];
  policy: () => SubscriptionPolicy;
  transactions: {
    createServerTransaction(inbound: Inbound, target: Target): { respond(res: SipResponse): void };
    sendRequest(req: SipRequest, target: Target, user: ClientTransactionUser): unknown;
  };
  /** Our Via and Contact for a transport. */
  viaFor: (protocol: TransportProtocol) => LocalVia;
  contactFor: (protocol: TransportProtocol) => string;
  /** Adds the Server header where configured. */
  decorate?: (res: SipResponse) => SipResponse;
  /** The current context of a tenant; undefined when it is gone. */
  tenantById: (id: string) => TenantContext | undefined;
}

/**
 * The notifier side of RFC 6665 for every event package: accepts SUBSCRIBE (already
 * authenticated by the edge, for the tenant the edge resolved), negotiates Expires, sends
 * the immediate NOTIFY and one on every change, refreshes, unsubscribes, and terminates on
 * expiry or when a NOTIFY fails. Subscriptions live in memory: after a restart phones
 * re-subscribe (they do on their refresh timer, or on the 481 to their refresh).
 */
export class SubscriptionManager {
  private readonly byKey = new Map<string, Subscription>();
  /** tenant \0 package \0 resource → subscriptions watching it. */
  private readonly byResource = new Map<string, Set<Subscription>>();
  private readonly perTenant = new Map<string, number>();
  private readonly packages = new Map<string, EventPackage>();
  private readonly rate: RateBuckets;
  private readonly log: Logger;
  private stopped = false;

  constructor(private readonly o: SubscriptionManagerOptions) {
    for (const p of o.packages) this.packages.set(p.name, p);
    this.log = o.logger.child('events');
    this.rate = new RateBuckets({ clock: o.clock, ratePerSecond: () => o.policy().ratePerSecond, burst: () => o.policy().burst });
  }

  /** The Allow-Events value (RFC 6665 §8.2.2). */
  get allowEvents(): string {
    return [...this.packages.keys()].join(', ');
  }

  /** Live subscriptions (all tenants), for monitoring and tests. */
  get size(): number {
    return this.byKey.size;
  }

  /**
   * The subscription an in-dialog SUBSCRIBE belongs to (Call-ID and both tags), so the edge
   * can authenticate it against the subscription's tenant; undefined: not one of ours.
   */
  findDialog(req: SipRequest): { tenant: TenantContext; subscriber: string } | undefined {
    const s = this.lookup(req);
    if (!s) return undefined;
    const tenant = this.activeTenant(s);
    return tenant ? { tenant, subscriber: s.subscriber } : undefined;
  }

  /** After tenants changed: subscriptions of a tenant that is gone or suspended end (noresource). */
  retainTenants(): void {
    for (const s of [...this.byKey.values()]) this.activeTenant(s);
  }

  /** The subscription's tenant while it is active; otherwise the subscription is ended. */
  private activeTenant(s: Subscription): TenantContext | undefined {
    const t = this.o.tenantById(s.tenantId);
    if (t && t.status === 'active') return t;
    this.terminate(s, 'noresource');
    return undefined;
  }

  /**
   * A SUBSCRIBE outside a dialog from `subscriberExt`, authenticated in `tenant`. Every
   * answer goes out in a server transaction.
   */
  subscribe(inbound: Inbound, req: SipRequest, tenant: TenantContext, subscriberExt: string, target: Target, requestUser: string): boolean {
    const tx = this.o.transactions.createServerTransaction(inbound, target);
    const reply = (status: number, opts: { reason?: string; headers?: Array<[string, string]>; toTag?: string } = {}) => tx.respond(this.decorate(createResponse(req, status, opts)));
    const event = parseEvent(getHeader(req, 'event'));
    const pkg = event ? this.packages.get(event.name) : undefined;
    if (!event || !pkg) {
      // RFC 6665 §7.2.1: an event package we do not serve.
      reply(489, { headers: [['Allow-Events', this.allowEvents]] });
      return false;
    }
    if (!accepts(req, pkg.contentType)) {
      reply(406, { headers: [['Accept', pkg.contentType]] });
      return false;
    }
    const limited = this.rate.take(tenant.id);
    if (!limited.ok) {
      this.log.warn('subscription storm: SUBSCRIBE refused', { tenant: tenant.id, from: inbound.source.address });
      reply(503, { reason: 'Service Unavailable: too many subscriptions', headers: [['Retry-After', String(limited.retryAfterSeconds)]] });
      return false;
    }
    const access = pkg.access(tenant, subscriberExt, requestUser);
    if (!access.ok) {
      reply(access.status, { reason: access.reason });
      return false;
    }
    const policy = this.o.policy();
    const expires = negotiateExpires(getHeader(req, 'expires'), policy);
    if (expires.kind === 'bad') {
      reply(400, { reason: 'Bad Request: Expires' });
      return false;
    }
    if (expires.kind === 'too-brief') {
      reply(423, { headers: [['Min-Expires', String(expires.minExpires)]] });
      return false;
    }
    if (expires.kind === 'grant' && (this.perTenant.get(tenant.id) ?? 0) >= policy.maxPerTenant) {
      this.log.warn('subscription cap of the tenant reached', { tenant: tenant.id, max: policy.maxPerTenant });
      reply(503, { reason: 'Service Unavailable: subscription limit', headers: [['Retry-After', '60']] });
      return false;
    }
    const remoteTarget = contactOf(req);
    if (remoteTarget === undefined) {
      // RFC 6665 §4.1.2: a SUBSCRIBE carries exactly one SIP Contact, the target of our NOTIFYs.
      reply(400, { reason: 'Bad Request: Contact' });
      return false;
    }
    const from = getHeader(req, 'from')!;
    const remoteTag = tagOf(from);
    if (remoteTag === undefined) {
      reply(400, { reason: 'Bad Request: From has no tag' });
      return false;
    }
    const localTag = newTag();
    const seconds = expires.kind === 'grant' ? expires.seconds : 0;
    const sub: Subscription = {
      key: dialogKey(callIdOf(req), localTag, remoteTag),
      tenantId: tenant.id,
      subscriber: subscriberExt,
      pkg,
      eventId: event.id,
      resource: access.resource,
      callId: callIdOf(req),
      localTag,
      remoteTag,
      fromValue: `${getHeader(req, 'to')!};tag=${localTag}`,
      toValue: from,
      routeSet: safeValues(req, 'record-route'),
      remoteTarget,
      target: { ...target },
      remoteCseq: cseqOf(req).seq,
      localCseq: 0,
      expiresAt: this.o.clock.now() + seconds * 1000,
      timer: undefined,
      notifying: false,
      dirty: false,
      terminated: false,
    };
    reply(200, { toTag: localTag, headers: [['Expires', String(seconds)], ['Contact', `<${this.o.contactFor(target.protocol)}>`]] });
    if (seconds === 0) {
      // A fetch (RFC 6665 §4.4.3): one NOTIFY with the state, and nothing kept.
      sub.terminated = true;
      this.sendNotify(sub, 'terminated;reason=timeout');
      return false;
    }
    this.add(sub);
    this.log.debug('subscribed', { tenant: tenant.id, ext: subscriberExt, event: pkg.name, resource: sub.resource, seconds });
    this.notify(sub);
    return true;
  }

  /** An in-dialog SUBSCRIBE (refresh or unsubscribe) of `subscriberExt`, already authenticated. */
  refresh(inbound: Inbound, req: SipRequest, subscriberExt: string, target: Target): void {
    const tx = this.o.transactions.createServerTransaction(inbound, target);
    const reply = (status: number, opts: { reason?: string; headers?: Array<[string, string]> } = {}) => tx.respond(this.decorate(createResponse(req, status, opts)));
    const sub = this.lookup(req);
    if (!sub || sub.terminated) {
      reply(481);
      return;
    }
    if (sub.subscriber !== subscriberExt) {
      reply(403, { reason: 'Forbidden: not your subscription' });
      return;
    }
    const event = parseEvent(getHeader(req, 'event'));
    if (!event || event.name !== sub.pkg.name || event.id !== sub.eventId) {
      // RFC 6665 §4.2.1.2: a refresh names the same event and id; another is a new subscription, not in this dialog.
      reply(489, { headers: [['Allow-Events', this.allowEvents]] });
      return;
    }
    const seq = cseqOf(req).seq;
    if (seq <= sub.remoteCseq) {
      // RFC 3261 §12.2.2: out of order.
      reply(500, { reason: 'Server Internal Error: CSeq out of order' });
      return;
    }
    sub.remoteCseq = seq;
    const expires = negotiateExpires(getHeader(req, 'expires'), this.o.policy());
    if (expires.kind === 'bad') {
      reply(400, { reason: 'Bad Request: Expires' });
      return;
    }
    if (expires.kind === 'too-brief') {
      reply(423, { headers: [['Min-Expires', String(expires.minExpires)]] });
      return;
    }
    let contact: string | undefined;
    try {
      contact = contactUri(req);
    } catch {
      reply(400, { reason: 'Bad Request: Contact' });
      return;
    }
    if (contact !== undefined) sub.remoteTarget = contact;
    sub.target = { ...target };
    if (expires.kind === 'zero') {
      reply(200, { headers: [['Expires', '0'], ['Contact', `<${this.o.contactFor(target.protocol)}>`]] });
      // RFC 6665 §4.2.1.4: unsubscribed; a last NOTIFY says so.
      this.terminate(sub, 'timeout');
      return;
    }
    sub.expiresAt = this.o.clock.now() + expires.seconds * 1000;
    this.arm(sub);
    reply(200, { headers: [['Expires', String(expires.seconds)], ['Contact', `<${this.o.contactFor(target.protocol)}>`]] });
    // RFC 6665 §4.2.1.2: a refresh is answered with a NOTIFY of the current state.
    this.notify(sub);
  }

  /** The state of a resource changed: every subscription watching it gets a NOTIFY. */
  changed(tenantId: string, pkg: string, resource: string): void {
    const set = this.byResource.get(resourceKey(tenantId, pkg, resource));
    if (!set) return;
    for (const s of [...set]) this.notify(s);
  }

  /** Terminate every subscription of a tenant (a suspended or deleted tenant). */
  dropTenant(tenantId: string): void {
    for (const s of [...this.byKey.values()]) if (s.tenantId === tenantId) this.terminate(s, 'noresource');
  }

  /** On shutdown: timers cancelled; subscribers learn on their next refresh (481). */
  stop(): void {
    this.stopped = true;
    for (const s of this.byKey.values()) this.o.clock.clearTimeout(s.timer);
    this.byKey.clear();
    this.byResource.clear();
    this.perTenant.clear();
  }

  private lookup(req: SipRequest): Subscription | undefined {
    let callId: string;
    let local: string | undefined;
    let remote: string | undefined;
    try {
      callId = callIdOf(req);
      local = tagOf(getHeader(req, 'to'));
      remote = tagOf(getHeader(req, 'from'));
    } catch {
      return undefined;
    }
    if (local === undefined || remote === undefined) return undefined;
    return this.byKey.get(dialogKey(callId, local, remote));
  }

  private add(sub: Subscription): void {
    this.byKey.set(sub.key, sub);
    const rk = resourceKey(sub.tenantId, sub.pkg.name, sub.resource);
    let set = this.byResource.get(rk);
    if (!set) this.byResource.set(rk, (set = new Set()));
    set.add(sub);
    this.perTenant.set(sub.tenantId, (this.perTenant.get(sub.tenantId) ?? 0) + 1);
    this.arm(sub);
  }

  private remove(sub: Subscription): void {
    if (this.byKey.get(sub.key) !== sub) return;
    this.byKey.delete(sub.key);
    this.o.clock.clearTimeout(sub.timer);
    const rk = resourceKey(sub.tenantId, sub.pkg.name, sub.resource);
    const set = this.byResource.get(rk);
    set?.delete(sub);
    if (set?.size === 0) this.byResource.delete(rk);
    const n = (this.perTenant.get(sub.tenantId) ?? 1) - 1;
    if (n <= 0) this.perTenant.delete(sub.tenantId);
    else this.perTenant.set(sub.tenantId, n);
  }

  private arm(sub: Subscription): void {
    this.o.clock.clearTimeout(sub.timer);
    sub.timer = this.o.clock.setTimeout(() => this.terminate(sub, 'timeout'), Math.max(0, sub.expiresAt - this.o.clock.now()));
  }

  /** RFC 6665 §4.2.2: the last NOTIFY says terminated with a reason; the subscription is gone. */
  private terminate(sub: Subscription, reason: 'timeout' | 'noresource' | 'deactivated'): void {
    if (sub.terminated) return;
    sub.terminated = true;
    this.remove(sub);
    this.log.debug('subscription terminated', { tenant: sub.tenantId, ext: sub.subscriber, event: sub.pkg.name, reason });
    this.sendNotify(sub, `terminated;reason=${reason}`);
  }

  /** A NOTIFY with the current state now, or as soon as the one in flight is answered. */
  private notify(sub: Subscription): void {
    if (sub.terminated) return;
    if (sub.notifying) {
      sub.dirty = true;
      return;
    }
    const left = Math.max(0, Math.round((sub.expiresAt - this.o.clock.now()) / 1000));
    this.sendNotify(sub, `active;expires=${left}`);
  }

  private sendNotify(sub: Subscription, state: string): void {
    if (this.stopped) return;
    let body: { contentType: string; body: string } | undefined;
    const tenant = this.o.tenantById(sub.tenantId);
    try {
      body = tenant ? sub.pkg.state(tenant, sub.resource, { subscriber: sub.subscriber, sent: sub.localCseq }) : undefined;
    } catch (e) {
      this.log.error('event state not available', { tenant: sub.tenantId, event: sub.pkg.name, error: e });
      return;
    }
    if (body === undefined && !sub.terminated) {
      // RFC 6665 §4.2.2: the resource is gone; the last NOTIFY says so (no body).
      sub.terminated = true;
      this.remove(sub);
      state = 'terminated;reason=noresource';
    }
    sub.localCseq += 1;
    sub.notifying = true;
    sub.dirty = false;
    const protocol = sub.target.protocol;
    const headers = [
      { name: 'via', value: viaValue(this.o.viaFor(protocol), newBranch()) },
      { name: 'max-forwards', value: '70' },
      ...sub.routeSet.map((r) => ({ name: 'route', value: r })),
      { name: 'from', value: sub.fromValue },
      { name: 'to', value: sub.toValue },
      { name: 'call-id', value: sub.callId },
      { name: 'cseq', value: `${sub.localCseq} NOTIFY` },
      { name: 'contact', value: `<${this.o.contactFor(protocol)}>` },
      { name: 'event', value: sub.eventId !== undefined ? `${sub.pkg.name};id=${sub.eventId}` : sub.pkg.name },
      { name: 'subscription-state', value: state },
      ...(body ? [{ name: 'content-type', value: body.contentType }] : []),
    ];
    const req: SipRequest = { kind: 'request', method: 'NOTIFY', uri: sub.remoteTarget, headers, body: body ? Buffer.from(body.body) : Buffer.alloc(0) };
    const done = (ok: boolean, why?: string) => {
      sub.notifying = false;
      if (!ok) {
        // RFC 6665 §4.2.2: a NOTIFY answered 481, timed out or not delivered ends the subscription;
        // the subscriber's next refresh gets 481 and it subscribes anew.
        if (!sub.terminated) this.log.info('NOTIFY failed; subscription removed', { tenant: sub.tenantId, ext: sub.subscriber, event: sub.pkg.name, why });
        sub.terminated = true;
        this.remove(sub);
        return;
      }
      if (sub.dirty && !sub.terminated) this.notify(sub);
    };
    try {
      this.o.transactions.sendRequest(req, sub.target, {
        onResponse: (res) => {
          if (res.status < 200) return;
          if (res.status < 300) done(true);
          else done(false, `${res.status} ${res.reason}`);
        },
        onTimeout: () => done(false, 'timeout'),
        onTransportError: (_tx, e) => done(false, `transport error: ${(e as Error)?.message ?? String(e)}`),
      });
    } catch (e) {
      done(false, (e as Error).message);
    }
  }

  private decorate(res: SipResponse): SipResponse {
    return this.o.decorate ? this.o.decorate(res) : res;
  }
}

/** The Contact URI of a SUBSCRIBE; undefined when absent or not a single SIP URI. */
function contactOf(req: SipRequest): string | undefined {
  try {
    return contactUri(req);
  } catch {
    return undefined;
  }
}

function resourceKey(tenant: string, pkg: string, resource: string): string {
  return `${tenant}\u0000${pkg}\u0000${resource}`;
}

/**
 * Event: package[.template];id=x (RFC 6665 §8.2.1, §8.4). The package compares
 * case-insensitively, the id exactly; both are tokens, and anything else is not an event we serve.
 */
export function parseEvent(value: string | undefined): { name: string; id: string | undefined } | undefined {
  if (value === undefined) return undefined;
  const [head, ...params] = value.split(';');
  const name = head!.trim().toLowerCase();
  if (!/^[a-z0-9!%*_+`'~.-]{1,64}$/.test(name)) return undefined;
  let id: string | undefined;
  for (const p of params) {
    const m = /^\s*id\s*=\s*(.*)$/i.exec(p);
    if (!m) continue;
    id = m[1]!.trim();
    if (!/^[A-Za-z0-9!%*_+`'~.-]{1,64}$/.test(id)) return undefined;
  }
  return { name, id };
}

/** RFC 6665 §4.2.1: without Accept the package's default type is implied. */
function accepts(req: SipRequest, type: string): boolean {
  const values = safeValues(req, 'accept').map((a) => a.split(';')[0]!.trim().toLowerCase()).filter((a) => a !== '');
  if (values.length === 0) return true;
  const [major] = type.split('/');
  return values.some((a) => a === type || a === '*/*' || a === `${major}/*`);
}

function safeValues(req: SipRequest, name: string): string[] {
  try {
    return getHeaderValues(req, name);
  } catch {
    return [];
  }
}
