/**
 * What the tenant-scoped resource routes share: their dependencies, the tenant lookup
 * (404, never 403, for one that is not there), the audit metadata of a change, 422 from
 * spec problems, times and cursors in query strings.
 */
import type { LiveConferences } from './tenant-conferences.js';
import type { LiveRecordingControl } from './tenant-recordings.js';
import type { MediaFiles } from './tenant-media-kit.js';
import type { VoicemailControl } from './voicemail-access.js';
import type { QueueControl } from './tenant-queues.js';
import type { B2bua } from '../../b2bua/b2bua.js';
import type { RouteOutbound } from '../../apps/forwarding/call-handling-service.js';
import type { TenantContext } from '../../tenant/tenant-context.js';
import { TenantSpecError, type SpecProblem } from '../../model/tenant-errors.js';
import type { WriteMeta } from '../../store/tenant-store.js';
import type { Clock } from '../../util/clock.js';
import { ApiError, notFound, validationError, type ApiRequest, type JsonSchema } from '../api-types.js';

/** What changed in a tenant, for whoever keeps copies (the trunk book, registrations to carriers). */
export type TenantChange = 'extensions' | 'routing';

/** Everything the tenant resource routes need; each member maps onto a part of PbxServer. */
export interface TenantResourceDeps {
  /** A tenant that exists and is active or suspended, by id; undefined otherwise (404). */
  tenant(tenantId: string): TenantContext | undefined;
  /** Every tenant known to system.sqlite (GET /usage); SystemStore.listTenants fits. */
  tenants(): ReadonlyArray<{ id: string; name: string; status: string }>;
  /** `<dataDir>`: tenant folders are `<dataDir>/tenants/<id>/` (storage bytes). */
  dataDir: string;
  clock: Clock;
  /** Live calls: the B2BUA itself fits. */
  calls: Pick<B2bua, 'listCalls' | 'hangup'>;
  /** The provider trunks of pbx.yaml (name and the tenants they are open to, '*' for all): `() => config.trunks`. */
  providerTrunks(): ReadonlyArray<{ name: string; tenants: readonly string[] }>;
  /**
   * Why the tenant's own trunk may not point at a host (loopback, the PBX itself, private
   * ranges...: pbx.yaml security.tenantTrunk*); undefined when it may. Absent: not checked.
   */
  trunkHostRefusal?(host: string): string | undefined;
  /**
   * Called after every change committed through these routes, after the store's own
   * caches were updated: 'routing' means trunks may have changed (re-sync the trunk book
   * and carrier registrations).
   */
  onTenantChanged(tenantId: string, what: TenantChange): void;
  /**
   * Who owns the tenant's configuration: 'file' (its YAML, re-applied at every start and
   * whenever it changes) or 'api'. Absent: 'api'.
   */
  managedBy?(tenantId: string): 'file' | 'api' | undefined;
  /** Starting and stopping the recording of a live call (b2bua/call-recording.ts); absent: refused. */
  recording?: LiveRecordingControl;
  /** The running conference rooms (b2bua/conference-calls.ts); absent: no participants. */
  conferences?: LiveConferences;
  /** Checks uploaded prompts and music (app/media-probe.ts); absent: uploads are refused (409). */
  media?: MediaFiles;
  /** The routing ports' outbound decision (forwards to outside numbers are checked with it); absent: such forwards are refused. */
  routeOutbound?: RouteOutbound;
  /** Whether a tenant has a prompt of that name (`play` destinations); absent: names checked for form only. */
  promptExists?(tenant: TenantContext, name: string): boolean;
  /** Voicemail folder changes and deletes (apps/voicemail VoicemailService, for MWI); absent: refused (409). */
  voicemail?: VoicemailControl;
  /** pbx.yaml media.prompts (the operator's prompt set), searched for the prompts call flows name; absent: none. */
  operatorPrompts?(): string | undefined;
  /** Live queue statistics and agent logins (apps/queue QueueService); absent: no statistics, logins refused. */
  queues?: QueueControl;
  /** Park slot states of the running B2BUA (b2bua/call-park.ts); absent: every slot reads idle. */
  parkSlots?: import('../../b2bua/call-park.js').ParkSlotsPort;
}

