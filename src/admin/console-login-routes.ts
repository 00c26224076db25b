/**
 * POST /api/v1/login, GET /api/v1/session, POST /api/v1/logout: the console's cookie
 * sessions (issue 14 point 2). A wrong username and a wrong password get the same 401 after
 * the same work (a dummy scrypt for an unknown name); the login guard answers 429 before
 * any check once an address or a username has failed too often.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { verifyWebPassword } from '../tenant/web-password.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { ApiError, validationError, type ApiResult } from './api-types.js';
import type { ConsoleAccounts, FoundAccount } from './console-accounts.js';
import type { ConsoleMetrics } from './console-metrics.js';
import type { ConsoleSession, ConsoleSessions } from './console-sessions.js';
import type { HttpRoute } from './http-route.js';
import { validateSchema } from './schema-validator.js';
import type { LoginGuard } from './login-guard.js';
import { clearSessionCookie, setSessionCookie } from './session-cookie.js';

export interface ConsoleLoginDeps {
  accounts: ConsoleAccounts;
  sessions: ConsoleSessions;
  guard: LoginGuard;
  clock: Clock;
  logger: Logger;
  metrics: ConsoleMetrics;
  /** After a good login (the tenant's audit log, for an extension). */
  onLogin?: (s: ConsoleSession, source: string) => void;
  /** The SIP WebSocket URLs for a request's Host header (sip-ws-urls.ts), answered to sessions of an extension as `sipWs`. */
  sipWs?: (requestHost: string | undefined) => string[];
}

const LOGIN_BODY = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 320 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
  },
};

/** The answer of login and session, as the OpenAPI document gives it. */
const SESSION_BODY = {
  type: 'object',
  required: ['role', 'username', 'csrfToken', 'expiresAt'],
  additionalProperties: false,
  properties: {
    role: { enum: ['provider', 'tenant-admin', 'user'] },
    tenantId: { type: 'string', description: 'A tenant admin\'s or a user\'s tenant' },
    ext: { type: 'string', description: 'The extension logged in as (a user, or an extension with webAdmin)' },
    username: { type: 'string', description: 'ext@domain, or a provider account\'s name' },
    csrfToken: { type: 'string', description: 'Sent back as X-CSRF-Token on every mutating request' },
    expiresAt: { type: 'string', format: 'date-time', description: 'When the session ends unless used again (idle and absolute limits)' },
    sipWs: { type: 'array', items: { type: 'string', format: 'uri' }, description: 'GET /session of an extension: the SIP WebSocket URLs its softphone registers over' },
  },
};

const ERROR_SCHEMA = { $ref: '#/components/schemas/Error' };
const LOGIN_ANSWERS = {
  200: { description: 'Logged in', schema: SESSION_BODY, headers: { 'Set-Cookie': 'pbx_session=<id>; HttpOnly; SameSite=Strict; Path=/; Secure' } },
  400: { description: 'The body is not JSON', schema: ERROR_SCHEMA },
  401: { description: 'Wrong username or password (the same answer for both)', schema: ERROR_SCHEMA },
  403: { description: 'The request comes from another site or origin (login CSRF)', schema: ERROR_SCHEMA },
  413: { description: 'The body is larger than 1 MiB', schema: ERROR_SCHEMA },
  415: { description: 'The body is not application/json', schema: ERROR_SCHEMA },
  422: { description: 'username or password missing or too long', schema: { $ref: '#/components/schemas/ValidationError' } },
  429: { description: 'Too many failed logins from this address or for this username', schema: ERROR_SCHEMA, headers: { 'Retry-After': 'Seconds until a login is tried again' } },
  503: { description: 'Too many password checks at once', schema: ERROR_SCHEMA, headers: { 'Retry-After': 'Seconds' } },
};

/** The answer of login and session: who, and the CSRF token the page sends back. */
export function sessionBody(s: ConsoleSession, sessions: ConsoleSessions, ext: string | undefined): Record<string, unknown> {
  return {
    role: s.principal.role,
    ...(s.principal.tenantId !== undefined ? { tenantId: s.principal.tenantId } : {}),
    ...(ext !== undefined ? { ext } : {}),
    username: s.username,
    csrfToken: s.csrfToken,
    expiresAt: new Date(sessions.expiresAt(s)).toISOString(),
  };
}

/** Sec-Fetch-Site cross-site, or an Origin whose host is not the Host the request was sent to. */
function crossSite(h: IncomingHttpHeaders): boolean {
  if (h['sec-fetch-site'] === 'cross-site') return true;
  const origin = h['origin'];
  if (typeof origin !== 'string' || origin === 'null') return typeof origin === 'string';
  try {
    return new URL(origin).host !== h['host'];
  } catch {
    return true;
  }
}

