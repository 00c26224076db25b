import type { B2bua } from '../b2bua/b2bua.js';
import type { Registrar } from '../registrar/registrar.js';
import type { GruuIssuer } from '../registrar/gruu.js';
import { tempGruuTarget } from './gruu-target.js';
import type { DigestAuthenticator } from '../sip/auth/digest-authenticator.js';
import { getHeader, getHeaderValues, tagOf, toOf } from '../sip/message/headers.js';
import type { SipRequest, SipResponse } from '../sip/message/types.js';
import { isSipUri, unescapeUriPart } from '../sip/message/uri.js';
import type { TransactionLayer } from '../sip/transaction/transaction-layer.js';
import { clientOf, type Inbound } from '../sip/transport/types.js';
import type { TrustedEdges } from './trusted-edge.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import { SipError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { PbxMetrics } from '../util/pbx-metrics.js';
import { DigestGate } from './digest-gate.js';
import { AuthFailLog } from './security/auth-fail-log.js';
import { systemClock, type Clock } from '../util/clock.js';
import { admitInvite, trunkInvite } from './invite-admission.js';
import { resolveTenant, type TrunkDirectory } from './tenant-resolution.js';
import type { EdgeRefusals } from './edge-refusals.js';
import { rememberSource } from '../sip/transport/response-source.js';
import { StatelessReplier, type EdgeTransport } from './stateless-reply.js';
import { ALLOWED_METHODS, SUPPORTED_OPTIONS, uasChecks } from './uas-checks.js';
import { admitSubscribe, admitSubscribeRefresh, isSubscribeRefresh } from './subscribe-admission.js';
import type { SubscriptionManager } from '../events/subscription-manager.js';
import type { OverloadControl } from './overload/overload-control.js';
import { shedNewRequest } from './overload/shed-new-request.js';
import { sipError } from '../sip/message/reason-phrases.js';

export interface EdgeOptions {
  transport: EdgeTransport;
  transactions: TransactionLayer;
  tenants: { resolveDomain(host: string): TenantContext | undefined; resolveDid?(number: string): TenantContext | undefined };
  /** Trunks by source address, for inbound calls from carriers. */
  trunks?: TrunkDirectory;
  auth: DigestAuthenticator;
  /** Where digest failures are counted (pbx_auth_failures_total). */
  metrics: Pick<PbxMetrics, 'authFailure'>;
  guard: {
    authFailed(address: string, port: number): void;
    authSucceeded(address: string, port: number): void;
    /** A REGISTER from address:port was accepted with bindings for `seconds` (its flow is then known that long). */
    registered?(address: string, port: number, seconds: number): void;
  };
  registrar: Registrar;
  /** The call service; without it INVITE gets 405 (registrar-only mode). */
  b2bua?: B2bua;
  logger: Logger;
  /** Whether a host (IP literal, brackets removed or not) is one of this server's own addresses. */
  isLocalAddress: (host: string) => boolean;
  /** Product string for Server headers; undefined = none (the default). */
  serverHeader: () => string | undefined;
  /** The throttled log of failed logins; by default one of its own on the system clock. */
  authFailLog?: AuthFailLog;
  /** RFC 5627: opens temporary GRUUs in Request-URIs; without it only public GRUUs route. */
  gruu?: GruuIssuer;
  /** Clock for temporary GRUU liveness; the system clock by default. */
  clock?: Clock;
  /** Proxies whose X-PBX-Source names the real client (pbx.yaml sip.trustedEdges); with it, the guard judges that client. */
  trustedEdges?: TrustedEdges;
  /** The flood and ban guard, asked again for the client a trusted edge names. */
  admitClient?: (address: string, port: number) => 'ok' | 'throttled' | 'banned';
  /** SUBSCRIBE/NOTIFY event packages (src/events); without it SUBSCRIBE gets 405. */
  subscriptions?: SubscriptionManager;
  /** An extension of a tenant registered a contact (unsolicited MWI is sent then). */
  onRegistered?(tenant: TenantContext, ext: string): void;
  /** An extension's bindings were answered 200 (registered, refreshed or removed): presence watchers hear of it. */
  onBindingsChanged?(tenant: TenantContext, ext: string): void;
  /** Where the edge records the call attempts it refuses (the caller's call records). */
  refusals?: EdgeRefusals;
  /** Overload control (src/edge/overload): new work is shed when the SIP thread lags. */
  overload?: OverloadControl;
}

/** The 200 to OPTIONS (RFC 3261 §11.2): the same three headers every time, built once. */
const OPTIONS_REPLY = {
  headers: [
    ['Allow', ALLOWED_METHODS.join(', ')],
    ['Accept', 'application/sdp'],
    ['Supported', [...SUPPORTED_OPTIONS].join(', ')],
  ],
} as const;

