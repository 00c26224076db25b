import type { TenantContext } from '../tenant/tenant-context.js';
import type { EventPackage, EventState, ResourceAccess } from './event-package.js';
import type { ExtensionStates } from './extension-states.js';
import { PIDF_TYPE, pidfBody } from './pidf.js';
import { watchedExtension } from './watched-extension.js';

export const PRESENCE_EVENT = 'presence';

/**
 * The presence event package (RFC 3856) with PIDF bodies (RFC 3863), for phones that
 * watch presence rather than dialogs: open while the extension has a live registered
 * contact, closed otherwise, on the phone while a call there is answered or placed.
 * Same scoping as the dialog package (watched-extension.ts).
 */
export class PresencePackage implements EventPackage {
  readonly name = PRESENCE_EVENT;
  readonly contentType = PIDF_TYPE;

  constructor(
    private readonly states: ExtensionStates,
    private readonly now: () => number,
  ) {}

  access(tenant: TenantContext, _subscriberExt: string, requestUser: string): ResourceAccess {
    return watchedExtension(tenant, requestUser);
  }

  state(tenant: TenantContext, resource: string): EventState | undefined {
    if (!watchedExtension(tenant, resource).ok) return undefined;
    const now = this.now();
    const open = tenant.store.getBindings(resource).some((b) => b.expiresAt > now);
    return {
      contentType: PIDF_TYPE,
      body: pidfBody({ entity: `pres:${resource}@${tenant.realm}`, tupleId: `t-${resource.replace(/[^A-Za-z0-9._-]/g, '_')}`, open, onThePhone: this.states.lamp(tenant.id, resource) === 'busy' }),
    };
  }
}
