import { randomBytes } from 'node:crypto';
import { computeHa1Set, type DigestAlgorithm } from '../../model/ha1.js';
import { CLASSES_OF_SERVICE, type ClassOfService, type RoutingPlan } from '../../model/routing-plan.js';
import { isValidExtensionPassword, validateExtensionSpec } from '../../tenant/tenant-spec.js';
import type { Extension, ExtensionPatch } from '../../store/tenant-store.js';
import { ApiError, notFound, type JsonSchema, type RouteDef } from '../api-types.js';
import { FIELDS } from '../../model/field-rules.js';
import { CLASS_OF_SERVICE, E164, EXT, EXT_NAME, MAX_CONTACTS, PASSWORD } from '../schemas.js';
import { checked, invalid, pageSize, ROLES_ADMIN, ROLES_WITH_USER, tenantOf, writeMeta, type TenantResourceDeps } from './tenant-resource-kit.js';

const TAG = 'Extensions';
const PATH = '/tenants/{tenantId}/extensions';
const LIST_MAX = 1000;
const ALGORITHMS: JsonSchema = { type: 'array', items: { type: 'string', enum: ['SHA-256', 'MD5'] }, minItems: 1, maxItems: 2 };

export const EXTENSION_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['ext', 'name', 'enabled', 'classOfService', 'maxContacts', 'callerId', 'algorithms'],
  properties: {
    ext: { type: 'string' },
    name: { type: 'string' },
    enabled: { type: 'boolean' },
    maxContacts: { type: ['integer', 'null'], description: 'null: the registrar default' },
    classOfService: { type: 'string', enum: [...CLASSES_OF_SERVICE] },
    callerId: { type: ['string', 'null'], description: "E.164; null: the tenant's" },
    algorithms: { ...ALGORITHMS, type: ['array', 'null'], description: "digest algorithms its answers may use, of those the tenant offers; null: any" },
  },
};

const EXTENSION_WITH_PASSWORD: JsonSchema = {
  ...EXTENSION_SCHEMA,
  required: [...(EXTENSION_SCHEMA['required'] as string[])],
  properties: { ...(EXTENSION_SCHEMA['properties'] as object), password: { type: 'string', description: 'only when the server generated it: shown this once' } },
};

const CREATE_BODY: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['ext', 'name'],
  properties: {
    ext: EXT,
    name: EXT_NAME,
    password: { ...PASSWORD, description: 'absent: the server generates one and returns it once' },
    enabled: { type: 'boolean' },
    maxContacts: MAX_CONTACTS,
    classOfService: CLASS_OF_SERVICE,
    callerId: E164,
    algorithms: ALGORITHMS,
  },
};

const PATCH_BODY: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'A user token may change only name',
  properties: {
    name: EXT_NAME,
    enabled: { type: 'boolean' },
    maxContacts: { ...MAX_CONTACTS, type: ['integer', 'null'] },
    classOfService: CLASS_OF_SERVICE,
    callerId: { ...E164, type: ['string', 'null'] },
    algorithms: { ...ALGORITHMS, type: ['array', 'null'] },
  },
};

const PASSWORD_BODY: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { password: { ...PASSWORD, description: 'absent: the server generates one and returns it once' } },
};

const PASSWORD_RESULT: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['ext', 'generated'],
  properties: { ext: { type: 'string' }, generated: { type: 'boolean' }, password: { type: 'string', description: 'only when generated: shown this once' } },
};

interface CreateBody {
  ext: string;
  name: string;
  password?: string;
  enabled?: boolean;
  maxContacts?: number;
  classOfService?: ClassOfService;
  callerId?: string;
  algorithms?: DigestAlgorithm[];
}

interface PatchBody {
  name?: string;
  enabled?: boolean;
  maxContacts?: number | null;
  classOfService?: ClassOfService;
  callerId?: string | null;
  algorithms?: DigestAlgorithm[] | null;
}

/** What the API shows of an extension: never a digest. */
export function extensionView(x: Extension): Record<string, unknown> {
  return { ext: x.ext, name: x.name, enabled: x.enabled, maxContacts: x.maxContacts ?? null, classOfService: x.classOfService, callerId: x.callerId ?? null, algorithms: x.algorithms ?? null };
}

/** 20 characters of base64url: 120 bits, no characters a phone's keypad UI chokes on. */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}