/** The tenant of a request's {tenantId}, or the one 404 that says nothing. */
export function tenantOf(deps: TenantResourceDeps, req: ApiRequest<unknown>): TenantContext {
  const id = req.params['tenantId'];
  const t = id === undefined ? undefined : deps.tenant(id);
  if (!t) throw notFound();
  return t;
}

/** When a change happens and the audit entry that goes into the same transaction. */
export function writeMeta(deps: TenantResourceDeps, req: ApiRequest<unknown>, action: string, target: string, details?: unknown): WriteMeta {
  refuseFileManaged(deps, req);
  return { now: deps.clock.now(), audit: { actor: req.principal.tokenId, action, target, ...(details !== undefined ? { details } : {}) } };
}

/**
 * A file-managed tenant's YAML is applied again at every start and on every change of
 * the file, which would silently undo a change made through the API: 409 managed_by_file.
 */
export function refuseFileManaged(deps: TenantResourceDeps, req: ApiRequest<unknown>): void {
  const id = req.params['tenantId'];
  if (id !== undefined && deps.managedBy?.(id) === 'file') {
    throw new ApiError(409, 'managed_by_file', `tenant ${id} is configured by its YAML file: change the file and apply it (pbx tenant apply), or export it (pbx tenant export) to see its state`);
  }
}

/** 422 listing each problem with its path (a JSON pointer), as `pbx check` would for the YAML. */
export function invalid(problems: readonly SpecProblem[]): ApiError {
  return validationError(problems);
}

/** Runs a check that reports through `bad`; throws 422 when it reported anything. */
export function checked<T>(fn: (bad: (path: string, message: string) => void) => T): T {
  const problems: SpecProblem[] = [];
  const out = fn((path, message) => problems.push({ path, message }));
  if (problems.length > 0) throw invalid(problems);
  return out;
}

/** TenantSpecError → 422; anything else goes on. */
export function rethrowSpec(e: unknown): never {
  if (e instanceof TenantSpecError) throw invalid(e.problems);
  throw e;
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'bad_request', message);
}

/** A time in a query string: ms since the epoch, or an ISO 8601 date or date-time. */
export function parseTime(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (/^-?\d{1,16}$/.test(v)) return Number(v);
  const t = /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(t)) throw badRequest(`${name}: not a time (ISO 8601, or ms since the epoch): ${v.slice(0, 40)}`);
  return t;
}

/** A page size from the query: default `def`, at most `max`. */
export function pageSize(v: string | undefined, def: number, max: number): number {
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw badRequest(`limit must be a whole number from 1 to ${max}`);
  return Math.min(n, max);
}

/** An opaque cursor: base64url of a JSON array of numbers. */
export function encodeCursor(parts: readonly number[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(v: string | undefined, length: number): number[] | undefined {
  if (v === undefined || v === '') return undefined;
  try {
    const parts: unknown = JSON.parse(Buffer.from(v, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.length === length && parts.every((n) => typeof n === 'number' && Number.isFinite(n))) return parts as number[];
  } catch {
    // fall through
  }
  throw badRequest('cursor: not a cursor this API handed out');
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

// ---- schema pieces --------------------------------------------------------------------

export const TIME_PARAM: JsonSchema = { type: 'string', description: 'ISO 8601 date or date-time, or ms since the epoch', maxLength: 40 };
export const LIMIT_PARAM = (max: number): JsonSchema => ({ type: 'string', pattern: '^[0-9]{1,6}$', description: `page size, at most ${max}` });
export const CURSOR_PARAM: JsonSchema = { type: 'string', maxLength: 200, description: 'nextCursor of the previous page' };
export const PROBLEMS_DESCRIPTION = '422 validation_failed lists { path, message } problems, the same paths and messages as for the tenant YAML';
export const ROLES_ADMIN = ['provider', 'tenant-admin'] as const;
export const ROLES_WITH_USER = ['provider', 'tenant-admin', 'user'] as const;
