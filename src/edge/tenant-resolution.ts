import { dialledNumber } from '../routing/dialled-number.js';
import type { TrunkHandle } from '../trunk/trunk-handle.js';
import { fromOf, hasHeader, requestUriOf, toOf } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';
import { isSipUri, unescapeUriPart, type SipUri } from '../sip/message/uri.js';
import { clientOf, type Inbound } from '../sip/transport/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import { reasonPhrase } from '../sip/message/reason-phrases.js';

/** The reason phrase of the 403 a suspended tenant's phones and DIDs get (issue 5). */
export const TENANT_SUSPENDED = 'Tenant suspended';

/** Which header's SIP URI domain may name the tenant. */
export type TenantHeader = 'request-uri' | 'to' | 'from';

/** How one method names its tenant. */
export interface TenantRule {
  /** Tried in order: the first of these whose domain is a tenant's names it. */
  readonly domainOf: readonly TenantHeader[];
  /** INVITE only: a request from a trunk's address to a DID belongs to the DID's tenant. */
  readonly trunkByAddress?: boolean;
  /** A suspended tenant is refused 403 (it starts nothing: no registration, call or subscription). */
  readonly refuseSuspended: boolean;
  /** A Request-URI without a user part is addressed to the server itself, not a tenant (OPTIONS pings). */
  readonly serverWithoutUser?: boolean;
  /** The header whose URI must have a user part (REGISTER: the address-of-record). */
  readonly userIn?: TenantHeader;
}

/**
 * THE rule: which header names the tenant of a request outside any dialog. Requests inside
 * a dialog (To tag) belong to the tenant of the dialog and never come here.
 * - REGISTER: the domain of To, the address-of-record (RFC 3261 §10.3).
 * - INVITE: first the trunk it came from (known by source address, RFC 3261 has no identity
 *   for a carrier) when it is addressed to a number without credentials: the DID's tenant;
 *   else the caller's own domain (From), else the domain of the Request-URI.
 * - SUBSCRIBE, OPTIONS, everything else: the domain of the Request-URI (an OPTIONS without a
 *   user part is a ping of the server itself).
 * An unknown domain is 404 Domain Not Served; a DID no trunk of its tenant delivers is 404 Not
 * Found (never routed back out); a suspended tenant's REGISTER, INVITE and SUBSCRIBE get 403.
 */
export const TENANT_RULES: Readonly<Record<string, TenantRule>> = {
  REGISTER: { domainOf: ['to'], refuseSuspended: true, userIn: 'to' },
  INVITE: { domainOf: ['from', 'request-uri'], trunkByAddress: true, refuseSuspended: true },
  SUBSCRIBE: { domainOf: ['request-uri'], refuseSuspended: true },
  OPTIONS: { domainOf: ['request-uri'], refuseSuspended: false, serverWithoutUser: true },
};
/** The rule of every method not in TENANT_RULES. */
export const OTHER_METHODS_RULE: TenantRule = { domainOf: ['request-uri'], refuseSuspended: false };

export function tenantRuleOf(method: string): TenantRule {
  return TENANT_RULES[method] ?? OTHER_METHODS_RULE;
}

/** Trunks as the edge sees them: which ones an address may be, and for which tenants. */
export interface TrunkDirectory {
  /** Trunks that inbound calls from this address may come through: a tenant's own trunk (tenantIds = [it]) or a provider trunk. */
  match(address: string): Array<{ handle: TrunkHandle; tenantIds: readonly string[] | '*' }>;
}

export interface TenantResolutionDeps {
  tenants: { resolveDomain(host: string): TenantContext | undefined; resolveDid?(number: string): TenantContext | undefined };
  /** Trunks by source address, for inbound calls from carriers. */
  trunks?: TrunkDirectory;
}

/** Who a request is for, decided once at the edge before method dispatch. */
export type TenantResolution =
  /** Addressed to the server itself (no tenant involved). */
  | { kind: 'server' }
  /** A tenant named by the domain of one header. */
  | { kind: 'tenant'; tenant: TenantContext; by: TenantHeader }
  /** A carrier's call through a trunk to one of the tenant's DIDs (E.164 with '+'). */
  | { kind: 'trunk'; tenant: TenantContext; trunk: TrunkHandle; did: string }
  /** Refused before any service: `noTenant` when the domain names no tenant at all. */
  | { kind: 'refuse'; status: number; reason: string; noTenant?: true };

const DOMAIN_NOT_SERVED = { kind: 'refuse', status: 404, reason: 'Domain Not Served', noTenant: true } as const;

