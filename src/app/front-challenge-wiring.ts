import { buildChallengeSnapshot } from '../edge/front-challenge-snapshot.js';
import type { DigestAuthenticator } from '../sip/auth/digest-authenticator.js';
import type { ChallengeSnapshot } from '../sip/transport/udp-front-protocol.js';
import type { TenantStorePool } from '../store/store-pool.js';
import type { TenantResolver } from '../tenant/tenant-resolver.js';

/**
 * What the SIP front threads need to answer first REGISTERs' challenges (issue 13 point 2):
 * the DigestAuthenticator's secret and epoch (their nonces are the main thread's), and the
 * snapshot of domains, built from the tenant resolver, the algorithms of tenants whose
 * store is open or was since the last change (an idle tenant's store is not opened for
 * this) and pbx.yaml as it stands.
 */
export function frontChallenges(d: {
  secret: Uint8Array;
  epoch: number;
  nonceTtlSeconds: number;
  auth: DigestAuthenticator;
  resolver: TenantResolver;
  pool: TenantStorePool;
  config: () => { sip: { trustedEdges: readonly string[]; userAgent?: string | undefined } };
}): { nonce: { secret: Uint8Array; epoch: number; ttlSeconds: number }; snapshot: () => ChallengeSnapshot; changed: () => void } {
  // A tenant's offered algorithms, as last read from its open store: kept when the store is
  // closed again (idle), so the snapshot keeps the tenant; dropped at every tenant change
  // and SIGHUP (changed()), the only ways its list or the server's can change.
  const remembered = new Map<string, readonly string[]>();
  return {
    changed: () => remembered.clear(),
    // A copy of its own: a Buffer may be a view of a shared pool slab, which a clone to a thread would carry whole.
    nonce: { secret: Uint8Array.from(d.secret), epoch: d.epoch, ttlSeconds: d.nonceTtlSeconds },
    snapshot: () =>
      buildChallengeSnapshot({
        domains: () => d.resolver.domainEntries(),
        algorithmsOf: (t) => {
          if (!d.pool.isOpen(t.id)) return remembered.get(t.id);
          const list = d.auth.challengeAlgorithms(t.store.getRoutingPlan().auth?.algorithms);
          remembered.set(t.id, list);
          return list;
        },
        trustedEdges: () => d.config().sip.trustedEdges,
        serverHeader: () => d.config().sip.userAgent,
      }),
  };
}
