/**
 * Per-tenant resource limits, as pbx.yaml/tenant YAML declare them (src/config), the
 * provider's store keeps them (src/tenant) and the API shows them (src/admin); declared
 * once here. Absent = no limit.
 */
export interface TenantLimits {
  calls?: number;
  extensions?: number;
  storageMB?: number;
  registrations?: number;
  callsPerSecond?: number;
  /** Concurrent calls of one extension; at most calls.perExtension of pbx.yaml. */
  callsPerExtension?: number;
  /** Concurrent calls through trunks (inbound + outbound). */
  trunkCalls?: number;
  /** Outbound minutes per day (UTC), summed from call records (TenantStore.outboundSecondsSince). */
  outboundMinutesPerDay?: number;
}

export const LIMIT_KEYS: ReadonlyArray<keyof TenantLimits> = ['calls', 'extensions', 'storageMB', 'registrations', 'callsPerSecond', 'callsPerExtension', 'trunkCalls', 'outboundMinutesPerDay'];

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
