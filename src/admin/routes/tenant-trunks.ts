import type { Trunk } from '../../model/routing-plan.js';
import type { TrunkSpec } from '../../tenant/trunk-spec.js';
import { notFound, type JsonSchema, type RouteDef } from '../api-types.js';
import { fieldJsonSchema, TRUNK_FIELDS } from '../../model/field-rules.js';
import { specOf, writeRouting } from './routing-write.js';
import { PROBLEMS_DESCRIPTION, ROLES_ADMIN, tenantOf, type TenantResourceDeps } from './tenant-resource-kit.js';

const TAG = 'Trunks';
const PATH = '/tenants/{tenantId}/trunks';

const HOST_PORT: JsonSchema = { type: 'object', additionalProperties: false, required: ['host', 'port'], properties: { host: { type: 'string' }, port: { type: 'integer' } } };

/** A trunk as written: the tenant YAML's `trunks:` entry. Values are checked as the YAML's are. */
export const TRUNK_BODY: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'kind', 'host'],
  properties: {
    name: { type: 'string', maxLength: 63 },
    kind: { type: 'string', enum: ['register', 'ip'] },
    host: { type: 'string', maxLength: 255 },
    port: { type: 'integer' },
    transport: { type: 'string', enum: ['udp', 'tcp', 'tls'] },
    outboundProxy: HOST_PORT,
    username: fieldJsonSchema(TRUNK_FIELDS.username),
    password: { ...fieldJsonSchema(TRUNK_FIELDS.password), type: ['string', 'null'], description: 'write-only; absent: keep the stored one; null: remove it' },
    authUsername: fieldJsonSchema(TRUNK_FIELDS.username),
    domain: { type: 'string', maxLength: 255 },
    registerExpires: fieldJsonSchema(TRUNK_FIELDS.registerExpires),
    allowedSources: { type: 'array', items: { type: 'string' }, maxItems: 256 },
    codecs: { type: 'array', items: fieldJsonSchema(TRUNK_FIELDS.codec), maxItems: 32 },
    maxChannels: fieldJsonSchema(TRUNK_FIELDS.maxChannels),
  },
};

/** A trunk as shown: every setting, never its password. */
export const TRUNK_VIEW: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'kind', 'host', 'port', 'transport', 'registerExpires', 'allowedSources', 'hasPassword'],
  properties: {
    name: { type: 'string' },
    kind: { type: 'string', enum: ['register', 'ip'] },
    host: { type: 'string' },
    port: { type: 'integer' },
    transport: { type: 'string', enum: ['udp', 'tcp', 'tls'] },
    outboundProxy: HOST_PORT,
    username: { type: 'string' },
    authUsername: { type: 'string' },
    domain: { type: 'string' },
    registerExpires: { type: 'integer' },
    allowedSources: { type: 'array', items: { type: 'string' } },
    codecs: { type: 'array', items: { type: 'string' } },
    maxChannels: { type: 'integer' },
    hasPassword: { type: 'boolean' },
  },
};

const LIST_VIEW: JsonSchema = { type: 'object', required: ['trunks'], properties: { trunks: { type: 'array', items: TRUNK_VIEW } } };

export type TrunkBody = Omit<TrunkSpec, 'password'> & { password?: string | null };

export function trunkView(t: Trunk): Record<string, unknown> {
  const { password, ...rest } = t;
  return { ...rest, hasPassword: password !== undefined };
}

/** The body as a spec: an absent password keeps the stored one (it is never shown, so never sent back); null removes it. */
export function trunkSpecOf(body: TrunkBody, stored: Trunk | undefined): TrunkSpec {
  const { password, ...rest } = body;
  const spec: TrunkSpec = { ...rest };
  if (typeof password === 'string') spec.password = password;
  else if (password === undefined && stored?.password !== undefined) spec.password = stored.password;
  return spec;
}

export function trunkRoutes(deps: TenantResourceDeps): RouteDef[] {
  const list: RouteDef = {
    method: 'GET',
    path: PATH,
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: "The tenant's own trunks, in order (passwords are never shown)",
    response: { status: 200, schema: LIST_VIEW },
    handler(req) {
      const t = tenantOf(deps, req);
      return { body: { trunks: t.store.getRoutingPlan().trunks.map(trunkView) } };
    },
  };

  const replaceAll: RouteDef<{ trunks: TrunkBody[] }> = {
    method: 'PUT',
    path: PATH,
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: "Replace the tenant's trunks (checked as the YAML's `trunks:`)",
    body: { type: 'object', additionalProperties: false, required: ['trunks'], properties: { trunks: { type: 'array', items: TRUNK_BODY, maxItems: 1000 } } },
    response: { status: 200, schema: LIST_VIEW, description: PROBLEMS_DESCRIPTION },
    handler(req) {
      const t = tenantOf(deps, req);
      const plan = t.store.getRoutingPlan();
      const stored = new Map(plan.trunks.map((x) => [x.name, x]));
      const spec = { ...specOf(plan), trunks: req.body.trunks.map((b) => trunkSpecOf(b, stored.get(b.name))) };
      const out = writeRouting(deps, req, t, spec, 'trunks.replace', 'trunks');
      return { body: { trunks: out.plan.trunks.map(trunkView) } };
    },
  };

  const getOne: RouteDef = {
    method: 'GET',
    path: `${PATH}/{name}`,
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'One trunk of the tenant',
    response: { status: 200, schema: TRUNK_VIEW },
    handler(req) {
      const t = tenantOf(deps, req);
      const trunk = t.store.getRoutingPlan().trunks.find((x) => x.name === req.params['name']);
      if (!trunk) throw notFound();
      return { body: trunkView(trunk) };
    },
  };

  const putOne: RouteDef<TrunkBody> = {
    method: 'PUT',
    path: `${PATH}/{name}`,
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Create or replace one trunk (its name is the one in the path)',
    body: { ...TRUNK_BODY, required: ['kind', 'host'] },
    response: { status: 200, schema: TRUNK_VIEW, description: `200 replaced, 201 created; ${PROBLEMS_DESCRIPTION}` },
    handler(req) {
      const t = tenantOf(deps, req);
      const name = req.params['name'] ?? '';
      const plan = t.store.getRoutingPlan();
      const i = plan.trunks.findIndex((x) => x.name === name);
      const spec = trunkSpecOf({ ...req.body, name }, plan.trunks[i]);
      const trunks: TrunkSpec[] = [...plan.trunks];
      if (i >= 0) trunks[i] = spec;
      else trunks.push(spec);
      const out = writeRouting(deps, req, t, { ...specOf(plan), trunks }, i >= 0 ? 'trunk.update' : 'trunk.create', name);
      return { status: i >= 0 ? 200 : 201, body: trunkView(out.plan.trunks.find((x) => x.name === name)!) };
    },
  };

  const deleteOne: RouteDef = {
    method: 'DELETE',
    path: `${PATH}/{name}`,
    roles: ROLES_ADMIN,
    tag: TAG,
    summary: 'Delete one trunk (422 while an outbound route still names it and no provider trunk of that name is open to the tenant)',
    response: { status: 204, description: PROBLEMS_DESCRIPTION },
    handler(req) {
      const t = tenantOf(deps, req);
      const name = req.params['name'];
      const plan = t.store.getRoutingPlan();
      if (!plan.trunks.some((x) => x.name === name)) throw notFound();
      writeRouting(deps, req, t, { ...specOf(plan), trunks: plan.trunks.filter((x) => x.name !== name) }, 'trunk.delete', name ?? '');
      return { status: 204 };
    },
  };

  return [list, replaceAll, getOne, putOne, deleteOne] as RouteDef[];
}
