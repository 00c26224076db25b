import { createReadStream } from 'node:fs';
import { jsonContentTypeProblem } from './content-type.js';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { HttpRoute } from './http-route.js';
import { csrfMatches, SECURITY_HEADERS, type SessionVerifier } from './console-auth.js';
import { sessionCookie } from './session-cookie.js';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { rawBodyOf, UPLOAD_LIMIT_BYTES } from './raw-body.js';
import { ApiError, BodyOverLimit, type ApiResult, type Principal, type RawRoute, type RouteDef } from './api-types.js';
import { ConditionalRequests } from './conditional-requests.js';
import { runRoute } from './run-route.js';
import { precompileSchemas } from './schema-validator.js';
import { API_PREFIX, openApiRoute, type OpenApiInfo } from './openapi.js';
import { RouteTable } from './route-table.js';
import type { TokenVerifier } from './token-auth.js';
import type { StaticSite } from './static-site.js';

/** Bodies larger than this are refused with 413. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** A refused body is read (and dropped) up to this much so that the client sees the 413; beyond it the connection is cut. */
const DRAIN_LIMIT_BYTES = 8 * BODY_LIMIT_BYTES;

export interface ApiServerOptions {
  /** The API, under /api/v1. */
  routes: readonly RouteDef<any>[];
  /** Outside /api/v1 (GET /metrics, /healthz, /readyz) or beside it (the OpenAPI document). */
  rawRoutes?: readonly RawRoute[];
  /** Bearer token → principal, or undefined for an unknown or revoked one. */
  tokens: TokenVerifier;
  logger: Logger;
  clock?: Clock;
  /** Default BODY_LIMIT_BYTES (1 MiB). */
  bodyLimitBytes?: number;
  /** The cap of a binary body (routes with rawBody: uploads); default 20 MiB (api.uploadLimitMB). */
  uploadLimitBytes?: number;
  /** The web console's files (GET /console/*), answered before the API's routes. */
  site?: StaticSite;
  /** Under /api/v1 with the exchange itself: the console's login, session, logout, events (http-route.ts). */
  httpRoutes?: readonly HttpRoute[];
  /** Session cookies (console-auth.ts); absent: bearer tokens only. */
  sessions?: SessionVerifier;
  /** HTTPS (api.tls): PEM certificate chain and key. */
  tls?: { cert: Buffer; key: Buffer };
  /** Serve GET /api/v1/openapi.json, generated from every route given here (RouteDefs, HttpRoutes, RawRoutes, itself). */
  openApi?: OpenApiInfo;
}

type Entry = { kind: 'api'; route: RouteDef<any> } | { kind: 'raw'; route: RawRoute } | { kind: 'http'; route: HttpRoute };

/** The one body for every 404: "not yours" and "not there" must read the same. */
const NOT_FOUND_BODY = { error: { code: 'not_found', message: 'not found' } };

export { authorize } from './run-route.js';

/** The token of `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
  return m ? m[1] : undefined;
}

class BodyTooLarge extends Error {}

/**
 * The admin API over node:http: routes by path template, bearer-token authentication,
 * central authorisation, schema validation of query and body, JSON answers and errors
 * `{ error: { code, message, details } }`. Each request gets an id (X-Request-Id, taken
 * from the request when it is sane) that its log line carries.
 */
export class ApiServer {
  private readonly table = new RouteTable<Entry>();
  private readonly conditional: ConditionalRequests;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly bodyLimit: number;
  private readonly uploadLimit: number;
  private server: Server | undefined;
  /** Every method and full path registered (the console's static files aside), in order. */
  readonly registered: Array<{ method: string; path: string }> = [];

