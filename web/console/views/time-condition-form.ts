import { html } from 'htm/preact';
import { useRef, useState } from 'preact/hooks';
import { ApiFailure, seg, type ApiClient, type FieldProblem } from '../api';
import { formProblems, messageAt } from '../field-problems';
import { go } from '../router';
import { T } from '../text';
import { Field, Loaded, Page, Select, useLoad } from '../ui';
import { useDestinationNames } from './destination-names';
import { DestinationPicker } from './destination-picker';
import { ConfirmDelete, FormAlerts, useFormState } from './form-kit';
import { StaleAlert, type DocTag } from './doc-tag';
import { getFlowsTagged, saveFlowsItem, type FlowsView } from './flows-doc';

type Condition = Record<string, unknown> & { name: string };
const FIELDS = ['/name', '/schedule', '/open', '/closed'];

/** Tenant admin: a time condition (a schedule, where calls go while open and while closed); name '+new' adds one. */
export function TimeConditionFormPage({ api, tenantId, name }: { api: ApiClient; tenantId: string; name: string }) {
  const isNew = name === '+new';
  const [load] = useLoad(async () => {
    const { body: doc, etag } = await getFlowsTagged(api, tenantId);
    const c = doc.timeConditions.find((x) => x.name === name);
    if (!isNew && !c) throw new ApiFailure(404, 'not_found', 'not found');
    const live = isNew ? undefined : (await api.get<{ items: Array<{ name: string; override: string }> }>(`/tenants/${seg(tenantId)}/timeConditions`)).items.find((x) => x.name === name);
    return { doc, condition: c, override: live?.override ?? 'auto', etag };
  }, [tenantId, name]);
  return html`<${Page} title=${isNew ? T.newTimeCondition : T.editTimeCondition(name)}>
    <${Loaded} load=${load}>${(d: { doc: FlowsView; condition: Condition | undefined; override: string; etag: string | undefined }) => html`<${ConditionForm} api=${api} tenantId=${tenantId} schedules=${d.doc.schedules.map((s) => s.name)} existing=${d.condition} etag=${d.etag} />
      ${d.condition ? html`<${OverrideForm} api=${api} tenantId=${tenantId} name=${d.condition.name} current=${d.override} />` : null}`}<//>
  <//>`;
}

function ConditionForm({ api, tenantId, schedules, existing, etag }: { api: ApiClient; tenantId: string; schedules: string[]; existing: Condition | undefined; etag: string | undefined }) {
  const tag = useRef<string | undefined>(etag) as DocTag;
  const names = useDestinationNames(api, tenantId);
  const [name, setName] = useState(existing?.name ?? '');
  const [schedule, setSchedule] = useState(String(existing?.['schedule'] ?? schedules[0] ?? ''));
  const [open, setOpen] = useState<unknown>(existing?.['open']);
  const [closed, setClosed] = useState<unknown>(existing?.['closed']);
  const form = useFormState();
  const index = useRef(0);
  const reroot = (p: readonly FieldProblem[]) => formProblems(p, `/timeConditions/${index.current}`);
  const key = existing?.name;
  const save = (item: Record<string, unknown> | undefined, done: () => string) =>
    form.run(async () => {
      await saveFlowsItem(api, tenantId, 'timeConditions', key, item, (i) => (index.current = i), tag);
      return done();
    }, reroot);
  const submit = (e: Event) => {
    e.preventDefault();
    const item: Record<string, unknown> = { name: name.trim(), schedule };
    if (open !== undefined) item['open'] = open;
    if (closed !== undefined) item['closed'] = closed;
    void save(item, () => {
      if (!existing || key !== item['name']) go('t', tenantId, 'timeConditions');
      return existing ? T.saved : T.createdThing(String(item['name']));
    });
  };
  const at = (f: string) => messageAt(form.problems, f);
  return html`<form onSubmit=${submit} novalidate>
    <${StaleAlert} state=${form} />
    <${Field} label=${T.name} name="name" value=${name} onInput=${setName} required=${true} hint=${T.nameRule} error=${at('/name')} />
    <${Select} label=${T.schedule} name="schedule" value=${schedule} options=${(schedules.length > 0 ? schedules : ['']).map((s) => [s, s || T.noSchedules])} onChange=${setSchedule} error=${at('/schedule')} />
    <${DestinationPicker} label=${T.whenOpen} name="open" value=${open} onChange=${setOpen} names=${names} error=${at('/open')} />
    <${DestinationPicker} label=${T.whenClosed} name="closed" value=${closed} onChange=${setClosed} names=${names} error=${at('/closed')} />
    <${FormAlerts} state=${form} fields=${FIELDS} />
    <p class="actions"><button type="submit" disabled=${form.busy}>${T.save}</button>
      ${existing ? html`<${ConfirmDelete} what=${T.timeConditionNamed(existing.name)} onConfirm=${() => save(undefined, () => (go('t', tenantId, 'timeConditions'), T.deleted))} />` : null}</p>
  </form>`;
}

/** Force a time condition open or closed now, or back to its schedule (PUT .../timeConditions/{name}/override): an act of the moment, not configuration. */
export function OverrideForm({ api, tenantId, name, current }: { api: ApiClient; tenantId: string; name: string; current: string }) {
  const [override, setOverride] = useState(current);
  const form = useFormState();
  const submit = (e: Event) => {
    e.preventDefault();
    void form.run(async () => {
      const r = await api.put<{ state: string }>(`/tenants/${seg(tenantId)}/timeConditions/${seg(name)}/override`, { override });
      return T.overrideSet(T.conditionStates[r.state] ?? r.state);
    });
  };
  return html`<form class="inline-form" onSubmit=${submit} aria-labelledby="override-title" novalidate>
    <h2 id="override-title">${T.overrideTitle}</h2>
    <${Select} label=${T.override} name="override" value=${override} options=${['auto', 'open', 'closed'].map((o) => [o, T.overrides[o] ?? o])} onChange=${setOverride} error=${messageAt(form.problems, '/override')} />
    <button type="submit" disabled=${form.busy}>${T.applyOverride}</button>
    <${FormAlerts} state=${form} fields=${['/override']} />
  </form>`;
}
