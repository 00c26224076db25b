/**
 * CallApps.extensionPolicy: how an extension of the call's tenant wants its calls handled,
 * read from that tenant's store (call_handling). Only ever the tenant passed in.
 */
import { isNoCallHandling } from '../../model/call-handling.js';
import type { TenantContext } from '../../tenant/tenant-context.js';
import type { ExtensionPolicy } from '../call-apps.js';

export function extensionPolicyOf(tenant: TenantContext, ext: string): ExtensionPolicy | undefined {
  if (!tenant.store.getExtension(ext)) return undefined;
  const h = tenant.store.callHandling.get(ext);
  if (isNoCallHandling(h)) return undefined;
  const p: ExtensionPolicy = { dnd: h.dnd };
  if (h.always) p.forwardAlways = h.always;
  if (h.busy) p.forwardBusy = h.busy;
  if (h.noAnswer) p.forwardNoAnswer = { destination: h.noAnswer.to, afterSeconds: h.noAnswer.afterSeconds };
  if (h.unavailable) p.forwardUnavailable = h.unavailable;
  return p;
}
