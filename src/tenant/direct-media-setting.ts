/**
 * The tenant's direct-media policy (b2bua/direct-media.ts, media bypass) as one tenant
 * setting: `{"direct":true,"trunks":["carrier"]}`. Absent or unreadable: off (the default,
 * every call's media goes through the PBX). `trunks` names the tenant's trunks whose legs
 * may be joined directly too; a trunk not named stays relayed.
 */
export const DIRECT_MEDIA_SETTING = 'media';

export interface DirectMediaSetting {
  direct: boolean;
  trunks: string[];
}

export const DIRECT_MEDIA_OFF: DirectMediaSetting = { direct: false, trunks: [] };

/** Problems of a spec's `media`, as [path, message] pairs (empty when valid); `trunkNames`: the spec's trunks. */
export function directMediaProblems(v: unknown, trunkNames: readonly string[]): Array<[string, string]> {
  if (v === undefined) return [];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [['media', 'must be an object { direct, trunks }']];
  const out: Array<[string, string]> = [];
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'direct' && k !== 'trunks') out.push([`media.${k}`, 'unknown key (direct, trunks)']);
  if (o['direct'] !== undefined && typeof o['direct'] !== 'boolean') out.push(['media.direct', 'must be true or false']);
  const t = o['trunks'];
  if (t !== undefined) {
    if (!Array.isArray(t)) out.push(['media.trunks', 'must be a list of trunk names']);
    else
      t.forEach((name, i) => {
        if (typeof name !== 'string' || !trunkNames.includes(name)) out.push([`media.trunks.${i}`, `no trunk ${JSON.stringify(name)} in this tenant`]);
      });
  }
  return out;
}

/** The setting's text for a valid spec value; undefined when off with no trunks (no row: the default). */
export function directMediaSettingText(v: Partial<DirectMediaSetting> | undefined): string | undefined {
  if (!v || (!v.direct && (v.trunks ?? []).length === 0)) return undefined;
  return JSON.stringify({ direct: v.direct === true, trunks: [...(v.trunks ?? [])] });
}

/** Reads the setting back; anything unreadable is off. */
export function readDirectMediaSetting(text: string | undefined): DirectMediaSetting {
  if (text === undefined) return DIRECT_MEDIA_OFF;
  try {
    const v = JSON.parse(text) as { direct?: unknown; trunks?: unknown };
    return { direct: v.direct === true, trunks: Array.isArray(v.trunks) ? v.trunks.filter((x): x is string => typeof x === 'string') : [] };
  } catch {
    return DIRECT_MEDIA_OFF;
  }
}
