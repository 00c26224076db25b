/**
 * One way for scripts (the CLI) to call the admin API, whether the server runs or not:
 *  - HttpAdminClient: the running server's API over HTTP, with a bearer token;
 *  - DirectAdminClient: the SAME route list (adminRoutes) composed over a data directory
 *    without a server, dispatched in-process as the provider. Authorisation, query and body
 *    validation and the handlers are the server's own, so both answer alike; only what lives
 *    in a running server (live calls, hang-up) is refused with 503 server_not_running.
 * Both answer 2xx as an AdminAnswer and throw AdminCallError({ status, code, message }) otherwise.
 */
import { ApiError, type Principal, type RouteDef } from '../admin/api-types.js';
import { runRoute } from '../admin/run-route.js';
import { API_PREFIX } from '../admin/openapi.js';
import { RouteTable } from '../admin/route-table.js';
import { TenantLifecycle } from '../admin/tenant-lifecycle.js';
import type { PbxConfig } from '../config/types.js';
import { TenantStorePool } from '../store/store-pool.js';
import { SystemStore } from '../store/system-store.js';
import { TenantResolver } from '../tenant/tenant-resolver.js';
import { systemClock } from '../util/clock.js';
import { silentLogger } from '../util/logger.js';
import { adminRoutes } from './admin-routes.js';

export type QueryValues = Record<string, string | number | boolean | undefined>;

export interface AdminAnswer {
  status: number;
  /** The JSON answer, when the route answers JSON. */
  json?: unknown;
  /** The text answer (CSV, YAML), when the route answers text. */
  text?: string;
  headers: Record<string, string>;
}

export class AdminCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AdminCallError';
  }
}

export interface AdminClient {
  /** 'api' (HTTP to a running server) or 'direct' (on the data directory). */
  readonly mode: 'api' | 'direct';
  /** `path` is under /api/v1, e.g. '/tenants/acme/extensions'; path parameters already encoded. */
  call(method: RouteDef['method'], path: string, opts?: { query?: QueryValues; body?: unknown }): Promise<AdminAnswer>;
  close(): void;
}

function queryPairs(q: QueryValues | undefined): Array<[string, string]> {
  return Object.entries(q ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)] as [string, string]]));
}

/** The URL of a server's API from its api.listen: a wildcard address is reached on loopback. */
export function apiBaseUrl(api: PbxConfig['api']): string {
  let host = api.host;
  if (host === '0.0.0.0' || host === '') host = '127.0.0.1';
  if (host === '::') host = '::1';
  return `http://${host.includes(':') ? `[${host}]` : host}:${api.port}${API_PREFIX}`;
}

export class HttpAdminClient implements AdminClient {
  readonly mode = 'api';

  constructor(
    /** e.g. http://127.0.0.1:8080/api/v1 */
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 30_000,
  ) {}

  async call(method: RouteDef['method'], path: string, opts: { query?: QueryValues; body?: unknown } = {}): Promise<AdminAnswer> {
    const qs = new URLSearchParams(queryPairs(opts.query)).toString();
    const url = this.baseUrl.replace(/\/+$/, '') + path + (qs ? `?${qs}` : '');
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new AdminCallError(0, 'unreachable', `cannot reach the API at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
    }
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    const text = await res.text();
    const isJson = /json/i.test(headers['content-type'] ?? '');
    let json: unknown;
    if (isJson && text !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (res.status >= 400) {
      const err = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
      throw new AdminCallError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? (text.slice(0, 200) || res.statusText), err?.details);
    }
    return { status: res.status, headers, ...(isJson ? (json !== undefined ? { json } : {}) : text !== '' ? { text } : {}) };
  }

  close(): void {}
}

/** Who the direct client acts as: the provider; audit entries name the actor 'cli'. */
export const DIRECT_PRINCIPAL: Principal = { role: 'provider', tokenId: 'cli' };

/**
 * The admin API over a data directory, for when no server runs on it. Opens system.sqlite
 * (creating the data directory as `pbx serve` would) and tenant stores on use; close() closes them.
 */
export class DirectAdminClient implements AdminClient {
  readonly mode = 'direct';
  private readonly table = new RouteTable<RouteDef<any>>();
  private readonly system: SystemStore;
  private readonly pool: TenantStorePool;

  constructor(config: PbxConfig, private readonly principal: Principal = DIRECT_PRINCIPAL) {
    const clock = systemClock;
    const logger = silentLogger;
    this.system = SystemStore.open(config.dataDir, { clock });
    this.pool = new TenantStorePool({ dataDir: config.dataDir, clock, logger, bindingWriteDelayMs: 0 });
    const lifecycle = new TenantLifecycle({ system: this.system, dataDir: config.dataDir, clock, logger, stores: this.pool, onChange: () => {} });
    const serverOnly = (): never => {
      throw new ApiError(503, 'server_not_running', 'live calls exist only in a running server; start it (pbx serve) or use --api');
    };
    const { routes } = adminRoutes({
      config: () => config,
      system: this.system,
      pool: this.pool,
      resolver: new TenantResolver({ system: this.system, pool: this.pool, logger, clock }),
      lifecycle,
      clock,
      logger,
      // Nothing runs that keeps copies of tenants: the next `pbx serve` reads the files.
      tenantsChanged: () => {},
      calls: { listCalls: serverOnly, hangup: serverOnly },
    });
    for (const r of routes) this.table.add(r.method, r.path, r);
  }

  async call(method: RouteDef['method'], path: string, opts: { query?: QueryValues; body?: unknown } = {}): Promise<AdminAnswer> {
    try {
      return await this.dispatch(method, path, opts);
    } catch (e) {
      if (e instanceof ApiError) {
        // As the server answers: every 404 reads the same.
        if (e.status === 404) throw new AdminCallError(404, 'not_found', 'not found');
        throw new AdminCallError(e.status, e.code, e.message, e.details);
      }
      throw e;
    }
  }

  /** What ApiServer.dispatch does after authentication, without the HTTP. */
  private async dispatch(method: RouteDef['method'], path: string, opts: { query?: QueryValues; body?: unknown }): Promise<AdminAnswer> {
    const m = this.table.match(method, path);
    if (m.kind === 'not-found') throw new ApiError(404, 'not_found', 'not found');
    if (m.kind === 'method-not-allowed') throw new ApiError(405, 'method_not_allowed', `allowed: ${m.allow.join(', ')}`);
    const route = m.value;
    const query: Record<string, string> = {};
    for (const [k, v] of queryPairs(opts.query)) if (!(k in query)) query[k] = v;
    const out = await runRoute(route, this.principal, m.params, query, () => {
      if (opts.body === undefined) throw new ApiError(400, 'body_required', 'a JSON body is required');
      return JSON.parse(JSON.stringify(opts.body)) as unknown; // what the wire would carry
    });
    const headers: Record<string, string> = Object.fromEntries(Object.entries(out.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const status = out.status;
    if (out.text !== undefined) return { status, text: out.text, headers: { 'content-type': out.contentType ?? 'text/plain; charset=utf-8', ...headers } };
    if (out.body !== undefined && status !== 204) return { status, json: JSON.parse(JSON.stringify(out.body)), headers: { 'content-type': out.contentType ?? 'application/json', ...headers } };
    return { status, headers };
  }

  close(): void {
    this.pool.closeAll();
    this.system.close();
  }
}
