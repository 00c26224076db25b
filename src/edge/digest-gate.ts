import type { DigestAuthenticator } from '../sip/auth/digest-authenticator.js';
import { getHeaderValues } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';
import { isSipUri, parseUri } from '../sip/message/uri.js';
import { clientOf, type Inbound } from '../sip/transport/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { Extension } from '../store/tenant-store.js';
import type { Logger } from '../util/logger.js';
import type { PbxMetrics } from '../util/pbx-metrics.js';
import type { AuthFailLog } from './security/auth-fail-log.js';
import type { StatelessReplier } from './stateless-reply.js';

/** Extension names as they may appear in a store (the config validates the same set). */
const EXTENSION_RE = /^[0-9A-Za-z_.+-]{1,32}$/;

/**
 * Digest authentication of a request against one tenant (RFC 3261 §22): REGISTER is
 * challenged with 401/WWW-Authenticate, INVITE with 407/Proxy-Authenticate (§22.3), both
 * in the tenant's realm. Challenges and refusals are sent statelessly; an unknown user and
 * a wrong password get the same 403; a failure counts against the source address.
 *
 * Algorithms (RFC 8760): the challenge offers the tenant's list (its YAML `auth.algorithms`)
 * or else the server's (pbx.yaml). An extension's own `algorithms` only narrows which of
 * those its answer may use: the challenge never depends on who asks, because a challenge
 * that differed for an existing extension would tell a scanner which extensions exist
 * (test/integration/enumeration.test.ts). An answer with an algorithm the extension does
 * not allow gets the same 403, after the same hashing work, as a wrong password.
 */
export class DigestGate {
  constructor(
    private readonly o: {
      auth: DigestAuthenticator;
      guard: { authFailed(address: string, port: number): void; authSucceeded(address: string, port: number): void };
      replier: StatelessReplier;
      logger: Logger;
      /** Where failed logins are logged, throttled per source (issue 16 finding 10a). */
      failLog: Pick<AuthFailLog, 'failed'>;
      isLocalAddress: (host: string) => boolean;
      metrics: Pick<PbxMetrics, 'authFailure'>;
    },
  ) {}

  /** The authenticated, enabled extension; or undefined after the reply has been sent. */
  authenticate(inbound: Inbound, req: SipRequest, tenant: TenantContext, as: 'registrar' | 'proxy'): Extension | undefined {
    const proxy = as === 'proxy';
    let ext: Extension | undefined;
    let narrowed: string | undefined;
    const offered = tenant.store.getRoutingPlan().auth?.algorithms;
    const outcome = this.o.auth.verify(
      {
        method: req.method,
        requestUri: req.uri,
        header: getHeaderValues(req, proxy ? 'proxy-authorization' : 'authorization'),
        realm: tenant.realm,
        acceptUri: (digestUri) => this.namesThisServer(digestUri, tenant, inbound),
        ...(offered ? { algorithms: offered } : {}),
      },
      (username, algorithm) => {
        if (!EXTENSION_RE.test(username)) return undefined;
        ext = tenant.store.getExtension(username);
        if (!ext || !ext.enabled || ext.realm !== tenant.realm) return undefined;
        if (ext.algorithms && !ext.algorithms.includes(algorithm)) {
          narrowed = `algorithm ${algorithm} not allowed for this extension (it allows ${ext.algorithms.join(', ')})`;
          return undefined;
        }
        return ext.ha1[algorithm];
      },
    );
    if (!outcome.ok) {
      if (outcome.kind === 'rejected') {
        this.o.guard.authFailed(clientOf(inbound).address, clientOf(inbound).port);
        this.o.metrics.authFailure(tenant.id);
        this.o.failLog.failed(clientOf(inbound).address, { method: req.method, detail: narrowed ?? outcome.detail }, tenant.id);
        this.o.replier.reply(inbound, 403);
        return undefined;
      }
      this.o.replier.reply(inbound, proxy ? 407 : 401, { headers: this.o.auth.challenge(tenant.realm, { stale: outcome.kind === 'stale', proxy, ...(offered ? { algorithms: offered } : {}) }) });
      return undefined;
    }
    this.o.guard.authSucceeded(clientOf(inbound).address, clientOf(inbound).port);
    // The extension was read once, for the digest check.
    if (!ext || !ext.enabled || ext.ext !== outcome.username) {
      this.o.replier.reply(inbound, 403);
      return undefined;
    }
    return ext;
  }

  /**
   * A digest-uri that is not the Request-URI is still accepted when it names this server:
   * a SIP URI without a user part whose host is one of the tenant's domains or one of our
   * own addresses (SIPp writes sip:<server ip>:<port> there); behind a trusted edge (the
   * request names its client), the edge's address too: that is the server the phone sees.
   */
  private namesThisServer(digestUri: string, tenant: TenantContext, inbound: Inbound): boolean {
    let u;
    try {
      u = parseUri(digestUri);
    } catch {
      return false;
    }
    if (!isSipUri(u) || u.user !== undefined) return false;
    const host = u.host.startsWith('[') ? u.host.slice(1, -1) : u.host;
    if (inbound.client !== undefined && host === inbound.source.address) return true;
    return tenant.domains.includes(u.host) || this.o.isLocalAddress(u.host);
  }
}
