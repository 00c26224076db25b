import { isParkSlot } from '../model/park-settings.js';
import { readParkSettings } from '../tenant/park-setting.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { ResourceAccess } from './event-package.js';
import { reasonPhrase } from '../sip/message/reason-phrases.js';

/**
 * Whether `name` is an extension of `tenant` that may be watched (dialog, presence): any
 * enabled extension of the subscriber's own tenant. Anything else, another tenant's
 * extension included (it is not a name in this tenant), is the one same 404, so nobody
 * learns what exists elsewhere.
 */
export function watchedExtension(tenant: TenantContext, name: string): ResourceAccess {
  const ext = name.length <= 64 ? tenant.store.getExtension(name) : undefined;
  if (!ext || !ext.enabled) return { ok: false, status: 404, reason: reasonPhrase(404) };
  return { ok: true, resource: ext.ext };
}

/**
 * A busy-lamp resource of `tenant`: an extension (watchedExtension), or one of its call-park
 * slots (`sip:701@acme.example`: busy while a call is parked there, b2bua/call-park.ts).
 * Slots never collide with extensions (the park settings refuse a slot that is one). The
 * same 404 for anything else.
 */
export function watchedLampResource(tenant: TenantContext, name: string): ResourceAccess {
  const ext = watchedExtension(tenant, name);
  if (ext.ok) return ext;
  const park = name.length <= 16 ? readParkSettings(tenant.store) : undefined;
  return park && isParkSlot(park, name) ? { ok: true, resource: name } : ext;
}
