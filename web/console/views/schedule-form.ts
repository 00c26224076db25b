import { html } from 'htm/preact';
import { useRef, useState } from 'preact/hooks';
import { ApiFailure, type ApiClient, type FieldProblem } from '../api';
import { formProblems, messageAt } from '../field-problems';
import { go } from '../router';
import { daysText, daysValue, holidayLine, holidaysText, holidaysValue } from '../schedule-text';
import { T } from '../text';
import { Field, Loaded, Page, useLoad } from '../ui';
import { ConfirmDelete, FormAlerts, TextArea, useFormState } from './form-kit';
import { StaleAlert, type DocTag } from './doc-tag';
import { getFlowsTagged, saveFlowsItem } from './flows-doc';

type Schedule = Record<string, unknown> & { name: string };
interface WindowRow {
  id: number;
  days: string;
  from: string;
  to: string;
}

const FIELDS = ['/name', '/weekly', '/holidays'];
let rowSeq = 0;

/** Tenant admin: opening hours (weekly windows, holidays); name '+new' adds a schedule. Part of PUT .../call-flows. */
export function ScheduleFormPage({ api, tenantId, name }: { api: ApiClient; tenantId: string; name: string }) {
  const isNew = name === '+new';
  const [load] = useLoad(async () => {
    const { body: doc, etag } = await getFlowsTagged(api, tenantId);
    const s = doc.schedules.find((x) => x.name === name);
    if (!isNew && !s) throw new ApiFailure(404, 'not_found', 'not found');
    return { schedule: s, timezone: doc.timezone, etag };
  }, [tenantId, name]);
  return html`<${Page} title=${isNew ? T.newSchedule : T.editSchedule(name)}>
    <${Loaded} load=${load}>${(d: { schedule: Schedule | undefined; timezone: string; etag: string | undefined }) => html`<p>${T.scheduleZone(d.timezone)}</p><${ScheduleForm} api=${api} tenantId=${tenantId} existing=${d.schedule} etag=${d.etag} />`}<//>
  <//>`;
}

function ScheduleForm({ api, tenantId, existing, etag }: { api: ApiClient; tenantId: string; existing: Schedule | undefined; etag: string | undefined }) {
  const tag = useRef<string | undefined>(etag) as DocTag;
  const [name, setName] = useState(existing?.name ?? '');
  const [rows, setRows] = useState<WindowRow[]>(() => {
    const weekly = (existing?.['weekly'] as Array<{ days: unknown; from: string; to: string }> | undefined) ?? [{ days: 'mon-fri', from: '09:00', to: '17:00' }];
    return weekly.map((w) => ({ id: ++rowSeq, days: daysText(w.days), from: w.from, to: w.to }));
  });
  const [holidays, setHolidays] = useState(holidaysText(existing?.['holidays']));
  const form = useFormState();
  const index = useRef(0);
  const reroot = (p: readonly FieldProblem[]) => formProblems(p, `/schedules/${index.current}`);
  const key = existing?.name;
  const setRow = (id: number, patch: Partial<WindowRow>) => setRows(rows.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  const save = (item: Record<string, unknown> | undefined, done: () => string) =>
    form.run(async () => {
      await saveFlowsItem(api, tenantId, 'schedules', key, item, (i) => (index.current = i), tag);
      return done();
    }, reroot);
  const submit = (e: Event) => {
    e.preventDefault();
    const item = { name: name.trim(), weekly: rows.map((r) => ({ days: daysValue(r.days), from: r.from.trim(), to: r.to.trim() })), holidays: holidaysValue(holidays) };
    void save(item, () => {
      if (!existing || key !== item.name) go('t', tenantId, 'timeConditions');
      return existing ? T.saved : T.createdThing(item.name);
    });
  };
  const at = (f: string) => messageAt(form.problems, f);
  const holidayProblem = form.problems.find((p) => p.path === '/holidays' || p.path.startsWith('/holidays/'));
  const holidayError = holidayProblem ? (holidayLine(holidayProblem.path) ? T.holidayEntry(holidayLine(holidayProblem.path)!, holidayProblem.message) : holidayProblem.message) : undefined;
  return html`<form onSubmit=${submit} novalidate>
    <${StaleAlert} state=${form} />
    <${Field} label=${T.name} name="name" value=${name} onInput=${setName} required=${true} hint=${T.nameRule} error=${at('/name')} />
    <fieldset class="rows" data-testid="schedule-windows">
      <legend>${T.weeklyWindows}</legend>
      ${rows.map((r, i) => html`<div class="row" key=${r.id}>
        <${Field} label=${T.windowDays(i + 1)} name=${`days-${i + 1}`} value=${r.days} onInput=${(x: string) => setRow(r.id, { days: x })} hint=${T.daysHint} error=${at(`/weekly/${i}/days`)} />
        <${Field} label=${T.windowFrom(i + 1)} name=${`from-${i + 1}`} value=${r.from} onInput=${(x: string) => setRow(r.id, { from: x })} hint="HH:MM" error=${at(`/weekly/${i}/from`)} />
        <${Field} label=${T.windowTo(i + 1)} name=${`to-${i + 1}`} value=${r.to} onInput=${(x: string) => setRow(r.id, { to: x })} hint=${T.toHint} error=${at(`/weekly/${i}/to`) ?? (form.problems.some((p) => p.path === `/weekly/${i}`) ? at(`/weekly/${i}`) : undefined)} />
        <button type="button" class="secondary" onClick=${() => setRows(rows.filter((x) => x.id !== r.id))}>${T.removeWindow(i + 1)}</button>
      </div>`)}
      <button type="button" class="secondary" onClick=${() => setRows([...rows, { id: ++rowSeq, days: '', from: '', to: '' }])}>${T.addWindow}</button>
    </fieldset>
    <${TextArea} label=${T.holidays} name="holidays" value=${holidays} onInput=${setHolidays} hint=${T.holidaysHint} error=${holidayError} rows=${4} />
    <${FormAlerts} state=${form} fields=${FIELDS} />
    <p class="actions"><button type="submit" disabled=${form.busy}>${T.save}</button>
      ${existing ? html`<${ConfirmDelete} what=${T.scheduleNamed(existing.name)} onConfirm=${() => save(undefined, () => (go('t', tenantId, 'timeConditions'), T.deleted))} />` : null}</p>
  </form>`;
}
