import type { TenantStore } from '../store/tenant-store.js';

/** How an extension learns about voicemail (extension YAML `voicemail: { mwi }`). */
export type MwiModeSpec = 'subscribe' | 'unsolicited' | 'both';
export const MWI_MODES: readonly MwiModeSpec[] = ['subscribe', 'unsolicited', 'both'];

/** The settings row holding {ext: mode} for the extensions that are not 'subscribe' (the default). */
export const MWI_SETTING = 'voicemail.mwi';

/** The extensions' MWI modes other than the default, checked; undefined when none is set. */
export function validateMwiModes(extensions: unknown, bad: (path: string, message: string) => void): Record<string, MwiModeSpec> | undefined {
  if (!Array.isArray(extensions)) return undefined;
  const out: Record<string, MwiModeSpec> = {};
  extensions.forEach((x: { ext?: unknown; voicemail?: { mwi?: unknown } } | null, i) => {
    const mwi = x?.voicemail?.mwi;
    if (mwi === undefined) return;
    if (typeof mwi !== 'string' || !(MWI_MODES as readonly string[]).includes(mwi)) {
      bad(`extensions[${i}].voicemail.mwi`, `must be one of ${MWI_MODES.join(', ')}`);
      return;
    }
    if (mwi !== 'subscribe' && typeof x?.ext === 'string') out[x.ext] = mwi as MwiModeSpec;
  });
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The MWI mode of every extension that set one other than 'subscribe'. */
export function readMwiModes(store: Pick<TenantStore, 'getSetting'>): Map<string, MwiModeSpec> {
  const text = store.getSetting(MWI_SETTING);
  if (text === undefined) return new Map();
  try {
    const v = JSON.parse(text) as Record<string, MwiModeSpec>;
    return new Map(Object.entries(v).filter(([, m]) => MWI_MODES.includes(m)));
  } catch {
    return new Map();
  }
}
