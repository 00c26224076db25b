import { html } from 'htm/preact';
import { seg, type ApiClient } from '../api';
import { href } from '../router';
import { daysText } from '../schedule-text';
import { T } from '../text';
import { Loaded, Page, Table, useLoad } from '../ui';
import { getFlows, type FlowsView } from './flows-doc';
import { destinationText } from './resource-lists';

type Row = Record<string, unknown>;

/** Tenant admin: schedules (opening hours) and the time conditions that use them, now open or closed; each name leads to its form. */
export function SchedulesPage({ api, tenantId }: { api: ApiClient; tenantId: string }) {
  const [load] = useLoad(async () => {
    const [doc, conds] = await Promise.all([getFlows(api, tenantId), api.get<{ items: Row[] }>(`/tenants/${seg(tenantId)}/timeConditions`)]);
    return { doc, conds: conds.items };
  }, [tenantId]);
  const link = (kind: string, name: unknown) => html`<a href=${href('t', tenantId, kind, String(name))}>${String(name)}</a>`;
  return html`<${Page} title=${T.listTitles['timeConditions']!}>
    <${Loaded} load=${load}>${(d: { doc: FlowsView; conds: Row[] }) => html`
      <p>${T.scheduleZone(d.doc.timezone)}</p>
      <p><a class="button" href=${href('t', tenantId, 'schedules', '+new')}>${T.newSchedule}</a></p>
      <${Table}
        caption=${T.schedulesCaption}
        testId="schedules"
        head=${[T.name, T.weeklyWindows, T.holidays]}
        rows=${d.doc.schedules.map((s) => [link('schedules', s.name), ((s['weekly'] as Row[] | undefined) ?? []).map((w) => `${daysText(w['days'])} ${String(w['from'])}-${String(w['to'])}`).join('; '), String(((s['holidays'] as unknown[] | undefined) ?? []).length)])}
      />
      <p><a class="button" href=${href('t', tenantId, 'timeConditions', '+new')}>${T.newTimeCondition}</a></p>
      <${Table}
        caption=${T.timeConditionsCaption}
        testId="time-conditions"
        head=${[T.name, T.schedule, T.state, T.override, T.nowTo]}
        rows=${d.conds.map((c) => [link('timeConditions', c['name']), String(c['schedule'] ?? ''), String(c['state'] ?? ''), String(c['override'] ?? ''), destinationText(c['destination'])])}
      />`}<//>
  <//>`;
}
