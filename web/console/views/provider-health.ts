import { html } from 'htm/preact';
import type { ApiClient } from '../api';
import { T } from '../text';
import { Loaded, Page, Table, useLoad } from '../ui';

interface TenantUsage {
  tenantId: string;
  name: string;
  status: string;
  calls: number;
  minutes: { inbound: number; outbound: number; internal: number };
  peakConcurrency: number;
  storageBytes: number;
}

/** Provider: usage across tenants (GET /usage) and the server's health (GET /healthz). */
export function HealthPage({ api }: { api: ApiClient }) {
  const [usage, reloadUsage] = useLoad(() => api.get<{ tenants: TenantUsage[] }>('/usage'), []);
  const [health, reloadHealth] = useLoad(async () => {
    const res = await fetch('/healthz', { credentials: 'same-origin' });
    return { ok: res.ok, text: await res.text() };
  }, []);
  return html`<${Page} title=${T.healthTitle}>
    <button type="button" onClick=${() => (reloadUsage(), reloadHealth())}>${T.refresh}</button>
    <h2>${T.health}</h2>
    <${Loaded} load=${health}>${(h: { ok: boolean; text: string }) => html`<pre class=${h.ok ? 'ok' : 'bad'} data-testid="health">${h.text}</pre>`}<//>
    <h2>${T.usageThisMonth}</h2>
    <${Loaded} load=${usage}>${(u: { tenants: TenantUsage[] }) => html`<${Table}
      caption=${T.usageThisMonth}
      head=${[T.tenantId, T.tenantName, T.tenantStatus, T.calls, T.minutesIn, T.minutesOut, T.minutesInternal, T.peak, T.storage]}
      rows=${u.tenants.map((t) => [t.tenantId, t.name, t.status, String(t.calls), t.minutes.inbound.toFixed(1), t.minutes.outbound.toFixed(1), t.minutes.internal.toFixed(1), String(t.peakConcurrency), `${(t.storageBytes / 1e6).toFixed(1)} MB`])}
    />`}<//>
  <//>`;
}
