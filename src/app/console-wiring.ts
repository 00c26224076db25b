/**
 * The web console's logins, sessions and live events (issue 14), put together for
 * PbxServer: what the API server gets (session verifier, the login/session/logout/events
 * endpoints, the web-password route) and the LiveEvents the SIP side publishes into.
 */
import { CONSOLE_DEFAULTS, type ConsoleConfig } from '../config/console-config.js';
import type { PbxConfig } from '../config/types.js';
import type { RouteDef } from '../admin/api-types.js';
import { ConsoleAccounts } from '../admin/console-accounts.js';
import { consoleLoginRoutes } from '../admin/console-login-routes.js';
import { ConsoleSessions } from '../admin/console-sessions.js';
import { eventStreamRoute } from '../admin/event-stream-route.js';
import type { HttpRoute } from '../admin/http-route.js';
import type { LiveEvents } from '../admin/live-events.js';
import { LoginGuard } from '../admin/login-guard.js';
import { sipWsUrls } from '../admin/sip-ws-urls.js';
import { tenantLookup } from '../admin/routes/tenant-resources.js';
import { webPasswordRoutes } from '../admin/routes/tenant-web-password.js';
import type { TenantStorePool } from '../store/store-pool.js';
import type { SystemStore } from '../store/system-store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { MetricsRegistry } from '../util/metrics.js';
import { ConsoleMetrics } from '../admin/console-metrics.js';
import type { SessionVerifier } from '../admin/console-auth.js';

export interface ConsoleWiringDeps {
  config: () => PbxConfig;
  system: SystemStore;
  pool: TenantStorePool;
  clock: Clock;
  logger: Logger;
  live: LiveEvents;
  /** The server's metrics registry (GET /metrics). */
  metrics: MetricsRegistry;
  /** The SIP edge's ban list: login failures count there too, and its bans hold here. */
  sourceGuard?: { authFailed(address: string): void; isBanned(address: string): boolean; isTrusted(address: string): boolean };
}

export interface ConsoleWiring {
  /** The sessions, as the API server verifies them (CSRF refusals counted). */
  sessions: SessionVerifier;
  routes: RouteDef<any>[];
  httpRoutes: HttpRoute[];
  /** The softphone's SIP WebSocket URLs for a request's Host header (GET /session's sipWs; the console's connect-src). */
  sipWs: (requestHost: string | undefined) => string[];
  /** Stops the session sweep (before the system store closes). */
  stop: () => void;
}

/** Expired console sessions are deleted from system.sqlite this often. */
const SESSION_SWEEP_MS = 5 * 60_000;

export function consoleConfig(c: PbxConfig): ConsoleConfig {
  return c.console ?? CONSOLE_DEFAULTS;
}

export function consoleWiring(d: ConsoleWiringDeps): ConsoleWiring {
  const cc = () => consoleConfig(d.config());
  const metrics = new ConsoleMetrics(d.metrics);
  const accounts = new ConsoleAccounts({ system: d.system, store: (id) => d.pool.get(id), providers: () => cc().providers });
  // Idle and absolute limits are read at start; a reload changes them for new processes only.
  const sessions = new ConsoleSessions({
    clock: d.clock,
    idleMs: cc().sessionIdleMinutes * 60_000,
    maxMs: cc().sessionMaxHours * 3_600_000,
    stillValid: (s) => accounts.stillValid(s),
    rows: d.system.consoleSessions,
  });
  sessions.startSweeping(SESSION_SWEEP_MS);
  const guard = new LoginGuard({
    clock: d.clock,
    policy: () => ({ ...cc().loginFailBan, userAttempts: cc().userFailLock }),
    ...(d.sourceGuard
      ? { isTrusted: (a: string) => d.sourceGuard!.isTrusted(a), isBanned: (a: string) => d.sourceGuard!.isBanned(a), onFailure: (a: string) => d.sourceGuard!.authFailed(a) }
      : {}),
  });
  const sipWs = (requestHost: string | undefined) => sipWsUrls(d.config().sip.listen, requestHost);
  const httpRoutes: HttpRoute[] = [
    ...consoleLoginRoutes({
      sipWs,
      accounts,
      sessions,
      guard,
      clock: d.clock,
      logger: d.logger,
      metrics,
      // A tenant's audit log says who logged in to its console, and from where.
      onLogin: (s, source) => {
        if (s.principal.tenantId !== undefined && s.ext !== undefined) {
          d.pool.get(s.principal.tenantId).appendAudit({ actor: s.principal.tokenId, action: 'console.login', target: s.ext, details: { role: s.principal.role, source }, at: d.clock.now() });
        }
      },
    }),
    eventStreamRoute({
      live: d.live,
      clock: d.clock,
      maxStreams: () => cc().maxStreams,
      stillAllowed: (p) => {
        if (p.tokenId.startsWith('web:')) return sessions.isLive(p.tokenId);
        // A stored token revoked since the stream opened ends it ('admin' is pbx.yaml's, not stored).
        if (p.tokenId !== 'admin') {
          const rec = d.system.tokens.get(p.tokenId);
          if (!rec || rec.revokedAt !== undefined) return false;
        }
        if (p.tenantId === undefined) return true;
        const t = d.system.getTenant(p.tenantId);
        return t !== undefined && t.status !== 'deleted' && t.status !== 'disabled';
      },
    }),
  ];
  const routes = webPasswordRoutes({
    tenant: tenantLookup(d.system, d.pool),
    clock: d.clock,
    passwordChanged: (tenantId, ext, hash, by) => sessions.passwordChanged(tenantId, ext, hash, by),
    managedBy: (tenantId) => d.system.getTenant(tenantId)?.managedBy,
  });
  return { sessions: { get: (id) => sessions.get(id), csrfRefused: () => metrics.csrfRefused.inc() }, routes, httpRoutes, sipWs, stop: () => sessions.stop() };
}