/**
 * The edge: every request from the network passes here after the transaction layer
 * and before any service. It applies the generic UAS checks, resolves the request to
 * exactly one tenant, authenticates it against that tenant only, and hands it to the
 * service with that tenant's context. Refusals and challenges are stateless, so a
 * request that fails leaves nothing behind (no transaction, no row).
 */
export class SipEdge {
  private readonly replier: StatelessReplier;
  private readonly log: Logger;
  private readonly gate: DigestGate;

  constructor(private readonly o: EdgeOptions) {
    this.log = o.logger.child('edge');
    this.replier = new StatelessReplier(o.transport, this.log, o.serverHeader);
    const failLog = o.authFailLog ?? new AuthFailLog({ clock: systemClock, logger: this.log });
    this.gate = new DigestGate({ auth: o.auth, guard: o.guard, replier: this.replier, logger: this.log, failLog, isLocalAddress: o.isLocalAddress, metrics: o.metrics });
  }

  /** Entry point for every well-formed message the transports deliver. Never throws. */
  onMessage(inbound: Inbound): void {
    try {
      if (inbound.message.kind === 'response') {
        // Who sent it, for a TU that must know (a challenge is answered only for its trunk).
        rememberSource(inbound.message, inbound.source);
        // RFC 3261 §18.1.2: a response that matches no client transaction is dropped.
        this.o.transactions.receiveResponse(inbound);
        return;
      }
      const seen = this.o.trustedEdges ? this.o.trustedEdges.stamp(inbound) : inbound;
      // The edge itself is trusted; the phone behind it is judged like a direct one.
      if (seen.client !== undefined && this.o.admitClient && this.o.admitClient(seen.client.address, seen.client.port) !== 'ok') return;
      this.onRequest(seen, inbound.message);
    } catch (e) {
      if (e instanceof SipError && inbound.message.kind === 'request' && inbound.message.method !== 'ACK') {
        this.replier.replyError(inbound, e);
        return;
      }
      this.log.error('request handling failed', { error: e, from: inbound.source.address });
      if (inbound.message.kind === 'request' && inbound.message.method !== 'ACK') {
        this.replier.reply(inbound, 500);
      }
    }
  }

  private onRequest(inbound: Inbound, req: SipRequest): void {
    const match = this.o.transactions.matchRequest(inbound);
    if (match.kind === 'absorbed') return;
    if (match.kind === 'ack') {
      // An ACK for a 2xx belongs to its dialog, not a transaction (RFC 3261 §17.2.1).
      this.o.b2bua?.handleAck(req);
      return;
    }
    if (req.method === 'CANCEL') {
      // RFC 3261 §9.2: a CANCEL that matches no INVITE transaction gets 481; one that
      // does gets 200 at once, and the INVITE is then answered 487.
      const invite = this.o.transactions.findInviteServerTransaction(req);
      if (!invite) {
        this.replier.reply(inbound, 481);
        return;
      }
      this.replier.reply(inbound, 200);
      this.o.b2bua?.handleCancel(invite);
      return;
    }
    // Issue 13 point 4: shed new work early, after retransmissions, ACK and CANCEL.
    if (this.o.overload && shedNewRequest(this.o.overload, this.replier, inbound, req)) return;
    if (req.method === 'SUBSCRIBE' && this.o.subscriptions && isSubscribeRefresh(req)) {
      admitSubscribeRefresh({ gate: this.gate, replier: this.replier, subscriptions: this.o.subscriptions }, inbound, req, this.o.transport.responseTarget(inbound));
      return;
    }
    // A request inside a dialog (To has a tag) goes to the call that owns the dialog.
    if (this.o.b2bua && req.method !== 'REGISTER' && tagOf(getHeader(req, 'to')) !== undefined) {
      if (uasChecks(req)?.status === 501) {
        this.replier.reply(inbound, 501, { headers: [['Allow', ALLOWED_METHODS.join(', ')]] });
        return;
      }
      if (!this.o.b2bua.handleInDialog(inbound, req, this.o.transport.responseTarget(inbound))) this.replier.reply(inbound, 481);
      return;
    }
    const refusal = uasChecks(req);
    if (refusal) {
      this.replier.replyError(inbound, refusal);
      return;
    }
    // A stray ACK (no transaction, no dialog) is dropped: an ACK is never answered.
    if (req.method === 'ACK') return;
    // THE tenant-resolution stage, once, before dispatch: tenant-resolution.ts says which header names the tenant.
    const who = resolveTenant(this.o, inbound, req);
    if (who.kind === 'refuse') {
      // Credentials for a domain that names no tenant: a failed authentication of nobody's.
      if (who.noTenant && req.method === 'REGISTER' && getHeader(req, 'authorization') !== undefined) this.o.metrics.authFailure(undefined);
      this.replier.reply(inbound, who.status, { reason: who.reason });
      return;
    }
    if (who.kind === 'server') {
      this.onOptions(inbound);
      return;
    }
    switch (req.method) {
      case 'OPTIONS':
        this.onOptions(inbound);
        return;
      case 'REGISTER':
        this.onRegister(inbound, req, who.tenant);
        return;
      case 'SUBSCRIBE':
        if (!this.o.subscriptions) break;
        // An accepted subscription's connection carries its NOTIFYs: kept like a registration's.
        if (admitSubscribe({ gate: this.gate, replier: this.replier, subscriptions: this.o.subscriptions }, who.tenant, inbound, req, this.o.transport.responseTarget(inbound))) this.pin(inbound);
        return;
      case 'INVITE': {
        if (!this.o.b2bua) break;
        const target = this.o.transport.responseTarget(inbound);
        const admitted =
          who.kind === 'trunk'
            ? trunkInvite(who, inbound, req, target)
            : admitInvite(
                {
                  tenants: this.o.tenants,
                  gate: this.gate,
                  replier: this.replier,
                  isLocalAddress: this.o.isLocalAddress,
                  ...(this.o.refusals ? { refusals: this.o.refusals } : {}),
                  ...(this.o.gruu ? { resolveTempGruu: (t: TenantContext, user: string) => tempGruuTarget(this.o.gruu!, t, user, (this.o.clock ?? systemClock).now()) } : {}),
                },
                who.tenant,
                inbound,
                req,
                target,
              );
        if (admitted) {
          this.pin(inbound);
          this.o.b2bua.handleInvite(admitted);
        }
        return;
      }
    }
    // Methods we recognise but do not serve yet (or a service left out): 405 with Allow.
    this.replier.reply(inbound, 405, { headers: [['Allow', ALLOWED_METHODS.join(', ')]] });
  }