/** Password checks running at once (each is ~50 ms of scrypt on libuv's pool); more wait their turn as 503. */
const MAX_CHECKS_IN_FLIGHT = 8;

export function consoleLoginRoutes(d: ConsoleLoginDeps): HttpRoute[] {
  const unauthorized = () => new ApiError(401, 'unauthorized', 'wrong username or password');
  let inFlight = 0;
  return [
    {
      method: 'POST',
      path: '/login',
      auth: 'none',
      summary: 'Log in to the console (sets the pbx_session cookie)',
      doc: { tag: 'console', body: LOGIN_BODY, responses: LOGIN_ANSWERS },
      async handler(ctx): Promise<ApiResult> {
        // Login CSRF, in depth (the cookie is SameSite=Strict and the body must be JSON): a
        // browser that says the request comes from another site, or from another origin, is refused.
        if (crossSite(ctx.req.headers)) {
          ctx.req.resume();
          throw new ApiError(403, 'csrf', 'a login must come from the console itself');
        }
        const body = (await ctx.readJson()) as { username: string; password: string };
        const problems = validateSchema(LOGIN_BODY, body);
        if (problems.length > 0) throw validationError(problems);
        const verdict = d.guard.check(ctx.remoteAddress, body.username);
        if (!verdict.ok) {
          d.metrics.loginRefused.inc({ why: verdict.why });
          throw new ApiError(429, 'too_many_requests', `too many failed logins: try again in ${verdict.retryAfterSeconds} s`, undefined, { 'Retry-After': String(verdict.retryAfterSeconds) });
        }
        let account: FoundAccount | undefined;
        try {
          account = d.accounts.lookup(body.username);
        } catch (e) {
          d.logger.warn('console account lookup failed', { error: e });
          account = undefined;
        }
        // A flood of logins must not take every thread of the pool (file I/O and SQLite backups use it too).
        if (inFlight >= MAX_CHECKS_IN_FLIGHT) {
          d.metrics.loginRefused.inc({ why: 'busy' });
          throw new ApiError(503, 'busy', 'too many logins at once: try again in a second', undefined, { 'Retry-After': '1' });
        }
        inFlight++;
        let ok: boolean;
        try {
          ok = await verifyWebPassword(body.password, account?.passwordHash);
        } finally {
          inFlight--;
        }
        if (!ok || !account) {
          d.guard.failed(ctx.remoteAddress, body.username);
          d.metrics.loginFailures.inc();
          d.logger.warn('console login failed', { source: ctx.remoteAddress });
          throw unauthorized();
        }
        d.guard.succeeded(body.username);
        // A session id the browser had before the login is never reused (session fixation).
        if (ctx.sessionId !== undefined) d.sessions.end(ctx.sessionId);
        const { id, session } = d.sessions.create(account);
        d.metrics.logins.inc({ role: session.principal.role });
        try {
          d.onLogin?.(session, ctx.remoteAddress);
        } catch (e) {
          d.logger.warn('console login audit failed', { error: e });
        }
        d.logger.info('console login', { role: session.principal.role, tenant: session.principal.tenantId, session: session.principal.tokenId, source: ctx.remoteAddress });
        return { status: 200, body: sessionBody(session, d.sessions, account.ext), headers: { 'Set-Cookie': setSessionCookie(id) } };
      },
    },
    {
      method: 'GET',
      path: '/session',
      auth: 'none',
      summary: 'The logged-in session (role, scope, CSRF token), or 401',
      doc: {
        tag: 'console',
        responses: {
          200: { description: 'The session of the pbx_session cookie (its idle time restarts)', schema: SESSION_BODY },
          401: { description: 'No cookie, or its session has ended', schema: ERROR_SCHEMA },
        },
      },
      handler(ctx): ApiResult {
        const s = ctx.sessionId === undefined ? undefined : d.sessions.get(ctx.sessionId);
        if (!s) throw new ApiError(401, 'unauthorized', 'not logged in');
        const body = sessionBody(s, d.sessions, s.ext);
        // The console's softphone registers over one of these as the session's extension.
        if (s.ext !== undefined && d.sipWs) body['sipWs'] = d.sipWs(ctx.req.headers.host);
        return { status: 200, body };
      },
    },
    {
      method: 'POST',
      path: '/logout',
      auth: 'none',
      summary: 'Log out: the session ends and the cookie is cleared',
      doc: { tag: 'console', responses: { 204: { description: 'Logged out (also without a session: nothing to end)', headers: { 'Set-Cookie': 'pbx_session=; Max-Age=0 (cleared)' } } } },
      handler(ctx): ApiResult {
        if (ctx.sessionId !== undefined) d.sessions.end(ctx.sessionId);
        // The body (if any) is not read: nothing in it matters.
        ctx.req.resume();
        return { status: 204, headers: { 'Set-Cookie': clearSessionCookie() } };
      },
    },
  ];
}
