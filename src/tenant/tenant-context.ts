import type { TenantLimits } from './tenant-limits.js';
import type { TenantStore } from './tenant-store.js';

/**
 * What a service receives once the edge has resolved a request to a tenant:
 * the tenant's identity and limits, and a store that reaches only its data.
 */
export interface TenantContext {
  readonly id: string;
  readonly name: string;
  /** The primary domain: the digest realm. */
  readonly realm: string;
  readonly domains: readonly string[];
  readonly limits: Readonly<TenantLimits>;
  readonly store: TenantStore;
}
