/** The console login's counters on /metrics (the process registry, util/pbx-metrics.ts). */
import { pbxRegistry } from '../util/pbx-metrics.js';

export const consoleCounters = {
  logins: pbxRegistry.counter('pbx_console_logins_total', 'Successful console logins, by role.', ['role']),
  loginFailures: pbxRegistry.counter('pbx_console_login_failures_total', 'Console logins refused for a wrong username or password.'),
  loginRefused: pbxRegistry.counter('pbx_console_login_refused_total', 'Console logins refused unchecked (429): the address or the username is locked after too many failures.', ['why']),
  csrfRefused: pbxRegistry.counter('pbx_console_csrf_refused_total', 'Requests with a session cookie refused for a missing or wrong X-CSRF-Token.'),
};
