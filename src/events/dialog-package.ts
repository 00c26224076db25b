import type { TenantContext } from '../tenant/tenant-context.js';
import { DIALOG_INFO_TYPE, dialogInfoBody } from './dialog-info.js';
import type { EventPackage, EventState, NotifyView, ResourceAccess } from './event-package.js';
import type { ExtensionStates, ResourceDialog } from './extension-states.js';
import { watchedLampResource } from './watched-extension.js';

export const DIALOG_EVENT = 'dialog';

/**
 * The dialog event package (RFC 4235) for busy-lamp keys: an extension watches another
 * extension of its own tenant (or itself), or one of its call-park slots. The edge resolved the tenant from the
 * Request-URI's domain and authenticated the subscriber there, so a name that is not an
 * extension of this tenant (another tenant's, or none at all) is the same 404.
 * Every NOTIFY carries the full state (§4.1) with a version counted per subscription.
 * Remote identities only when `showPeers(tenant)` says the tenant allows it.
 */
export class DialogPackage implements EventPackage {
  readonly name = DIALOG_EVENT;
  readonly contentType = DIALOG_INFO_TYPE;

  constructor(
    private readonly states: ExtensionStates,
    private readonly showPeers: (tenant: TenantContext) => boolean = () => false,
  ) {}

  access(tenant: TenantContext, _subscriberExt: string, requestUser: string): ResourceAccess {
    return watchedLampResource(tenant, requestUser);
  }

  state(tenant: TenantContext, resource: string, view?: NotifyView): EventState | undefined {
    if (!watchedLampResource(tenant, resource).ok) return undefined;
    const show = this.showPeers(tenant);
    const remoteOf = (d: ResourceDialog): string | undefined => {
      if (!show || d.peer === undefined) return undefined;
      if (tenant.store.getExtension(d.peer)) return `sip:${d.peer}@${tenant.realm}`;
      return /^\+?[0-9]{1,20}$/.test(d.peer) ? `tel:${d.peer}` : undefined;
    };
    return {
      contentType: DIALOG_INFO_TYPE,
      body: dialogInfoBody({ version: view?.sent ?? 0, entity: `sip:${resource}@${tenant.realm}`, dialogs: this.states.dialogs(tenant.id, resource), remoteOf }),
    };
  }
}
