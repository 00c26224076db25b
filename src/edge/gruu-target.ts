import type { GruuIssuer } from '../registrar/gruu.js';
import type { TenantContext } from '../tenant/tenant-context.js';

/**
 * The one device a temporary GRUU of this tenant reaches (RFC 5627 §3.2, §5.3): the
 * extension and the instance id, while the registration that minted it lives. Undefined
 * for a forged token, another tenant's, or one whose registration is gone.
 */
export function tempGruuTarget(gruu: GruuIssuer, tenant: TenantContext, user: string, now: number): { ext: string; instance: string } | undefined {
  const claim = gruu.openTemp(tenant.id, user);
  if (!claim) return undefined;
  const b = gruu.liveBinding(claim, tenant.store.getBindings(claim.aor), now);
  return b ? { ext: claim.aor, instance: claim.instance } : undefined;
}
