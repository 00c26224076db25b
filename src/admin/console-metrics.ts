/** The console login's counters on /metrics, in the server's own registry (util/pbx-metrics.ts). */
import type { Counter, MetricsRegistry } from '../util/metrics.js';

export class ConsoleCounters {
  readonly logins: Counter;
  readonly loginFailures: Counter;
  readonly loginRefused: Counter;
  readonly csrfRefused: Counter;

  constructor(registry: MetricsRegistry) {
    this.logins = registry.counter('pbx_console_logins_total', 'Successful console logins, by role.', ['role']);
    this.loginFailures = registry.counter('pbx_console_login_failures_total', 'Console logins refused for a wrong username or password.');
    this.loginRefused = registry.counter('pbx_console_login_refused_total', 'Console logins refused unchecked (429): the address or the username is locked after too many failures.', ['why']);
    this.csrfRefused = registry.counter('pbx_console_csrf_refused_total', 'Requests with a session cookie refused for a missing or wrong X-CSRF-Token.');
  }
}
