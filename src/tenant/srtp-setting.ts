/**
 * The tenant's SDES-SRTP policies (b2bua/srtp-policy.ts) as one tenant setting: the
 * tenant's own and each extension's that sets one, as JSON
 * `{"tenant":"optional","extensions":{"1001":"required"}}`. Absent: no policy set
 * anywhere (the default, optional on TLS).
 */
export const SRTP_SETTING = 'srtp';

/** FIELDS.srtp's values. */
export type SrtpPolicySetting = 'none' | 'optional' | 'required';

export interface SrtpPolicies {
  tenant?: SrtpPolicySetting;
  extensions: Record<string, SrtpPolicySetting>;
}

const POLICIES: readonly string[] = ['none', 'optional', 'required'];
const isPolicy = (v: unknown): v is SrtpPolicySetting => typeof v === 'string' && POLICIES.includes(v);

/** The setting's text for a spec's policies; undefined when none is set (the setting is removed). */
export function srtpSettingJson(tenant: SrtpPolicySetting | undefined, extensions: ReadonlyArray<{ ext: string; srtp?: SrtpPolicySetting }>): string | undefined {
  const exts: Record<string, SrtpPolicySetting> = {};
  for (const x of extensions) if (x.srtp !== undefined) exts[x.ext] = x.srtp;
  if (tenant === undefined && Object.keys(exts).length === 0) return undefined;
  return JSON.stringify({ ...(tenant !== undefined ? { tenant } : {}), extensions: exts });
}

/** The policies read back from the setting; a damaged value reads as none set. */
export function readSrtpSetting(text: string | undefined): SrtpPolicies {
  if (text === undefined) return { extensions: {} };
  try {
    const v = JSON.parse(text) as { tenant?: unknown; extensions?: unknown };
    const extensions: Record<string, SrtpPolicySetting> = {};
    if (v.extensions && typeof v.extensions === 'object') {
      for (const [ext, p] of Object.entries(v.extensions as Record<string, unknown>)) if (isPolicy(p)) extensions[ext] = p;
    }
    return { ...(isPolicy(v.tenant) ? { tenant: v.tenant } : {}), extensions };
  } catch {
    return { extensions: {} };
  }
}
