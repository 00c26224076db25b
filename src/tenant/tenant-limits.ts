import { LIMIT_KEYS, type TenantLimits } from '../model/tenant-limits.js';

/** Per-tenant resource limits: declared once in src/model/tenant-limits.ts. */
export { LIMIT_KEYS, type TenantLimits };

/** Parses the JSON kept in system.sqlite, keeping only known keys with sane values. */
export function parseLimits(json: string): TenantLimits {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return {};
  }
  const out: TenantLimits = {};
  if (typeof raw !== 'object' || raw === null) return out;
  for (const k of LIMIT_KEYS) {
    const v = (raw as Record<string, unknown>)[k];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[k] = v;
  }
  return out;
}

/** Canonical JSON (fixed key order) so equal limits compare equal as text. */
export function limitsToJson(limits: TenantLimits): string {
  const out: Record<string, number> = {};
  for (const k of LIMIT_KEYS) if (limits[k] !== undefined) out[k] = limits[k]!;
  return JSON.stringify(out);
}