  constructor(private readonly o: ApiServerOptions) {
    this.log = o.logger;
    this.clock = o.clock ?? systemClock;
    this.bodyLimit = o.bodyLimitBytes ?? BODY_LIMIT_BYTES;
    this.uploadLimit = o.uploadLimitBytes ?? UPLOAD_LIMIT_BYTES;
    this.conditional = new ConditionalRequests(o.routes);
    const add = (method: string, path: string, e: Entry) => {
      this.table.add(method, path, e);
      this.registered.push({ method, path });
    };
    for (const r of o.routes) add(r.method, API_PREFIX + (r.path === '/' ? '' : r.path), { kind: 'api', route: r });
    const raw = [...(o.rawRoutes ?? [])];
    // The document lists exactly what this server registers: the same lists, itself included.
    if (o.openApi) raw.push(openApiRoute(o.routes, o.openApi, () => ({ http: o.httpRoutes ?? [], raw })));
    for (const r of raw) add(r.method, r.path, { kind: 'raw', route: r });
    for (const r of o.httpRoutes ?? []) add(r.method, API_PREFIX + r.path, { kind: 'http', route: r });
    // Every query and body schema is compiled now, not on a request (and a bad one fails the start).
    precompileSchemas(o.routes.flatMap((r) => [r.query, r.body]));
  }

