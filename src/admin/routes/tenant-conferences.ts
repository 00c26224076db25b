import type { ConferenceParticipantView } from '../../b2bua/conference-calls.js';
import { readConferences } from '../../tenant/conference-spec.js';
import { notFound, type JsonSchema, type RouteDef } from '../api-types.js';
import { iso, ROLES_ADMIN, tenantOf, type TenantResourceDeps } from './tenant-resource-kit.js';

/** What the conference routes need of the running rooms (b2bua/conference-calls.ts ConferenceCalls fits). */
export interface LiveConferences {
  counts(tenantId: string): Map<string, number>;
  participants(tenantId: string, number: string): Promise<ConferenceParticipantView[]>;
  mute(tenantId: string, number: string, id: string, muted: boolean): Promise<boolean>;
  kick(tenantId: string, number: string, id: string): boolean;
}

const ROOM: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['number', 'hasPin', 'participants'],
  properties: {
    number: { type: 'string' },
    name: { type: 'string' },
    hasPin: { type: 'boolean', description: 'the PIN itself is never shown' },
    maxParticipants: { type: 'integer' },
    participants: { type: 'integer', description: 'participants in the room now' },
  },
};

const PARTICIPANT: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'caller', 'joinedAt', 'muted', 'talking'],
  properties: {
    id: { type: 'string', description: "the PBX's id of the participant's call" },
    extension: { type: 'string' },
    caller: { type: 'string' },
    joinedAt: { type: 'string', format: 'date-time' },
    muted: { type: 'boolean' },
    talking: { type: 'boolean' },
  },
};

/**
 * Conference rooms of a tenant (its `conferences:`) with their live participants: list,
 * mute/unmute, kick. Every lookup is by the request's tenant, so another tenant's room is
 * the same 404 as a room that does not exist.
 */
export function conferenceRoutes(deps: TenantResourceDeps): RouteDef[] {
  /** The tenant's configured room of {number}, else 404. */
  function room(req: Parameters<RouteDef['handler']>[0]) {
    const t = tenantOf(deps, req);
    const number = req.params['number'] ?? '';
    const r = readConferences(t.store).find((c) => c.number === number);
    if (!r) throw notFound();
    return { t, number };
  }
  function live(): LiveConferences {
    if (!deps.conferences) throw notFound();
    return deps.conferences;
  }

  const list: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/conferences',
    roles: ROLES_ADMIN,
    tag: 'Conferences',
    summary: 'Conference rooms of the tenant, with how many are in each now',
    response: { status: 200, schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ROOM } } } },
    handler(req) {
      const t = tenantOf(deps, req);
      const counts = deps.conferences?.counts(t.id) ?? new Map<string, number>();
      const items = readConferences(t.store).map((c) => ({
        number: c.number,
        ...(c.name !== undefined ? { name: c.name } : {}),
        hasPin: c.pin !== undefined,
        ...(c.maxParticipants !== undefined ? { maxParticipants: c.maxParticipants } : {}),
        participants: counts.get(c.number) ?? 0,
      }));
      return { body: { items } };
    },
  };

  const participants: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/conferences/{number}/participants',
    roles: ROLES_ADMIN,
    tag: 'Conferences',
    summary: 'Participants of a room now (muted, talking)',
    response: { status: 200, schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: PARTICIPANT } } } },
    async handler(req) {
      const { t, number } = room(req);
      const items = deps.conferences ? await deps.conferences.participants(t.id, number) : [];
      return { body: { items: items.map((p) => ({ ...p, joinedAt: iso(p.joinedAt) })) } };
    },
  };

  const muteRoute = (muted: boolean): RouteDef => ({
    method: 'POST',
    path: `/tenants/{tenantId}/conferences/{number}/participants/{participantId}/${muted ? 'mute' : 'unmute'}`,
    roles: ROLES_ADMIN,
    tag: 'Conferences',
    summary: muted ? 'Mute a participant (it still hears the room)' : 'Unmute a participant',
    response: { status: 204 },
    async handler(req) {
      const { t, number } = room(req);
      const id = req.params['participantId'] ?? '';
      if (!(await live().mute(t.id, number, id, muted))) throw notFound();
      t.store.appendAudit({ at: deps.clock.now(), actor: req.principal.tokenId, action: muted ? 'conference.mute' : 'conference.unmute', target: `${number}/${id}` });
      return { status: 204 };
    },
  });

  const kick: RouteDef = {
    method: 'DELETE',
    path: '/tenants/{tenantId}/conferences/{number}/participants/{participantId}',
    roles: ROLES_ADMIN,
    tag: 'Conferences',
    summary: 'Remove a participant (BYE with a Reason header)',
    response: { status: 204 },
    handler(req) {
      const { t, number } = room(req);
      const id = req.params['participantId'] ?? '';
      if (!live().kick(t.id, number, id)) throw notFound();
      t.store.appendAudit({ at: deps.clock.now(), actor: req.principal.tokenId, action: 'conference.kick', target: `${number}/${id}` });
      return { status: 204 };
    },
  };
  return [list, participants, muteRoute(true), muteRoute(false), kick];
}