/** Where the routing plan names an extension (ring groups, fallbacks, inbound routes). */
export function extensionReferences(plan: RoutingPlan, ext: string): string[] {
  const out: string[] = [];
  plan.ringGroups.forEach((g, i) => {
    g.members.forEach((m, j) => {
      if (m === ext) out.push(`ringGroups[${i}].members[${j}]`);
    });
    if (g.fallback?.type === 'extension' && g.fallback.ext === ext) out.push(`ringGroups[${i}].fallback`);
  });
  plan.inboundRoutes.forEach((r, i) => {
    if (r.destination.type === 'extension' && r.destination.ext === ext) out.push(`inboundRoutes[${i}].destination`);
  });
  return out;
}

export function extensionRoutes(deps: TenantResourceDeps): RouteDef[] {
  const changed = (tenantId: string) => deps.onTenantChanged(tenantId, 'extensions');

  const list: RouteDef = {
    method: 'GET',
    path: PATH,
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: "List the tenant's extensions, by number",
    query: {
      type: 'object',
      additionalProperties: false,
      properties: { after: { type: 'string', maxLength: 64, description: 'the last ext of the previous page' }, limit: { type: 'string', pattern: '^[0-9]{1,6}$' } },
    },
    response: {
      status: 200,
      schema: {
        type: 'object',
        required: ['items', 'total'],
        properties: { items: { type: 'array', items: EXTENSION_SCHEMA }, total: { type: 'integer' }, nextAfter: { type: ['string', 'null'] } },
      },
    },
    handler(req) {
      const t = tenantOf(deps, req);
      const limit = pageSize(req.query['limit'], 500, LIST_MAX);
      const after = req.query['after'];
      // One more than the page says whether there is a next one; the store reads only these rows.
      const rows = t.store.listExtensionsAfter(after, limit + 1);
      const page = rows.slice(0, limit);
      return { body: { items: page.map(extensionView), total: t.store.countExtensions(), nextAfter: rows.length > limit ? page[page.length - 1]!.ext : null } };
    },
  };

  const create: RouteDef<CreateBody> = {
    method: 'POST',
    path: PATH,
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Create an extension (checked as in the tenant YAML; 409 limit_exceeded over limits.extensions)',
    body: CREATE_BODY,
    response: { status: 201, schema: EXTENSION_WITH_PASSWORD, description: 'The extension; password only when the server generated it' },
    handler(req) {
      const t = tenantOf(deps, req);
      const b = req.body;
      const generated = b.password === undefined ? generatePassword() : undefined;
      const spec = checked((bad) => validateExtensionSpec({ ...b, password: b.password ?? generated! }, '', t.realm, bad))!;
      const max = t.limits.extensions;
      if (t.store.getExtension(spec.ext)) throw new ApiError(409, 'conflict', `extension ${spec.ext} exists already`);
      const count = t.store.countExtensions();
      if (max !== undefined && count >= max) throw new ApiError(409, 'limit_exceeded', `limits.extensions is ${max}; the tenant has ${count}`);
      const created = t.store.createExtension(
        {
          ext: spec.ext,
          name: spec.name,
          enabled: spec.enabled,
          classOfService: spec.classOfService,
          realm: t.realm,
          ha1: spec.ha1,
          ...(spec.maxContacts !== undefined ? { maxContacts: spec.maxContacts } : {}),
          ...(spec.callerId !== undefined ? { callerId: spec.callerId } : {}),
          ...(spec.algorithms !== undefined ? { algorithms: spec.algorithms } : {}),
        },
        writeMeta(deps, req, 'extension.create', spec.ext, { name: spec.name, enabled: spec.enabled, classOfService: spec.classOfService, passwordGenerated: generated !== undefined }),
      );
      if (!created) throw new ApiError(409, 'conflict', `extension ${spec.ext} exists already`);
      changed(t.id);
      const x = t.store.getExtension(spec.ext)!;
      return { status: 201, body: { ...extensionView(x), ...(generated !== undefined ? { password: generated } : {}) }, headers: { location: `/api/v1/tenants/${t.id}/extensions/${encodeURIComponent(x.ext)}` } };
    },
  };

  const get: RouteDef = {
    method: 'GET',
    path: `${PATH}/{ext}`,
    roles: ROLES_WITH_USER,
    tag: TAG,
    summary: 'One extension (a user token: its own)',
    response: { status: 200, schema: EXTENSION_SCHEMA },
    handler(req) {
      const t = tenantOf(deps, req);
      const x = t.store.getExtension(req.params['ext'] ?? '');
      if (!x) throw notFound();
      return { body: extensionView(x) };
    },
  };

  const patch: RouteDef<PatchBody> = {
    method: 'PATCH',
    path: `${PATH}/{ext}`,
    roles: ROLES_WITH_USER,
    tag: TAG,
    summary: 'Change an extension (a user token: only the name of its own)',
    body: PATCH_BODY,
    response: { status: 200, schema: EXTENSION_SCHEMA },
    handler(req) {
      const t = tenantOf(deps, req);
      const ext = req.params['ext'] ?? '';
      const cur = t.store.getExtension(ext);
      if (!cur) throw notFound();
      const b = req.body;
      if (req.principal.role === 'user') {
        const other = Object.keys(b).filter((k) => k !== 'name');
        if (other.length > 0) throw new ApiError(403, 'forbidden', `a user may change only its name, not ${other.join(', ')}`);
      }
      // The merged extension must pass the YAML's rules (the password is not part of this).
      const merged = {
        ext,
        name: b.name ?? cur.name,
        password: 'unchanged',
        enabled: b.enabled ?? cur.enabled,
        classOfService: b.classOfService ?? cur.classOfService,
        ...(b.maxContacts !== undefined ? (b.maxContacts === null ? {} : { maxContacts: b.maxContacts }) : cur.maxContacts !== undefined ? { maxContacts: cur.maxContacts } : {}),
        ...(b.callerId !== undefined ? (b.callerId === null ? {} : { callerId: b.callerId }) : cur.callerId !== undefined ? { callerId: cur.callerId } : {}),
        ...(b.algorithms !== undefined ? (b.algorithms === null ? {} : { algorithms: b.algorithms }) : cur.algorithms !== undefined ? { algorithms: cur.algorithms } : {}),
      };
      checked((bad) => validateExtensionSpec(merged, '', t.realm, bad));
      const p: ExtensionPatch = {};
      if (b.name !== undefined) p.name = b.name;
      if (b.enabled !== undefined) p.enabled = b.enabled;
      if (b.maxContacts !== undefined) p.maxContacts = b.maxContacts;
      if (b.classOfService !== undefined) p.classOfService = b.classOfService;
      if (b.callerId !== undefined) p.callerId = b.callerId;
      if (b.algorithms !== undefined) p.algorithms = b.algorithms;
      const x = t.store.updateExtension(ext, p, writeMeta(deps, req, 'extension.update', ext, b));
      if (!x) throw notFound();
      changed(t.id);
      return { body: extensionView(x) };
    },
  };

  const remove: RouteDef = {
    method: 'DELETE',
    path: `${PATH}/{ext}`,
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Delete an extension and its registrations (409 in_use while ring groups or inbound routes name it)',
    response: { status: 204 },
    handler(req) {
      const t = tenantOf(deps, req);
      const ext = req.params['ext'] ?? '';
      if (!t.store.getExtension(ext)) throw notFound();
      const refs = extensionReferences(t.store.getRoutingPlan(), ext);
      if (refs.length > 0) throw new ApiError(409, 'in_use', `extension ${ext} is named by ${refs.join(', ')}; change the routing first`, { references: refs });
      if (!t.store.deleteExtension(ext, writeMeta(deps, req, 'extension.delete', ext))) throw notFound();
      changed(t.id);
      return { status: 204 };
    },
  };

  const password: RouteDef<{ password?: string } | undefined> = {
    method: 'POST',
    path: `${PATH}/{ext}/password`,
    roles: ROLES_WITH_USER,
    tag: TAG,
    summary: 'Set a new SIP password (given, or generated and returned once); a user token: its own',
    body: PASSWORD_BODY,
    response: { status: 200, schema: PASSWORD_RESULT },
    handler(req) {
      const t = tenantOf(deps, req);
      const ext = req.params['ext'] ?? '';
      if (!t.store.getExtension(ext)) throw notFound();
      const given = req.body?.password;
      if (given !== undefined && !isValidExtensionPassword(given)) throw invalid([{ path: 'password', message: FIELDS.password.problem }]);
      const pw = given ?? generatePassword();
      const x = t.store.updateExtension(
        ext,
        { credentials: { realm: t.realm, ha1: computeHa1Set(ext, t.realm, pw) } },
        writeMeta(deps, req, 'extension.password', ext, { generated: given === undefined }),
      );
      if (!x) throw notFound();
      changed(t.id);
      return { body: { ext, generated: given === undefined, ...(given === undefined ? { password: pw } : {}) } };
    },
  };

  return [list, create, get, patch, remove, password] as RouteDef[];
}
