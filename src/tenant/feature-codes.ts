/**
 * A tenant's feature codes in its store: each override is a settings row
 * `featureCodes.<id>` holding the code, or `off` when disabled (recordToggle's row is the
 * one apply-tenant.ts has always written). The table itself is src/model/feature-code-table.ts.
 */
import { FEATURE_CODE_IDS, featureCodeProblems, featureCodeTable, type FeatureCodeEntry, type FeatureCodeOverrides } from '../model/feature-code-table.js';

export { FEATURE_CODE_DEFAULTS, FEATURE_CODE_IDS, featureCodeTable, matchFeatureCode, type FeatureCodeEntry, type FeatureCodeId, type FeatureCodeMatch, type FeatureCodeOverrides } from '../model/feature-code-table.js';

export const FEATURE_CODE_SETTING_PREFIX = 'featureCodes.';
const OFF = 'off';

/** The settings rows apply writes for the overrides, recordToggle left out (apply writes it as before): undefined deletes the row. */
export function featureCodeSettings(overrides: FeatureCodeOverrides | undefined): Array<readonly [string, string | undefined]> {
  return FEATURE_CODE_IDS.filter((id) => id !== 'recordToggle').map((id) => {
    const v = (overrides as Record<string, string | false | undefined> | undefined)?.[id];
    return [FEATURE_CODE_SETTING_PREFIX + id, v === false ? OFF : v] as const;
  });
}

/** The overrides a store holds. */
export function readFeatureCodeOverrides(getSetting: (key: string) => string | undefined): FeatureCodeOverrides {
  const out: Record<string, string | false> = {};
  for (const id of FEATURE_CODE_IDS) {
    const v = getSetting(FEATURE_CODE_SETTING_PREFIX + id);
    if (v !== undefined) out[id] = v === OFF ? false : v;
  }
  return out as FeatureCodeOverrides;
}

/** The feature codes of the tenant whose store this is. */
export function featureCodeTableOf(store: { getSetting(key: string): string | undefined }): FeatureCodeEntry[] {
  return featureCodeTable(readFeatureCodeOverrides((k) => store.getSetting(k)));
}

/** Checks a spec's `featureCodes` (at `featureCodes.<id>`); returns the overrides, or undefined after reporting. */
export function validateFeatureCodeSpec(v: unknown, extensions: Iterable<string>, bad: (path: string, message: string) => void): FeatureCodeOverrides | undefined {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    bad('featureCodes', 'must be a mapping of feature code ids to codes (or false)');
    return undefined;
  }
  const problems = featureCodeProblems(v as Record<string, unknown>, extensions);
  for (const p of problems) bad(`featureCodes.${p.id}`, p.message);
  if (problems.length > 0) return undefined;
  const out: Record<string, string | false> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = x as string | false;
  return out as FeatureCodeOverrides;
}
