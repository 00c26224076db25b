import type { JsonSchema } from './api-types.js';
import { fieldJsonSchema, FIELDS, LIMIT_RULES } from '../model/field-rules.js';

/**
 * JSON Schemas shared by the route groups (and by the OpenAPI document). Keep them in the
 * subset OpenAPI 3.1 documents and schema-validator.ts (ajv, draft 2020-12) checks.
 */

/** The tenant id rule of DESIGN.md. */
export const TENANT_ID: JsonSchema = fieldJsonSchema(FIELDS.tenantId);
/** An extension number (the digest username). */
export const EXT: JsonSchema = fieldJsonSchema(FIELDS.ext);
export const E164: JsonSchema = fieldJsonSchema(FIELDS.e164);
/** Fields whose rules the tenant YAML shares (src/model/field-rules.ts). */
export const TENANT_NAME: JsonSchema = fieldJsonSchema(FIELDS.tenantName);
export const EXT_NAME: JsonSchema = fieldJsonSchema(FIELDS.extName);
export const PASSWORD: JsonSchema = fieldJsonSchema(FIELDS.password);
export const CLASS_OF_SERVICE: JsonSchema = fieldJsonSchema(FIELDS.classOfService);
export const MAX_CONTACTS: JsonSchema = fieldJsonSchema(FIELDS.maxContacts);
export const LABEL: JsonSchema = fieldJsonSchema(FIELDS.label);
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

export const LIMITS: JsonSchema = {
  type: 'object',
  description: 'Per-tenant limits, each a whole number from 0 to its maximum (as in the tenant YAML); an absent key means no limit',
  additionalProperties: false,
  properties: Object.fromEntries(Object.entries(LIMIT_RULES).map(([k, rule]) => [k, fieldJsonSchema(rule)])),
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
        details: {
          description: 'For every 422: the list of problems, each { path (JSON pointer into the body or query), message }; other errors may carry other details',
        },
      },
    },
  },
};

/**
 * The one shape of every 422, whether the JSON Schema of the body or query refused it or
 * the rules the tenant YAML is checked with did: `details` lists each problem with a JSON
 * pointer (RFC 6901) into what was sent ('/extensions/0/ext') and a message.
 */
export const VALIDATION_ERROR: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { const: 'validation_failed' },
        message: { type: 'string', description: 'The first problems as text' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            required: ['path', 'message'],
            additionalProperties: false,
            properties: { path: { type: 'string', description: "JSON pointer; '' is the whole body", examples: ['/extensions/0/ext'] }, message: { type: 'string' } },
          },
        },
      },
    },
  },
};

/** `{ items: [...] }`, the shape of every list answer. */
export function listOf(item: JsonSchema): JsonSchema {
  return { type: 'object', required: ['items'], additionalProperties: false, properties: { items: { type: 'array', items: item } } };
}
