import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { seg, type ApiClient } from '../api';
import { T } from '../text';
import { Loaded, Page, Table, useLoad } from '../ui';
import type { Cdr } from './cdrs';
import { callsPerHour, HOUR } from '../calls-per-hour';

/** Tenant admin: calls per hour over the last 24 hours, from the CDRs (up to 1000 of them), as a uPlot chart and as a table. */
export function UsageChartPage({ api, tenantId }: { api: ApiClient; tenantId: string }) {
  const [load] = useLoad(async () => {
    const now = Date.now();
    const d = await api.get<{ items: Cdr[] }>(`/tenants/${seg(tenantId)}/cdrs`, { from: new Date(now - 25 * HOUR).toISOString(), limit: '1000', order: 'asc' });
    return callsPerHour(d.items.map((c) => c.startedAt), now);
  }, [tenantId]);
  return html`<${Page} title=${T.usageTitle}>
    <${Loaded} load=${load}>${(d: { hours: number[]; calls: number[] }) => html`
      <${Chart} data=${d} />
      <details><summary>${T.usageTitle}</summary>
        <${Table} caption=${T.usageTitle} head=${[T.hour, T.calls]} rows=${d.hours.map((h, i) => [new Date(h * 1000).toLocaleString(), String(d.calls[i])])} />
      </details>`}<//>
  <//>`;
}

function Chart({ data }: { data: { hours: number[]; calls: number[] } }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const plot = new uPlot(
      {
        width: Math.max(320, Math.min(900, box.current.clientWidth || 800)),
        height: 280,
        series: [{}, { label: T.calls, stroke: '#1d4e89', fill: 'rgba(29,78,137,0.15)', paths: uPlot.paths.bars!({ size: [0.8] }) }],
        axes: [{}, { label: T.calls }],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      },
      [data.hours, data.calls],
      box.current,
    );
    return () => plot.destroy();
  }, [data]);
  return html`<div ref=${box} class="chart" role="img" aria-label=${T.usageChartLabel} data-testid="usage-chart"></div>`;
}
