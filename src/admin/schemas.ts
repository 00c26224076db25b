import type { JsonSchema } from './api-types.js';

/**
 * JSON Schemas shared by the route groups (and by the OpenAPI document). Keep them in the
 * subset json-schema.ts validates.
 */

/** The tenant id rule of DESIGN.md. */
export const TENANT_ID: JsonSchema = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'Tenant id', examples: ['acme'] };
/** An extension number (the digest username). */
export const EXT: JsonSchema = { type: 'string', pattern: '^[A-Za-z0-9+][A-Za-z0-9+._-]{0,63}$', description: 'Extension number', examples: ['1001'] };
export const E164: JsonSchema = { type: 'string', pattern: '^\\+[1-9][0-9]{1,14}$', description: 'E.164 number', examples: ['+14155550100'] };
export const TOKEN_ID: JsonSchema = { type: 'string', pattern: '^(admin|[a-f0-9]{16})$', description: 'Token id' };
export const ROLE: JsonSchema = { type: 'string', enum: ['provider', 'tenant-admin', 'user'] };
export const TIMESTAMP: JsonSchema = { type: 'integer', minimum: 0, description: 'Milliseconds since the epoch' };

/** Path parameters by name, used by routes that do not give their own. */
export const PATH_PARAMS: Record<string, JsonSchema> = {
  tenantId: TENANT_ID,
  ext: EXT,
  number: { ...E164, description: 'E.164 number (write + as %2B or as is)' },
  tokenId: TOKEN_ID,
};

const count: JsonSchema = { type: 'integer', minimum: 0 };

export const LIMITS: JsonSchema = {
  type: 'object',
  description: 'Per-tenant limits; an absent key means no limit',
  additionalProperties: false,
  properties: {
    calls: { ...count, description: 'Concurrent calls' },
    extensions: { ...count, description: 'Number of extensions' },
    storageMB: { ...count, description: 'Storage (MB) for the tenant folder' },
    registrations: { ...count, description: 'Registered contacts' },
    callsPerSecond: { type: 'number', minimum: 0, description: 'New calls per second' },
    callsPerExtension: { ...count, description: 'Concurrent calls per extension' },
    trunkCalls: { ...count, description: 'Concurrent calls through trunks' },
    outboundMinutesPerDay: { ...count, description: 'Outbound minutes per UTC day' },
  },
};

export const FEATURES: JsonSchema = {
  type: 'object',
  description: 'Feature flags; an absent flag is off',
  additionalProperties: false,
  properties: {
    voicemail: { type: 'boolean' },
    ivr: { type: 'boolean' },
    recording: { type: 'boolean' },
    international: { type: 'boolean', description: 'May extensions dial international (and premium) numbers' },
  },
};

export const DOMAINS: JsonSchema = {
  type: 'array',
  minItems: 1,
  maxItems: 100,
  uniqueItems: true,
  description: 'The first is the primary domain and the digest realm',
  items: { type: 'string', minLength: 1, maxLength: 253 },
};

export const TENANT: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'status', 'managedBy', 'domains', 'dids', 'limits', 'features', 'createdAt', 'updatedAt'],
  properties: {
    id: TENANT_ID,
    name: { type: 'string' },
    status: { type: 'string', enum: ['active', 'suspended', 'disabled', 'deleted'] },
    managedBy: { type: 'string', enum: ['file', 'api'], description: 'file: its YAML file in tenantsDir decides; api: created through the API' },
    domains: { type: 'array', items: { type: 'string' } },
    dids: { type: 'array', items: E164 },
    limits: LIMITS,
    features: FEATURES,
    deleteAfter: { type: ['integer', 'null'], description: 'When a deleted tenant is purged (ms since the epoch)' },
    configRev: { type: 'integer' },
    createdAt: TIMESTAMP,
    updatedAt: TIMESTAMP,
  },
};

export const TOKEN: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'role', 'label', 'createdAt', 'createdBy'],
  properties: {
    id: TOKEN_ID,
    role: ROLE,
    tenantId: { type: ['string', 'null'] },
    ext: { type: ['string', 'null'] },
    label: { type: 'string' },
    createdAt: TIMESTAMP,
    createdBy: { type: 'string' },
    revokedAt: { type: ['integer', 'null'] },
    lastUsedAt: { type: ['integer', 'null'] },
  },
};

export const ERROR: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', examples: ['not_found'] },
        message: { type: 'string' },
        details: { description: 'For validation errors: a list of { path (JSON pointer), message }' },
      },
    },
  },
};

/** `{ items: [...] }`, the shape of every list answer. */
export function listOf(item: JsonSchema): JsonSchema {
  return { type: 'object', required: ['items'], additionalProperties: false, properties: { items: { type: 'array', items: item } } };
}
