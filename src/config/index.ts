/** The config layer's public surface: YAML text in, typed and checked config out. */
export { parsePbxConfig } from './pbx-config.js';
export { parseTenantConfig, tenantIdOfFile, TENANT_ID_RE, type TenantParseOptions, type TrunkAddressCheck } from './tenant-config.js';
export type { Env } from './env-subst.js';
export type * from './types.js';
