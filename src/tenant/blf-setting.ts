import type { TenantStore } from '../store/tenant-store.js';

/** The tenant settings row of the busy-lamp policy (JSON), written by apply-tenant. */
export const BLF_SETTING = 'blf';

export interface BlfSettings {
  /** Watchers see the other party of a colleague's calls (extension or number); default false. */
  showPeers: boolean;
}

export const BLF_DEFAULTS: BlfSettings = { showPeers: false };

/** Problems of a spec's `blf`, as [path, message] pairs (empty when valid). */
export function blfProblems(v: unknown): Array<[string, string]> {
  if (v === undefined) return [];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [['blf', 'must be an object { showPeers }']];
  const out: Array<[string, string]> = [];
  for (const [k, val] of Object.entries(v)) {
    if (k !== 'showPeers') out.push([`blf.${k}`, 'unknown key (showPeers)']);
    else if (typeof val !== 'boolean') out.push(['blf.showPeers', 'must be true or false']);
  }
  return out;
}

/** The setting's text for a valid spec value; undefined for the default (no row). */
export function blfSettingText(v: Partial<BlfSettings> | undefined): string | undefined {
  if (!v?.showPeers) return undefined;
  return JSON.stringify({ showPeers: true });
}

/** Reads the setting back; anything missing or unreadable is the private default. */
export function readBlfSettings(store: Pick<TenantStore, 'getSetting'>): BlfSettings {
  const text = store.getSetting(BLF_SETTING);
  if (text === undefined) return BLF_DEFAULTS;
  try {
    const v = JSON.parse(text) as unknown;
    if (blfProblems(v).length > 0) return BLF_DEFAULTS;
    return { showPeers: (v as Partial<BlfSettings>).showPeers === true };
  } catch {
    return BLF_DEFAULTS;
  }
}
