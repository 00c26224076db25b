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