/**
 * The tenant-resolution stage: applies the rule of the request's method (TENANT_RULES).
 * Expects a request that passed the UAS checks (its Request-URI is a SIP URI).
 */
export function resolveTenant(d: TenantResolutionDeps, inbound: Inbound, req: SipRequest): TenantResolution {
  const rule = tenantRuleOf(req.method);
  if (rule.trunkByAddress) {
    const byTrunk = trunkCall(d, inbound, req);
    if (byTrunk) return byTrunk;
  }
  if (rule.serverWithoutUser && requestUri(req)?.user === undefined) return { kind: 'server' };
  if (rule.userIn !== undefined) {
    const uri = uriOf(req, rule.userIn);
    if (!uri) return { kind: 'refuse', status: 400, reason: `Bad Request: ${headerName(rule.userIn)} is not a SIP URI` };
    if (uri.user === undefined) return { kind: 'refuse', status: 400, reason: `Bad Request: ${headerName(rule.userIn)} has no user part` };
  }
  for (const h of rule.domainOf) {
    const uri = uriOf(req, h);
    const tenant = uri ? d.tenants.resolveDomain(uri.host) : undefined;
    if (!tenant) continue;
    if (rule.refuseSuspended && tenant.status === 'suspended') return { kind: 'refuse', status: 403, reason: TENANT_SUSPENDED };
    return { kind: 'tenant', tenant, by: h };
  }
  return DOMAIN_NOT_SERVED;
}

/**
 * An INVITE from a trunk's address to one of the DIDs of a tenant that trunk serves is an
 * inbound call of that tenant. Anything else a trunk sends to a number without credentials
 * is refused with 404: an unknown DID or an external number; nothing that comes in from a
 * trunk is ever routed back out (no open relay). A request carrying credentials, from one of
 * our tenants' domains, or not addressed to a number, is not a trunk call (undefined): it is
 * resolved by its domains and authenticated like any other.
 */
function trunkCall(d: TenantResolutionDeps, inbound: Inbound, req: SipRequest): TenantResolution | undefined {
  if (!d.trunks || !d.tenants.resolveDid) return undefined;
  const candidates = d.trunks.match(clientOf(inbound).address);
  if (candidates.length === 0) return undefined;
  if (hasHeader(req, 'authorization') || hasHeader(req, 'proxy-authorization')) return undefined;
  // A phone of ours that shares the carrier's network calls as itself (From in a tenant's domain).
  const from = uriOf(req, 'from');
  if (from && d.tenants.resolveDomain(from.host)) return undefined;
  const user = addressedNumber(req);
  if (user === undefined) return undefined;
  const did = user.startsWith('+') ? user : `+${user}`;
  const tenant = d.tenants.resolveDid(did);
  const trunk = tenant ? candidates.find((c) => c.tenantIds === '*' || c.tenantIds.includes(tenant.id)) : undefined;
  if (!tenant || !trunk) return { kind: 'refuse', status: 404, reason: reasonPhrase(404) };
  if (tenant.status === 'suspended') return { kind: 'refuse', status: 403, reason: TENANT_SUSPENDED };
  return { kind: 'trunk', tenant, trunk: trunk.handle, did };
}

/** The number a carrier addressed: the Request-URI user, else the To user (RFC 3261 §8.1.1.1 lets them differ). */
function addressedNumber(req: SipRequest): string | undefined {
  for (const uri of [requestUri(req), safeUriOf(req, 'to')]) {
    if (!uri || uri.user === undefined) continue;
    const user = dialledNumber(unescapeUriPart(uri.user).split(';')[0]!);
    if (/^\+?[0-9]{3,20}$/.test(user)) return user;
  }
  return undefined;
}

function requestUri(req: SipRequest): SipUri | undefined {
  const uri = requestUriOf(req);
  return isSipUri(uri) ? uri : undefined;
}

/** The SIP URI of a header; undefined when it is another scheme. A malformed To/From throws SipError 400. */
function uriOf(req: SipRequest, h: TenantHeader): SipUri | undefined {
  if (h === 'request-uri') return requestUri(req);
  const uri = (h === 'to' ? toOf(req) : fromOf(req)).uri;
  return isSipUri(uri) ? uri : undefined;
}

function safeUriOf(req: SipRequest, h: TenantHeader): SipUri | undefined {
  try {
    return uriOf(req, h);
  } catch {
    return undefined;
  }
}

function headerName(h: TenantHeader): string {
  return h === 'to' ? 'To' : h === 'from' ? 'From' : 'Request-URI';
}
