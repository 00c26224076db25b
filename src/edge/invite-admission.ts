import type { InviteRequest } from '../b2bua/b2bua.js';
import { dialledNumber, type TrunkHandle } from '../b2bua/call-plan.js';
import { fromOf, hasHeader, requestUriOf, toOf } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';
import { isSipUri, unescapeUriPart } from '../sip/message/uri.js';
import { clientOf, type Inbound, type Target } from '../sip/transport/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { DigestGate } from './digest-gate.js';
import type { StatelessReplier } from './stateless-reply.js';

/** The reason phrase of the 403 a suspended tenant's phones and DIDs get (issue 5). */
export const TENANT_SUSPENDED = 'Tenant suspended';

/**
 * An INVITE that starts a call, admitted at the edge: the caller's tenant comes from its
 * identity (the From domain, else the Request-URI domain), the caller authenticates in
 * that tenant (407), its identity must be its own extension, and the callee must be in the
 * same tenant. A callee in another tenant's domain is refused with 403 and never reached.
 */
export function admitInvite(
  o: {
    tenants: { resolveDomain(host: string): TenantContext | undefined };
    gate: DigestGate;
    replier: StatelessReplier;
    isLocalAddress: (host: string) => boolean;
    /** A refused call attempt, for the caller's call records. */
    onRefused?: (r: { req: SipRequest; tenant: TenantContext; callerExt: string; calleeExt: string }, status: number, reason: string) => void;
    /** RFC 5627: the device a temporary GRUU (user part, `;gr` without a value) reaches in this tenant. */
    resolveTempGruu?: (tenant: TenantContext, user: string) => { ext: string; instance: string } | undefined;
  },
  inbound: Inbound,
  req: SipRequest,
  callerTarget: Target,
): InviteRequest | undefined {
  const ruri = requestUriOf(req);
  if (!isSipUri(ruri)) {
    o.replier.reply(inbound, 416);
    return undefined;
  }
  const from = fromOf(req);
  const fromHost = isSipUri(from.uri) ? from.uri.host : undefined;
  const tenant = (fromHost !== undefined ? o.tenants.resolveDomain(fromHost) : undefined) ?? o.tenants.resolveDomain(ruri.host);
  if (!tenant) {
    o.replier.reply(inbound, 404, { reason: 'Domain Not Served' });
    return undefined;
  }
  // A suspended tenant places no new calls (and, since its callers are refused, gets none).
  if (tenant.status === 'suspended') {
    o.replier.reply(inbound, 403, { reason: TENANT_SUSPENDED });
    return undefined;
  }
  const ext = o.gate.authenticate(inbound, req, tenant, 'proxy');
  if (!ext) return undefined;
  // The caller may call only as itself: the From user is the authenticated extension.
  if (!isSipUri(from.uri) || from.uri.user === undefined || unescapeUriPart(from.uri.user) !== ext.ext) {
    o.replier.reply(inbound, 403, { reason: 'Forbidden: From is not the authenticated user' });
    return undefined;
  }
  // Tenant isolation: the callee is looked up in the caller's tenant only.
  if (!tenant.domains.includes(ruri.host) && !o.isLocalAddress(ruri.host)) {
    const other = o.tenants.resolveDomain(ruri.host);
    if (other && other.id !== tenant.id) {
      // (another tenant, suspended or not: the same refusal, nothing about it leaks)
      o.replier.reply(inbound, 403, { reason: 'Forbidden: callee is in another tenant' });
      o.onRefused?.({ req, tenant, callerExt: ext.ext, calleeExt: ruri.user !== undefined ? unescapeUriPart(ruri.user) : '' }, 403, 'Forbidden: callee is in another tenant');
    } else {
      o.replier.reply(inbound, 404, { reason: 'Not Found' });
    }
    return undefined;
  }
  if (ruri.user === undefined) {
    o.replier.reply(inbound, 404, { reason: 'Not Found' });
    return undefined;
  }
  const gr = ruri.params['gr'];
  let dialled = dialledNumber(unescapeUriPart(ruri.user));
  let calleeInstance = typeof gr === 'string' && gr.length > 0 ? gr.replace(/^<|>$/g, '') : undefined;
  if (gr === null) {
    // RFC 5627 §3.2: a temporary GRUU; it reaches one device of this tenant or nothing.
    const device = o.resolveTempGruu?.(tenant, unescapeUriPart(ruri.user));
    if (!device) {
      o.replier.reply(inbound, 404, { reason: 'Not Found' });
      return undefined;
    }
    dialled = device.ext;
    calleeInstance = device.instance;
  }
  return {
    inbound,
    req,
    tenant,
    caller: { kind: 'extension', ext: ext.ext, classOfService: ext.classOfService ?? 'national' },
    dialled,
    ...(calleeInstance !== undefined ? { calleeInstance } : {}),
    callerTarget,
  };
}

