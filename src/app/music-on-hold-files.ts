/**
 * Which files a held party hears, for one tenant: the tenant's music-on-hold class (the
 * tenant file's `moh: { class }`, default `default`; `<dataDir>/tenants/<id>/moh/<class>/*.wav`), else the built-in media/moh/default,
 * resolved and fenced by media/prompts/moh-path.ts on every hold (a few readdir/realpath
 * calls), so a file uploaded or removed takes effect at the next hold. A resolution that
 * fails (a file escaping the tenant's folder, no built-in set) is logged and gives none:
 * the held party then hears what the holding phone sends, as before.
 */
import { resolveMohClass } from '../media/prompts/moh-path.js';
import { MOH_CLASS_SETTING } from '../tenant/apply-tenant.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { Logger } from '../util/logger.js';

export const DEFAULT_MOH_CLASS = 'default';

/** The tenant file's `moh.class` (kept in its settings by the apply), read at each hold. */
export function tenantMohClass(tenant: TenantContext): string | undefined {
  return tenant.store.getSetting(MOH_CLASS_SETTING);
}

export function musicOnHoldFiles(o: { dataDir: string; logger: Logger; classOf?: (tenant: TenantContext) => string | undefined }): (tenant: TenantContext) => readonly string[] | undefined {
  const classOf = o.classOf ?? tenantMohClass;
  return (tenant) => {
    let className = DEFAULT_MOH_CLASS;
    try {
      className = classOf(tenant) ?? DEFAULT_MOH_CLASS;
    } catch (e) {
      o.logger.warn('music-on-hold class unreadable; the default class plays', { tenant: tenant.id, error: e });
    }
    try {
      return resolveMohClass(className, tenant.id, { dataDir: o.dataDir }).files;
    } catch (e) {
      o.logger.warn('no music on hold', { tenant: tenant.id, class: className, error: e });
      return undefined;
    }
  };
}
