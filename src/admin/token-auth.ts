import { secretsEqual, type ApiTokenStore } from '../store/api-token-store.js';
import type { SystemStore } from '../store/system-store.js';
import type { Principal } from './api-types.js';

/** What the API server needs to turn a bearer token into a principal. */
export interface TokenVerifier {
  verify(token: string): Principal | undefined;
}

/**
 * Bearer tokens → principals: api.adminToken of pbx.yaml (read on every call, so a reload
 * takes effect; absent: only stored tokens work) is the provider with tokenId 'admin';
 * anything else must be a stored, unrevoked `pbx_<id>_<secret>`. A tenant-scoped token
 * stops working while its tenant is deleted or disabled (suspended tenants keep their
 * administrators: someone has to look at them).
 */
export class BearerTokens implements TokenVerifier {
  constructor(
    private readonly o: {
      tokens: ApiTokenStore;
      system: Pick<SystemStore, 'getTenant'>;
      adminToken: () => string | undefined;
    },
  ) {}

  verify(token: string): Principal | undefined {
    if (token.length === 0 || token.length > 512) return undefined;
    const admin = this.o.adminToken();
    if (admin !== undefined && admin !== '' && secretsEqual(token, admin)) return { role: 'provider', tokenId: 'admin' };
    const rec = this.o.tokens.verify(token);
    if (!rec) return undefined;
    if (rec.tenantId !== undefined) {
      const t = this.o.system.getTenant(rec.tenantId);
      if (!t || t.status === 'deleted' || t.status === 'disabled') return undefined;
    }
    return {
      role: rec.role,
      tokenId: rec.id,
      ...(rec.tenantId !== undefined ? { tenantId: rec.tenantId } : {}),
      ...(rec.ext !== undefined ? { ext: rec.ext } : {}),
    };
  }
}
