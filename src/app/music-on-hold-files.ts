/**
 * Which files a held party hears, for one tenant: the tenant's music-on-hold class
 * (`<dataDir>/tenants/<id>/moh/<class>/*.wav`), else the built-in media/moh/default,
 * resolved and fenced by media/prompts/moh-path.ts on every hold (a few readdir/realpath
 * calls), so a file uploaded or removed takes effect at the next hold. A resolution that
 * fails (a file escaping the tenant's folder, no built-in set) is logged and gives none:
 * the held party then hears what the holding phone sends, as before.
 */
import { resolveMohClass } from '../media/prompts/moh-path.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { Logger } from '../util/logger.js';

export const DEFAULT_MOH_CLASS = 'default';

export function musicOnHoldFiles(o: { dataDir: string; logger: Logger; classOf?: (tenant: TenantContext) => string | undefined }): (tenant: TenantContext) => readonly string[] | undefined {
  return (tenant) => {
    const className = o.classOf?.(tenant) ?? DEFAULT_MOH_CLASS;
    try {
      return resolveMohClass(className, tenant.id, { dataDir: o.dataDir }).files;
    } catch (e) {
      o.logger.warn('no music on hold', { tenant: tenant.id, class: className, error: e });
      return undefined;
    }
  };
}
