import type { TenantContext } from '../tenant/tenant-context.js';
import type { ResourceAccess } from './event-package.js';

/**
 * Whether `name` is an extension of `tenant` that may be watched (dialog, presence): any
 * enabled extension of the subscriber's own tenant. Anything else, another tenant's
 * extension included (it is not a name in this tenant), is the one same 404, so nobody
 * learns what exists elsewhere.
 */
export function watchedExtension(tenant: TenantContext, name: string): ResourceAccess {
  const ext = name.length <= 64 ? tenant.store.getExtension(name) : undefined;
  if (!ext || !ext.enabled) return { ok: false, status: 404, reason: 'Not Found' };
  return { ok: true, resource: ext.ext };
}
