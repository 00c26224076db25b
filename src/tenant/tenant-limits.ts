/** Per-tenant resource limits: declared once in src/model/tenant-limits.ts. */
export { LIMIT_KEYS, limitsToJson, parseLimits, type TenantLimits } from '../model/tenant-limits.js';
