/**
 * What `pbx cluster move` asks of a node (issue 15): drain a tenant (its new calls get 503,
 * calls in progress go on) and tell how many calls it still has, hand the tenant out as a pack
 * (ops/tenant-pack.ts, the same file as `pbx tenant pack`), and install a pack another node
 * handed out (refused, nothing installed, when its id, a domain or a DID exists here).
 * Provider-only: a tenant-admin must not move or copy its tenant.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ApiError, BodyOverLimit, type RouteDef } from '../api-types.js';
import type { SystemStore } from '../../store/system-store.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { StoreError } from '../../util/errors.js';

/** The node's drained tenants (src/cluster/tenant-drains.ts, wired in src/app). */
export interface DrainsPort {
  start(tenantId: string, now: number): void;
  stop(tenantId: string): boolean;
  startedAt(tenantId: string): number | undefined;
}

/** Packs as `pbx tenant pack` / `unpack` write and read them (src/ops/tenant-pack.ts, wired in src/app). */
export interface PacksPort {
  pack(o: { dataDir: string; id: string; outFile: string }): Promise<unknown>;
  unpack(o: { dataDir: string; file: string }): Promise<{ tenantId: string; domains: string[]; dids: string[]; files: number }>;
}

export interface TenantMoveDeps {
  system: SystemStore;
  dataDir: string;
  drains: DrainsPort;
  packs: PacksPort;
  clock: Clock;
  logger: Logger;
  /** The tenant's calls up or being set up now. */
  liveCalls(tenantId: string): number;
  /** After an install: the resolver and trunks see the new tenant. */
  tenantsChanged(tenantId: string): void;
}

const DRAIN = {
  type: 'object',
  additionalProperties: false,
  required: ['tenantId', 'draining', 'liveCalls'],
  properties: {
    tenantId: { type: 'string' },
    draining: { type: 'boolean' },
    liveCalls: { type: 'integer', description: 'calls of the tenant up or being set up on this node' },
    since: { type: 'string', format: 'date-time' },
  },
};

const INSTALLED = {
  type: 'object',
  additionalProperties: false,
  required: ['tenantId', 'domains', 'dids', 'files'],
  properties: { tenantId: { type: 'string' }, domains: { type: 'array', items: { type: 'string' } }, dids: { type: 'array', items: { type: 'string' } }, files: { type: 'integer' } },
};

export function tenantMoveRoutes(d: TenantMoveDeps): RouteDef<any>[] {
  const packDir = join(d.dataDir, 'cluster-packs');
  const known = (id: string) => {
    const t = d.system.getTenant(id);
    if (!t || t.status === 'deleted') throw new ApiError(404, 'not_found', `no tenant ${id}`);
    return t;
  };
  const view = (id: string) => {
    const since = d.drains.startedAt(id);
    return { tenantId: id, draining: since !== undefined, liveCalls: d.liveCalls(id), ...(since !== undefined ? { since: new Date(since).toISOString() } : {}) };
  };
  return [
    {
      method: 'GET',
      path: '/tenants/{tenantId}/drain',
      roles: ['provider'],
      tag: 'cluster',
      summary: 'Whether the tenant is drained on this node, and how many calls it still has here',
      response: { status: 200, schema: DRAIN },
      handler: ({ params }) => ({ body: (known(params['tenantId']!), view(params['tenantId']!)) }),
    },
    {
      method: 'POST',
      path: '/tenants/{tenantId}/drain',
      roles: ['provider'],
      tag: 'cluster',
      summary: 'Drain the tenant for a move: its new calls get 503 with Retry-After, calls in progress go on; registrations go on',
      response: { status: 200, schema: DRAIN },
      handler: ({ params }) => {
        const id = params['tenantId']!;
        known(id);
        d.drains.start(id, d.clock.now());
        d.logger.info('tenant draining for a move', { tenant: id, liveCalls: d.liveCalls(id) });
        return { body: view(id) };
      },
    },
    {
      method: 'DELETE',
      path: '/tenants/{tenantId}/drain',
      roles: ['provider'],
      tag: 'cluster',
      summary: 'End the drain (a move rolled back): the tenant takes new calls again',
      response: { status: 200, schema: DRAIN },
      handler: ({ params }) => {
        const id = params['tenantId']!;
        known(id);
        if (d.drains.stop(id)) d.logger.info('tenant drain ended', { tenant: id });
        return { body: view(id) };
      },
    },
    {
      method: 'GET',
      path: '/tenants/{tenantId}/pack',
      roles: ['provider'],
      tag: 'cluster',
      summary: 'The tenant as a pack (gzip tar, as `pbx tenant pack` writes): store, system rows, media; taken while the server runs',
      response: { status: 200, contentType: 'application/gzip' },
      async handler({ params }) {
        const id = params['tenantId']!;
        known(id);
        mkdirSync(packDir, { recursive: true, mode: 0o700 });
        // Only the newest pack of a tenant is kept: the one being handed out.
        for (const f of readdirSync(packDir)) if (f.startsWith(`${id}.`)) rmSync(join(packDir, f), { force: true });
        const file = join(packDir, `${id}.${d.clock.now()}.tar.gz`);
        await d.packs.pack({ dataDir: d.dataDir, id, outFile: file });
        return { contentType: 'application/gzip', file: { path: file, size: statSync(file).size }, headers: { 'content-disposition': `attachment; filename="${id}.tar.gz"` } };
      },
    },
    {
      method: 'POST',
      path: '/tenant-packs',
      roles: ['provider'],
      tag: 'cluster',
      summary: 'Install a tenant pack another node handed out; 409 (nothing installed) when its id, a domain or a DID exists here',
      rawBody: { contentTypes: ['application/gzip'], description: 'a pack from GET /tenants/{tenantId}/pack' },
      response: { status: 201, schema: INSTALLED },
      async handler(req) {
        mkdirSync(packDir, { recursive: true, mode: 0o700 });
        const file = join(packDir, `incoming-${randomBytes(6).toString('hex')}.tar.gz`);
        try {
          try {
            await req.raw!.saveTo(file);
          } catch (e) {
            if (e instanceof BodyOverLimit) throw new ApiError(413, 'too_large', e.message);
            throw e;
          }
          let r;
          try {
            r = await d.packs.unpack({ dataDir: d.dataDir, file });
          } catch (e) {
            if (e instanceof StoreError) throw new ApiError(/exists already|belongs to|taken/.test(e.message) ? 409 : 422, /exists already|belongs to|taken/.test(e.message) ? 'conflict' : 'bad_pack', e.message);
            throw e;
          }
          d.tenantsChanged(r.tenantId);
          d.logger.info('tenant installed from a pack', { tenant: r.tenantId, domains: r.domains.join(','), dids: r.dids.join(',') });
          return { status: 201, body: r };
        } finally {
          rmSync(file, { force: true });
        }
      },
    },
  ];
}