  /** Starts listening; resolves with the bound address (port 0 picks a free one). */
  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    if (this.server) return Promise.reject(new Error('already listening'));
    const onRequest = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    const server: Server = this.o.tls ? createTlsServer({ cert: this.o.tls.cert, key: this.o.tls.key }, onRequest) : createServer(onRequest);
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    server.keepAliveTimeout = 5_000;
    this.server = server;
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => {
        this.server = undefined;
        reject(e);
      };
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        server.on('error', (e) => this.log.error('api server error', { error: e }));
        const a = server.address() as AddressInfo;
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  /** Where it listens, once listening. */
  get address(): { host: string; port: number } | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : undefined;
  }

  /** Stops accepting, closes idle and open connections. */
  close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      // Requests in flight are short (every handler is synchronous or nearly): give them a moment.
      setTimeout(() => server.closeAllConnections(), 1000).unref();
    });
  }

  /** One request, start to end; never throws. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = this.clock.now();
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomBytes(8).toString('hex');
    res.setHeader('X-Request-Id', requestId);
    // Defaults every answer carries; a handler's own headers replace them.
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    let principal: Principal | undefined;
    let status = 500;
    try {
      if (this.o.site?.handles(path)) {
        status = this.o.site.serve(req, res, path);
        return;
      }
      const out = await this.dispatch(req, res, method, path, q < 0 ? '' : rawUrl.slice(q + 1), (p) => (principal = p));
      status = out.streamed ? (out.status ?? 200) : out.file ? sendFile(req, res, out, out.file) : this.send(res, out);
    } catch (e) {
      status = this.sendError(res, e, requestId, method, path);
    } finally {
      if (!req.complete) req.resume();
      const fields: Record<string, unknown> = { requestId, method, path: path.slice(0, 200), status, ms: this.clock.now() - started };
      if (principal) fields['token'] = principal.tokenId;
      this.log.info('api request', fields);
    }
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, method: string, path: string, search: string, setPrincipal: (p: Principal) => void): Promise<ApiResult> {
    if (path.length > 2048) throw new ApiError(404, 'not_found', 'not found');
    const m = this.table.match(method, path);
    if (m.kind === 'not-found') throw new ApiError(404, 'not_found', 'not found');
    if (m.kind === 'method-not-allowed') throw new ApiError(405, 'method_not_allowed', `allowed: ${m.allow.join(', ')}`, undefined, { Allow: m.allow.join(', ') });
    const entry = m.value;

    if (entry.kind === 'raw') {
      if (entry.route.auth === 'provider') {
        const p = this.authenticate(req, method);
        setPrincipal(p);
        if (p.role !== 'provider') throw new ApiError(403, 'forbidden', `a ${p.role} token may not do this`);
      }
      return entry.route.handler();
    }

    if (entry.kind === 'http') {
      const r = entry.route;
      let principal: Principal | undefined;
      if (r.auth === 'principal') {
        principal = this.authenticate(req, method);
        setPrincipal(principal);
      }
      const sessionId = sessionCookie(req.headers['cookie']);
      const raw = req.socket.remoteAddress ?? '';
      return r.handler({
        req,
        res,
        ...(principal ? { principal } : {}),
        ...(sessionId !== undefined ? { sessionId } : {}),
        remoteAddress: raw.startsWith('::ffff:') && raw.includes('.') ? raw.slice(7) : raw,
        readJson: () => this.readJson(req),
      });
    }

    const route = entry.route;
    const principal = this.authenticate(req, method);
    setPrincipal(principal);
    const query: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(search)) if (!(k in query)) query[k] = v;
    const ifMatch = req.headers['if-match'];
    const precondition = ifMatch !== undefined ? () => this.conditional.check(route, principal, m.params, ifMatch) : undefined;
    const out = await runRoute(route, principal, m.params, query, () => this.readJson(req), route.rawBody ? () => rawBodyOf(req, route.rawBody!.contentTypes, this.uploadLimit) : undefined, precondition);
    return withEntityTag(this.conditional, route, principal, m.params, out);
  }

  private async readJson(req: IncomingMessage): Promise<unknown> {
    const refused = jsonContentTypeProblem(req.headers['content-type']);
    if (refused !== undefined) {
      await this.readBody(req).catch(() => undefined);
      throw new ApiError(415, 'unsupported_media_type', refused);
    }
    const text = await this.readBody(req);
    if (text.trim() === '') throw new ApiError(400, 'body_required', 'a JSON body is required');
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new ApiError(400, 'invalid_json', `the body is not JSON: ${(e as Error).message}`);
    }
  }

  /**
   * The caller: a bearer token (machines; no CSRF: a browser never adds one by itself), else
   * the console's session cookie, which on a request other than GET/HEAD must come with the
   * session's X-CSRF-Token (403 csrf otherwise), compared in constant time.
   */
  private authenticate(req: IncomingMessage, method: string): Principal {
    const header = req.headers['authorization'];
    const cookie = header === undefined && this.o.sessions ? sessionCookie(req.headers['cookie']) : undefined;
    if (cookie !== undefined) {
      const s = this.o.sessions!.get(cookie);
      if (!s) throw new ApiError(401, 'unauthorized', 'the session has ended: log in again');
      if (method !== 'GET' && method !== 'HEAD') {
        const given = req.headers['x-csrf-token'];
        if (typeof given !== 'string' || !csrfMatches(given, s.csrfToken)) {
          this.o.sessions!.csrfRefused?.();
          throw new ApiError(403, 'csrf', 'this request needs the X-CSRF-Token of the session');
        }
      }
      return s.principal;
    }
    const token = bearerToken(typeof header === 'string' ? header : undefined);
    if (token === undefined) {
      throw new ApiError(401, 'unauthorized', 'a bearer token is required', undefined, { 'WWW-Authenticate': 'Bearer realm="pbx"' });
    }
    const p = this.o.tokens.verify(token);
    if (!p) {
      throw new ApiError(401, 'unauthorized', 'the token is not valid', undefined, { 'WWW-Authenticate': 'Bearer realm="pbx", error="invalid_token"' });
    }
    return p;
  }

  private readBody(req: IncomingMessage): Promise<string> {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > DRAIN_LIMIT_BYTES) {
      req.destroy();
      return Promise.reject(new BodyTooLarge());
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > this.bodyLimit) {
          tooLarge = true;
          chunks.length = 0;
          if (size > DRAIN_LIMIT_BYTES) req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => (tooLarge ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
      req.on('error', reject);
      req.on('close', () => {
        if (!req.complete) reject(tooLarge ? new BodyTooLarge() : new Error('request aborted'));
      });
    });
  }

  private send(res: ServerResponse, out: ApiResult): number {
    const status = out.status ?? 200;
    for (const [k, v] of Object.entries(out.headers ?? {})) res.setHeader(k, v);
    if (out.text !== undefined) {
      res.writeHead(status, { 'Content-Type': out.contentType ?? 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(out.text);
    } else if (out.body !== undefined && status !== 204) {
      res.writeHead(status, { 'Content-Type': out.contentType ?? 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(out.body));
    } else {
      res.writeHead(status);
      res.end();
    }
    return status;
  }

  private sendError(res: ServerResponse, e: unknown, requestId: string, method: string, path: string): number {
    let status: number;
    let body: unknown;
    let headers: Record<string, string> = {};
    if (e instanceof BodyTooLarge) {
      status = 413;
      body = { error: { code: 'body_too_large', message: `the body is larger than ${this.bodyLimit} bytes` } };
    } else if (e instanceof BodyOverLimit) {
      status = e.which === 'limit' ? 413 : 507;
      body = { error: { code: e.which === 'limit' ? 'body_too_large' : 'storage_full', message: e.message } };
    } else if (e instanceof ApiError) {
      status = e.status;
      headers = e.headers ?? {};
      body = status === 404 ? NOT_FOUND_BODY : { error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } };
    } else {
      status = 500;
      body = { error: { code: 'internal_error', message: `internal error (request ${requestId})` } };
      this.log.error('api handler failed', { requestId, method, path: path.slice(0, 200), error: e, stack: (e as Error)?.stack });
    }
    if (res.headersSent) {
      res.destroy();
      return status;
    }
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(body));
    return status;
  }
}

