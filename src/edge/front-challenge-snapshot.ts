import type { ChallengeSnapshot } from '../sip/transport/udp-front-protocol.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import { tenantRuleOf } from './tenant-resolution.js';

export interface ChallengeSnapshotSource {
  /** Every served domain (normalised, as the tenant resolver keys them) with its tenant. */
  domains(): Iterable<[string, TenantContext]>;
  /**
   * The algorithms the tenant's challenges offer, in order, as the digest gate would offer
   * them (src/edge/digest-gate.ts: the tenant's list, else the server's); undefined when
   * that cannot be read without opening the tenant's store (10,000 tenants: idle ones have
   * none open). Such a tenant is left out: its first REGISTER is forwarded, challenged on
   * the main thread, and the snapshot built after that has it.
   */
  algorithmsOf(tenant: TenantContext): readonly string[] | undefined;
  /** pbx.yaml sip.trustedEdges. */
  trustedEdges(): readonly string[];
  /** pbx.yaml sip.userAgent (the Server header). */
  serverHeader(): string | undefined;
}

/**
 * What the SIP front threads may challenge themselves (src/sip/transport/front-challenge.ts):
 * the domains whose first REGISTER this edge would answer with a digest challenge, each
 * with its tenant's realm and offered algorithms. A domain names a tenant for a REGISTER
 * by the To domain (tenant-resolution.ts); a suspended tenant's domains are left out (its
 * REGISTERs get 403 here), so the threads know SIP rules and this list, no tenant.
 * Plain data for the threads.
 */
export function buildChallengeSnapshot(src: ChallengeSnapshotSource): ChallengeSnapshot {
  if (tenantRuleOf('REGISTER').domainOf.join() !== 'to') throw new Error('front challenges assume REGISTER names its tenant by the To domain');
  const domains: ChallengeSnapshot['domains'] = {};
  for (const [domain, tenant] of src.domains()) {
    if (tenant.status !== 'active') continue;
    const algorithms = src.algorithmsOf(tenant);
    if (algorithms === undefined || algorithms.length === 0) continue;
    domains[domain] = { realm: tenant.realm, algorithms: [...algorithms] };
  }
  const server = src.serverHeader();
  return { domains, trustedEdges: [...src.trustedEdges()], ...(server !== undefined ? { serverHeader: server } : {}) };
}
