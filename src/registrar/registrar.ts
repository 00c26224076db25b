import { createResponse } from '../sip/message/response.js';
import { getHeader, getHeaderValues, callIdOf, cseqOf } from '../sip/message/headers.js';
import type { SipRequest, SipResponse } from '../sip/message/types.js';
import { clientOf, type Inbound } from '../sip/transport/types.js';
import type { Clock } from '../util/clock.js';
import { SipError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { Binding, BindingStore } from './binding.js';
import { wantsGruu, type GruuIssuer } from './gruu.js';
import type { RegistrarPolicy } from './policy.js';
import { expiresHeader, readContacts } from './register-request.js';
import { updateBindings } from './update-bindings.js';

export interface RegisterTarget {
  /** The extension whose bindings change (already authenticated as this user). */
  aor: string;
  store: BindingStore;
  /** The tenant's id, for the log lines. */
  tenant?: string;
  /** Per-extension cap that overrides the policy. */
  maxContacts?: number;
  /** The domain of the To URI (the AOR's): GRUUs are minted in it (RFC 5627 §5.2). */
  domain?: string;
  /** Tenant-wide cap on registered contacts, and the current count. */
  registrationLimit?: { max: number; count: () => number };
}

/**
 * RFC 3261 §10.3 registrar: applies a REGISTER to the location bindings of one
 * extension and builds the 200 listing every current binding.
 */
export class Registrar {
  private policy: RegistrarPolicy;

  constructor(private readonly opts: { clock: Clock; policy: RegistrarPolicy; logger: Logger; gruu?: GruuIssuer }) {
    this.policy = opts.policy;
  }

  setPolicy(policy: RegistrarPolicy): void {
    this.policy = policy;
  }

  /** Returns the response to send. Errors come back as their SIP response; nothing is written then. */
  register(target: RegisterTarget, req: SipRequest, inbound: Inbound): SipResponse {
    try {
      return this.apply(target, req, inbound);
    } catch (e) {
      if (e instanceof SipError) {
        return createResponse(req, e.status, { reason: e.reason, headers: e.headers });
      }
      this.opts.logger.error('register failed', { ...(target.tenant !== undefined ? { tenant: target.tenant } : {}), aor: target.aor, error: e });
      return createResponse(req, 500);
    }
  }

  private apply(target: RegisterTarget, req: SipRequest, inbound: Inbound): SipResponse {
    const now = this.opts.clock.now();
    const contacts = readContacts(req);
    const exp = expiresHeader(req);
    const existing = target.store.getBindings(target.aor);
    const policy = target.maxContacts !== undefined ? { ...this.policy, maxContactsPerAor: target.maxContacts } : this.policy;
    const userAgent = getHeader(req, 'user-agent');
    // RFC 3327 §5.3: the registrar stores the Path it is given; we take it only from a trusted edge
    // (inbound.client is set by one): a Path from anyone else would let a phone aim the INVITEs
    // to its contact at any host.
    const path = inbound.client !== undefined ? getHeaderValues(req, 'path') : [];
    const result = updateBindings(
      existing,
      {
        aor: target.aor,
        contacts,
        ...(exp !== undefined ? { expiresHeader: exp } : {}),
        callId: callIdOf(req),
        cseq: cseqOf(req).seq,
        source: {
          // The phone itself, as a trusted edge names it; its connection is the edge's, not the phone's.
          protocol: clientOf(inbound).protocol,
          address: clientOf(inbound).address,
          port: clientOf(inbound).port,
          ...(inbound.connectionId !== undefined && inbound.client === undefined ? { connectionId: inbound.connectionId } : {}),
          localAddress: inbound.local.address,
          localPort: inbound.local.port,
        },
        ...(path.length > 0 ? { path } : {}),
        ...(userAgent !== undefined ? { userAgent: userAgent.slice(0, 256) } : {}),
        now,
      },
      policy,
    );
    if (target.registrationLimit && result.bindings.length > existing.length) {
      const { max, count } = target.registrationLimit;
      if (count() - existing.length + result.bindings.length > max) {
        throw new SipError(403, 'Registration Limit Reached', { detail: `tenant allows ${max} registered contacts` });
      }
    }
    if (result.changed) target.store.replaceBindings(target.aor, result.bindings);
    const gruu = this.opts.gruu;
    const mint =
      gruu && target.domain !== undefined && target.tenant !== undefined && wantsGruu(getHeaderValues(req, 'supported'))
        ? gruuParams(gruu, target.tenant, target.domain)
        : undefined;
    return createResponse(req, 200, { headers: contactHeaders(result.bindings, now, mint) });
  }
}

/**
 * RFC 5627 §5.2: to a REGISTER with `Supported: gruu`, every Contact with +sip.instance
 * gets its public GRUU and a temporary GRUU minted now.
 */
function gruuParams(gruu: GruuIssuer, tenantId: string, domain: string): (b: Binding) => string {
  return (b) => (b.instance === undefined ? '' : `;pub-gruu="${gruu.publicGruu(b.aor, domain, b.instance)}";temp-gruu="${gruu.tempGruu(tenantId, b, domain)}"`);
}

/** RFC 3261 §10.3 step 8: the 200 lists every current binding with its remaining time. */
function contactHeaders(bindings: readonly Binding[], now: number, extra?: (b: Binding) => string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const b of bindings) {
    let v = `<${b.contact}>;expires=${Math.max(0, Math.ceil((b.expiresAt - now) / 1000))}`;
    if (b.instance !== undefined) v += `;+sip.instance="<${b.instance}>"`;
    if (b.regId !== undefined) v += `;reg-id=${b.regId}`;
    if (extra) v += extra(b);
    out.push(['Contact', v]);
  }
  out.push(['Date', new Date(now).toUTCString()]);
  return out;
}
