import type { TenantFeatures } from '../model/tenant-features.js';
import type { TenantLimits } from '../model/tenant-limits.js';
import type { TenantStore } from '../store/tenant-store.js';

/**
 * What a service receives once the edge has resolved a request to a tenant:
 * the tenant's identity and limits, and a store that reaches only its data.
 */
export interface TenantContext {
  readonly id: string;
  readonly name: string;
  /**
   * suspended: the tenant still resolves (so the edge can tell it apart from an unknown
   * domain) but its registrations and new calls are refused with 403; its data is kept.
   */
  readonly status: 'active' | 'suspended';
  /** The primary domain: the digest realm. */
  readonly realm: string;
  readonly domains: readonly string[];
  readonly limits: Readonly<TenantLimits>;
  /** Feature flags set by the provider (absent: none set). */
  readonly features?: Readonly<TenantFeatures>;
  readonly store: TenantStore;
}
