import { DIRECT_MEDIA_SETTING, readDirectMediaSetting } from '../tenant/direct-media-setting.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { Call } from './call.js';
import type { CallRecordingService } from './call-recording.js';
import type { DirectMediaPolicy } from './direct-media.js';

/**
 * The tenant's direct-media policy for one of its calls, read at each decision from the
 * tenant's own store (an API or file change applies to the next decision); undefined: off.
 * Only `tenant` is read: a call of another tenant never sees this one's policy.
 */
export function directMediaPolicyFor(tenant: TenantContext, call: Call, recording: CallRecordingService | undefined): DirectMediaPolicy | undefined {
  const s = readDirectMediaSetting(tenant.store.getSetting(DIRECT_MEDIA_SETTING));
  if (!s.direct) return undefined;
  return { trunks: s.trunks, recording: recording?.state(tenant.id, call.id)?.mode ?? 'never' };
}