  /**
   * OPTIONS to the server itself (no user part) or to a served domain is answered with 200
   * and our capabilities (RFC 3261 §11.2), statelessly: it is a keep-alive and a probe.
   */
  private onOptions(inbound: Inbound): void {
    this.replier.reply(inbound, 200, OPTIONS_REPLY);
  }

  private onRegister(inbound: Inbound, req: SipRequest, tenant: TenantContext): void {
    // RFC 3261 §10.3: the address-of-record is the To URI (its domain named the tenant).
    const to = toOf(req);
    if (!isSipUri(to.uri) || to.uri.user === undefined) throw sipError(400, { detail: 'To is not a SIP URI with a user part' });
    const ext = this.gate.authenticate(inbound, req, tenant, 'registrar');
    if (!ext) return;
    const aor = unescapeUriPart(to.uri.user);
    // RFC 3261 §10.3 step 3: the authenticated user may change only its own bindings.
    if (aor !== ext.ext) {
      this.replier.reply(inbound, 403, { reason: 'Forbidden: not your address-of-record' });
      return;
    }
    const tx = this.o.transactions.createServerTransaction(inbound, this.o.transport.responseTarget(inbound));
    const limit = tenant.limits.registrations;
    const res = this.o.registrar.register(
      {
        aor,
        store: tenant.store,
        tenant: tenant.id,
        domain: to.uri.host,
        ...(ext.maxContacts !== undefined ? { maxContacts: ext.maxContacts } : {}),
        ...(limit !== undefined ? { registrationLimit: { max: limit, count: () => tenant.store.countBindings() } } : {}),
      },
      req,
      inbound,
    );
    tx.respond(this.replier.decorate(res));
    if (res.status === 200) this.o.guard.registered?.(clientOf(inbound).address, clientOf(inbound).port, longestExpiry(res));
    if (res.status === 200 && longestExpiry(res) > 0) this.o.onRegistered?.(tenant, aor);
    if (res.status === 200) this.o.onBindingsChanged?.(tenant, aor);
    if (res.status >= 200 && res.status < 300) this.pin(inbound);
  }

  /**
   * A connection that carries a registration or a dialog keeps the long idle timeout
   * and is never evicted; strangers' connections get neither (issue 16, finding 5).
   */
  private pin(inbound: Inbound): void {
    if (inbound.connectionId !== undefined) this.o.transport.pinConnection?.(inbound.connectionId);
  }
}

/** The longest expires= among the Contacts of a REGISTER's 200 (0 when none: a removal or a query). */
function longestExpiry(res: SipResponse): number {
  let longest = 0;
  for (const v of getHeaderValues(res, 'contact')) {
    const m = /;\s*expires\s*=\s*(\d{1,10})/i.exec(String(v));
    if (m) longest = Math.max(longest, Number(m[1]));
  }
  return longest;
}
