import type { Registrar } from '../registrar/registrar.js';
import type { DigestAuthenticator } from '../sip/auth/digest-authenticator.js';
import { getHeaderValues, toOf } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';
import { isSipUri, parseUri, unescapeUriPart, type SipUri } from '../sip/message/uri.js';
import type { TransactionLayer } from '../sip/transaction/transaction-layer.js';
import type { Inbound } from '../sip/transport/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { Extension } from '../tenant/tenant-store.js';
import { SipError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { StatelessReplier, type EdgeTransport } from './stateless-reply.js';
import { ALLOWED_METHODS, SUPPORTED_OPTIONS, uasChecks } from './uas-checks.js';

export interface EdgeOptions {
  transport: EdgeTransport;
  transactions: TransactionLayer;
  tenants: { resolveDomain(host: string): TenantContext | undefined };
  auth: DigestAuthenticator;
  guard: { authFailed(address: string): void; authSucceeded(address: string): void };
  registrar: Registrar;
  logger: Logger;
  /** Whether a host (IP literal, brackets removed or not) is one of this server's own addresses. */
  isLocalAddress: (host: string) => boolean;
  /** Product string for Server headers; undefined = none (the default). */
  serverHeader: () => string | undefined;
}

/** Extension names as they may appear in a store (the config validates the same set). */
const EXTENSION_RE = /^[0-9A-Za-z_.+-]{1,32}$/;

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

  constructor(private readonly o: EdgeOptions) {
    this.log = o.logger.child('edge');
    this.replier = new StatelessReplier(o.transport, this.log, o.serverHeader);
  }

  /** Entry point for every well-formed message the transports deliver. Never throws. */
  onMessage(inbound: Inbound): void {
    try {
      if (inbound.message.kind === 'response') {
        // RFC 3261 §18.1.2: a response that matches no client transaction is dropped.
        this.o.transactions.receiveResponse(inbound);
        return;
      }
      this.onRequest(inbound, inbound.message);
    } catch (e) {
      if (e instanceof SipError && inbound.message.kind === 'request' && inbound.message.method !== 'ACK') {
        this.replier.replyError(inbound, e);
        return;
      }
      this.log.error('request handling failed', { error: e, from: inbound.source.address });
      if (inbound.message.kind === 'request' && inbound.message.method !== 'ACK') {
        this.replier.reply(inbound, 500, { reason: 'Server Internal Error' });
      }
    }
  }

  private onRequest(inbound: Inbound, req: SipRequest): void {
    const match = this.o.transactions.matchRequest(inbound);
    if (match.kind === 'absorbed') return;
    if (match.kind === 'ack') return; // no dialogs yet: an ACK for a 2xx has nobody to go to
    if (req.method === 'CANCEL') {
      // RFC 3261 §9.2: a CANCEL that matches no INVITE transaction gets 481.
      const invite = this.o.transactions.findInviteServerTransaction(req);
      if (!invite) this.replier.reply(inbound, 481);
      return;
    }
    const refusal = uasChecks(req);
    if (refusal) {
      this.replier.replyError(inbound, refusal);
      return;
    }
    switch (req.method) {
      case 'OPTIONS':
        this.onOptions(inbound, req);
        return;
      case 'REGISTER':
        this.onRegister(inbound, req);
        return;
      default:
        this.onNotYetAllowed(inbound, req);
    }
  }

  /**
   * OPTIONS to the server itself (no user part) is answered with 200 and our
   * capabilities (RFC 3261 §11.2), statelessly: it is a keep-alive and a probe.
   */
  private onOptions(inbound: Inbound, req: SipRequest): void {
    const uri = parseUri(req.uri) as SipUri;
    if (uri.user !== undefined && !this.o.tenants.resolveDomain(uri.host)) {
      this.replier.reply(inbound, 404, { reason: 'Domain Not Served' });
      return;
    }
    this.replier.reply(inbound, 200, {
      headers: [
        ['Allow', ALLOWED_METHODS.join(', ')],
        ['Accept', 'application/sdp'],
        ['Supported', [...SUPPORTED_OPTIONS].join(', ')],
      ],
    });
  }

  /** Methods we recognise but do not serve yet: 405 with Allow, after tenant resolution. */
  private onNotYetAllowed(inbound: Inbound, req: SipRequest): void {
    if (req.method === 'ACK') return;
    const uri = parseUri(req.uri) as SipUri;
    if (!this.o.tenants.resolveDomain(uri.host)) {
      this.replier.reply(inbound, 404, { reason: 'Domain Not Served' });
      return;
    }
    this.replier.reply(inbound, 405, { headers: [['Allow', ALLOWED_METHODS.join(', ')]] });
  }

  private onRegister(inbound: Inbound, req: SipRequest): void {
    // RFC 3261 §10.3: the address-of-record is the To URI; its domain names the tenant.
    const to = toOf(req);
    if (!isSipUri(to.uri)) throw new SipError(400, 'Bad Request', { detail: 'To is not a SIP URI' });
    if (to.uri.user === undefined) {
      this.replier.reply(inbound, 400, { reason: 'Bad Request: To has no user part' });
      return;
    }
    const tenant = this.o.tenants.resolveDomain(to.uri.host);
    if (!tenant) {
      this.replier.reply(inbound, 404, { reason: 'Domain Not Served' });
      return;
    }
    let ext: Extension | undefined;
    const outcome = this.o.auth.verify(
      {
        method: req.method,
        requestUri: req.uri,
        header: getHeaderValues(req, 'authorization'),
        realm: tenant.realm,
        acceptUri: (digestUri) => this.namesThisRegistrar(digestUri, tenant),
      },
      (username, algorithm) => {
        if (!EXTENSION_RE.test(username)) return undefined;
        ext = tenant.store.getExtension(username);
        return ext && ext.enabled && ext.realm === tenant.realm ? ext.ha1[algorithm] : undefined;
      },
    );
    if (!outcome.ok) {
      if (outcome.kind === 'rejected') {
        // Unknown user and wrong password look the same from outside (no enumeration).
        this.o.guard.authFailed(inbound.source.address);
        this.log.info('authentication failed', { tenant: tenant.id, from: inbound.source.address, detail: outcome.detail });
        this.replier.reply(inbound, 403);
        return;
      }
      this.replier.reply(inbound, 401, { headers: this.o.auth.challenge(tenant.realm, { stale: outcome.kind === 'stale' }) });
      return;
    }
    this.o.guard.authSucceeded(inbound.source.address);
    const aor = unescapeUriPart(to.uri.user);
    // RFC 3261 §10.3 step 3: the authenticated user may change only its own bindings.
    if (aor !== outcome.username) {
      this.replier.reply(inbound, 403, { reason: 'Forbidden: not your address-of-record' });
      return;
    }
    // The extension was read once, for the digest check, and authenticated as the AOR.
    if (!ext || !ext.enabled || ext.ext !== aor) {
      this.replier.reply(inbound, 403);
      return;
    }
    const tx = this.o.transactions.createServerTransaction(inbound, this.o.transport.responseTarget(inbound));
    const limit = tenant.limits.registrations;
    const res = this.o.registrar.register(
      {
        aor,
        store: tenant.store,
        ...(ext.maxContacts !== undefined ? { maxContacts: ext.maxContacts } : {}),
        ...(limit !== undefined ? { registrationLimit: { max: limit, count: () => tenant.store.countBindings() } } : {}),
      },
      req,
      inbound,
    );
    tx.respond(this.replier.decorate(res));
  }

  /**
   * A REGISTER's digest-uri that is not its Request-URI is still accepted when it names
   * this registrar: a SIP URI without a user part whose host is one of the tenant's
   * domains or one of our own addresses (SIPp writes sip:<server ip>:<port> there).
   */
  private namesThisRegistrar(digestUri: string, tenant: TenantContext): boolean {
    let u;
    try {
      u = parseUri(digestUri);
    } catch {
      return false;
    }
    if (!isSipUri(u) || u.user !== undefined) return false;
    return tenant.domains.includes(u.host) || this.o.isLocalAddress(u.host);
  }
}
