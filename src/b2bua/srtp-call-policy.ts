import { readSrtpSetting, SRTP_SETTING } from '../tenant/srtp-setting.js';
import { effectiveSrtpPolicy, type SrtpPolicy } from './srtp-policy.js';

/**
 * The SRTP policy of each leg of a new call, from the tenant's setting (srtp-setting.ts):
 * an extension's own policy, else the tenant's, else optional. A trunk leg (no extension)
 * has the tenant's.
 */
export function callSrtpPolicies(store: { getSetting(key: string): string | undefined }, callerExt: string | undefined, calleeExt: string | undefined): { caller: SrtpPolicy; callee: SrtpPolicy } {
  const p = readSrtpSetting(store.getSetting(SRTP_SETTING));
  const ext = (e: string | undefined) => (e !== undefined && Object.hasOwn(p.extensions, e) ? p.extensions[e] : undefined);
  return { caller: effectiveSrtpPolicy(ext(callerExt), p.tenant), callee: effectiveSrtpPolicy(ext(calleeExt), p.tenant) };
}
