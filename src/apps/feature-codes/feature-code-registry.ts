/**
 * CallApps.featureCode as a registry: each feature's module registers an application
 * factory for its feature code ids at wiring (forwarding and DND here, voicemail's *97/*98
 * by src/apps/voicemail, *27 by the time conditions); a dialled number is matched against
 * the CALLER's tenant's table (its renames and disables), and the factory gets that tenant.
 * An id with no factory, a disabled code or a caller that is not an extension: undefined,
 * and the dial plan goes on as usual.
 */
import { featureCodeTableOf, matchFeatureCode, type FeatureCodeId } from '../../tenant/feature-codes.js';
import type { TenantContext } from '../../tenant/tenant-context.js';
import type { CallApp } from '../app-channel.js';

export interface FeatureAppContext {
  tenant: TenantContext;
  /** The calling extension (authenticated) of `tenant`. */
  callerExt: string;
  /** Digits dialled after a code that takes them (`*72` + 0301234567). */
  arg?: string;
}

export type FeatureAppFactory = (ctx: FeatureAppContext) => CallApp;

export class FeatureCodeRegistry {
  private readonly factories = new Map<FeatureCodeId, FeatureAppFactory>();

  /** One factory per id: registering an id twice is a wiring mistake. */
  register(id: FeatureCodeId, factory: FeatureAppFactory): void {
    if (this.factories.has(id)) throw new Error(`feature code ${id} is registered twice`);
    this.factories.set(id, factory);
  }

  has(id: FeatureCodeId): boolean {
    return this.factories.has(id);
  }

  /** CallApps.featureCode. */
  lookup(tenant: TenantContext, callerExt: string, dialled: string): CallApp | undefined {
    if (!callerExt || !tenant.store.getExtension(callerExt)) return undefined;
    const m = matchFeatureCode(featureCodeTableOf(tenant.store), dialled);
    if (!m) return undefined;
    const factory = this.factories.get(m.id);
    if (!factory) return undefined;
    return factory({ tenant, callerExt, ...(m.arg !== undefined ? { arg: m.arg } : {}) });
  }
}
