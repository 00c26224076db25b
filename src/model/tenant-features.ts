/** Per-tenant feature flags (issue 5); an absent flag is off. Kept as JSON beside the limits in system.sqlite. */
export interface TenantFeatures {
  voicemail?: boolean;
  ivr?: boolean;
  recording?: boolean;
  /** Extensions may dial international (and premium) numbers. */
  international?: boolean;
}

export const FEATURE_KEYS: ReadonlyArray<keyof TenantFeatures> = ['voicemail', 'ivr', 'recording', 'international'];

/** Parses the JSON kept in system.sqlite, keeping only known keys with boolean values. */
export function parseFeatures(json: string): TenantFeatures {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return {};
  }
  const out: TenantFeatures = {};
  if (typeof raw !== 'object' || raw === null) return out;
  for (const k of FEATURE_KEYS) {
    const v = (raw as Record<string, unknown>)[k];
    if (typeof v === 'boolean') out[k] = v;
  }
  return out;
}

/** Canonical JSON (fixed key order) so equal flags compare equal as text. */
export function featuresToJson(f: TenantFeatures): string {
  const out: Record<string, boolean> = {};
  for (const k of FEATURE_KEYS) if (f[k] !== undefined) out[k] = f[k]!;
  return JSON.stringify(out);
}