/** Trunks as the edge sees them: which ones an address may be, and for which tenants. */
export interface TrunkDirectory {
  /** Trunks that inbound calls from this address may come through: a tenant's own trunk (tenantIds = [it]) or a provider trunk. */
  match(address: string): Array<{ handle: TrunkHandle; tenantIds: readonly string[] | '*' }>;
}

/** What the edge does with an INVITE from a trunk's address. */
export type TrunkAdmission = { kind: 'call'; invite: InviteRequest } | { kind: 'refuse'; status: number; reason: string };

/** The number a carrier addressed: the Request-URI user, else the To user (RFC 3261 §8.1.1.1 lets them differ). */
function addressedNumber(req: SipRequest): string | undefined {
  for (const uri of [requestUriOf(req), toUriOf(req)]) {
    if (!uri || !isSipUri(uri) || uri.user === undefined) continue;
    const user = dialledNumber(unescapeUriPart(uri.user).split(';')[0]!);
    if (/^\+?[0-9]{3,20}$/.test(user)) return user;
  }
  return undefined;
}

function toUriOf(req: SipRequest) {
  try {
    return toOf(req).uri;
  } catch {
    return undefined;
  }
}

/**
 * An INVITE from a trunk's address (RFC 3261 has no identity for a carrier: the trunk is
 * known by its address) to one of the DIDs of a tenant that trunk serves becomes an
 * inbound call of that tenant. Without credentials, anything else a trunk sends to a
 * number is refused with 404: an unknown DID, or an external number — nothing that
 * comes in from a trunk is ever routed back out (no open relay). A request carrying
 * credentials, from one of our tenants' domains, or not addressed to a number, is not a trunk call and goes through
 * digest authentication like any other (undefined).
 */
export function admitTrunkInvite(
  o: { trunks: TrunkDirectory; tenants: { resolveDid(number: string): TenantContext | undefined; resolveDomain(host: string): TenantContext | undefined } },
  inbound: Inbound,
  req: SipRequest,
  callerTarget: Target,
): TrunkAdmission | undefined {
  const candidates = o.trunks.match(clientOf(inbound).address);
  if (candidates.length === 0) return undefined;
  if (hasHeader(req, 'authorization') || hasHeader(req, 'proxy-authorization')) return undefined;
  // A phone of ours that shares the carrier's network calls as itself (From in a tenant's domain).
  const from = fromOf(req);
  if (isSipUri(from.uri) && o.tenants.resolveDomain(from.uri.host)) return undefined;
  const user = addressedNumber(req);
  if (user === undefined) return undefined;
  const did = user.startsWith('+') ? user : `+${user}`;
  const tenant = o.tenants.resolveDid(did);
  const trunk = tenant ? candidates.find((c) => c.tenantIds === '*' || c.tenantIds.includes(tenant.id)) : undefined;
  if (!tenant || !trunk) return { kind: 'refuse', status: 404, reason: 'Not Found' };
  if (tenant.status === 'suspended') return { kind: 'refuse', status: 403, reason: TENANT_SUSPENDED };
  return { kind: 'call', invite: { inbound, req, tenant, caller: { kind: 'trunk', trunk: trunk.handle, did }, dialled: did, callerTarget } };
}