/**
 * A file as the answer, streamed (never read whole into memory): 200 with Content-Length,
 * or 206 for one satisfiable `bytes=` range (RFC 9110 §14.2), 416 for an unsatisfiable one.
 * Several ranges are answered with the whole file (allowed: a server may ignore Range).
 */
function sendFile(req: IncomingMessage, res: ServerResponse, out: ApiResult, file: { path: string; size: number }): number {
  for (const [k, v] of Object.entries(out.headers ?? {})) res.setHeader(k, v);
  const size = file.size;
  let start = 0;
  let end = size - 1;
  let status = out.status ?? 200;
  const range = req.headers['range'];
  const m = typeof range === 'string' ? /^bytes=(\d{0,15})-(\d{0,15})$/.exec(range.trim()) : null;
  if (m && (m[1] !== '' || m[2] !== '')) {
    if (m[1] === '') {
      start = Math.max(0, size - Number(m[2]));
    } else {
      start = Number(m[1]);
      if (m[2] !== '') end = Math.min(end, Number(m[2]));
    }
    if (start >= size || start > end) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Cache-Control': 'no-store' });
      res.end();
      return 416;
    }
    status = 206;
    res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
  }
  res.writeHead(status, { 'Content-Type': out.contentType ?? 'application/octet-stream', 'Content-Length': String(Math.max(0, end - start + 1)), 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-store' });
  if (size === 0 || req.method === 'HEAD') {
    res.end();
    return status;
  }
  const stream = createReadStream(file.path, { start, end });
  stream.on('error', () => res.destroy());
  stream.pipe(res);
  return status;
}

/**
 * A GET of a writable document answers its ETag; so does a successful PUT or PATCH there (the
 * tag of the document as GET now shows it, so a form can save again without reading again).
 */
async function withEntityTag(c: ConditionalRequests, route: RouteDef<any>, principal: Principal, params: Record<string, string>, out: ApiResult & { status: number }): Promise<ApiResult> {
  if (!c.tagged(route.path) || out.status < 200 || out.status > 299 || out.text !== undefined || out.file || out.streamed) return out;
  let tag: string | undefined;
  if (route.method === 'GET') tag = out.body !== undefined ? c.tagOf(route.path, params, out.body) : undefined;
  else if (route.method === 'PUT' || route.method === 'PATCH') tag = await c.current(route.path, principal, params);
  return tag === undefined ? out : { ...out, headers: { ...out.headers, ETag: tag } };
}
