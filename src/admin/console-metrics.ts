/**
 * The console login's counters on /metrics, registered on the registry the composition
 * root hands over (the server's own: two servers in one process count apart).
 */
import type { Counter, MetricsRegistry } from '../util/metrics.js';

export class ConsoleMetrics {
  readonly logins: Counter;
  readonly loginFailures: Counter;
  readonly loginRefused: Counter;
  readonly csrfRefused: Counter;

  constructor(r: MetricsRegistry) {
    this.logins = r.counter('pbx_console_logins_total', 'Successful console logins, by role.', ['role']);
    this.loginFailures = r.counter('pbx_console_login_failures_total', 'Console logins refused for a wrong username or password.');
    this.loginRefused = r.counter('pbx_console_login_refused_total', 'Console logins refused unchecked: the address or the username is locked after too many failures (429), or too many checks at once (503).', ['why']);
    this.csrfRefused = r.counter('pbx_console_csrf_refused_total', 'Requests with a session cookie refused for a missing or wrong X-CSRF-Token.');
  }
}
