import { html } from 'htm/preact';
import { seg, type ApiClient } from '../api';
import { T } from '../text';
import { Loaded, Page, Table, useLoad } from '../ui';
import type { Cdr } from './cdrs';
import { callsPerHour, HOUR } from '../calls-per-hour';
import { concurrencySeries, DIRECTIONS, minutesPerHour, type Direction } from '../usage-series';
import { UPlotChart } from './uplot-chart';

interface Usage {
  perHour: { hours: number[]; calls: number[] };
  concurrency: { times: number[]; up: number[] };
  minutes: { hours: number[]; minutes: Record<Direction, number[]> };
}

const COLOURS: Record<Direction, string> = { inbound: '#1d4e89', outbound: '#a4161a', internal: '#1e6b34' };

/** Pages of CDRs read for the charts: at most this many × 1000 records of the last 25 hours. */
const MAX_PAGES = 10;

/**
 * Tenant admin: the last 24 hours from the CDRs (up to 10,000 of them, a page of 1000 at a time): calls started per
 * hour, calls up at once, and billable minutes per hour by direction; each a uPlot chart
 * and, for screen readers and keyboards, a table.
 */
export function UsageChartPage({ api, tenantId }: { api: ApiClient; tenantId: string }) {
  const [load] = useLoad(async (): Promise<Usage> => {
    const now = Date.now();
    const items: Array<Cdr & { endedAt: string }> = [];
    let cursor: string | undefined;
    for (let i = 0; i < MAX_PAGES; i++) {
      const d = await api.get<{ items: Array<Cdr & { endedAt: string }>; nextCursor: string | null }>(`/tenants/${seg(tenantId)}/cdrs`, { from: new Date(now - 25 * HOUR).toISOString(), limit: '1000', cursor });
      items.push(...d.items);
      if (d.nextCursor === null) break;
      cursor = d.nextCursor;
    }
    return { perHour: callsPerHour(items.map((c) => c.startedAt), now), concurrency: concurrencySeries(items, now - 24 * HOUR, now), minutes: minutesPerHour(items, now) };
  }, [tenantId]);
  const hour = (h: number) => new Date(h * 1000).toLocaleString();
  return html`<${Page} title=${T.usagePageTitle}>
    <${Loaded} load=${load}>${(d: Usage) => html`
      <h2>${T.usageTitle}</h2>
      <${UPlotChart} testId="usage-chart" label=${T.usageChartLabel} yLabel=${T.calls} x=${d.perHour.hours} series=${[{ label: T.calls, stroke: '#1d4e89', fill: 'rgba(29,78,137,0.15)', style: 'bars' }]} ys=${[d.perHour.calls]} />
      <details><summary>${T.usageTitle}</summary>
        <${Table} caption=${T.usageTitle} head=${[T.hour, T.calls]} rows=${d.perHour.hours.map((h, i) => [hour(h), String(d.perHour.calls[i])])} />
      </details>
      <h2>${T.concurrencyTitle}</h2>
      <${UPlotChart} testId="concurrency-chart" label=${T.concurrencyChartLabel} yLabel=${T.callsUp} x=${d.concurrency.times} series=${[{ label: T.callsUp, stroke: '#6a3d9a', fill: 'rgba(106,61,154,0.15)', style: 'steps' }]} ys=${[d.concurrency.up]} />
      <details><summary>${T.concurrencyTitle}</summary>
        <${Table} caption=${T.concurrencyTitle} head=${[T.when, T.callsUp]} rows=${d.concurrency.times.map((t, i) => [new Date(t * 1000).toLocaleString(), String(d.concurrency.up[i])])} />
      </details>
      <h2>${T.minutesTitle}</h2>
      <${UPlotChart} testId="minutes-chart" label=${T.minutesChartLabel} yLabel=${T.minutes} x=${d.minutes.hours} series=${DIRECTIONS.map((k) => ({ label: T.directions[k] ?? k, stroke: COLOURS[k], style: 'line' }))} ys=${DIRECTIONS.map((k) => d.minutes.minutes[k])} />
      <details><summary>${T.minutesTitle}</summary>
        <${Table} caption=${T.minutesTitle} head=${[T.hour, ...DIRECTIONS.map((k) => T.directions[k] ?? k)]} rows=${d.minutes.hours.map((h, i) => [hour(h), ...DIRECTIONS.map((k) => String(d.minutes.minutes[k][i]))])} />
      </details>`}<//>
  <//>`;
}
