import { html } from 'htm/preact';
import { useRef, useState } from 'preact/hooks';
import { ApiFailure, seg, type ApiClient, type FieldProblem } from '../api';
import { escapeToken, formProblems, messageAt, numberOrText } from '../field-problems';
import { go } from '../router';
import { T } from '../text';
import { Field, Loaded, Page, useLoad } from '../ui';
import { useDestinationNames } from './destination-names';
import { DestinationPicker } from './destination-picker';
import { ConfirmDelete, FormAlerts, useFormState } from './form-kit';
import { StaleAlert, type DocTag } from './doc-tag';
import { saveListItem } from './list-doc';

type Menu = Record<string, unknown> & { name: string };
interface OptionRow {
  id: number;
  key: string;
  destination: unknown;
}

const FIELDS = ['/name', '/greeting', '/options', '/timeoutSeconds', '/interDigitSeconds', '/retries', '/directDial', '/invalidPrompt', '/timeout', '/invalid'];
let rowSeq = 0;

/** Tenant admin: an IVR menu, its options (key → destination) and what happens on no or a wrong key; name '+new' adds one. */
export function IvrFormPage({ api, tenantId, name }: { api: ApiClient; tenantId: string; name: string }) {
  const isNew = name === '+new';
  const [load] = useLoad(async () => {
    const { body: { items }, etag } = await api.getTagged<{ items: Menu[] }>(`/tenants/${seg(tenantId)}/ivrs`);
    const m = items.find((x) => x.name === name);
    if (!isNew && !m) throw new ApiFailure(404, 'not_found', 'not found');
    return { m, etag };
  }, [tenantId, name]);
  return html`<${Page} title=${isNew ? T.newIvr : T.editIvr(name)}>
    <${Loaded} load=${load}>${(d: { m: Menu | undefined; etag: string | undefined }) => html`<${IvrForm} api=${api} tenantId=${tenantId} existing=${d.m} etag=${d.etag} />`}<//>
  <//>`;
}

function IvrForm({ api, tenantId, existing, etag }: { api: ApiClient; tenantId: string; existing: Menu | undefined; etag: string | undefined }) {
  const tag = useRef<string | undefined>(etag) as DocTag;
  const names = useDestinationNames(api, tenantId);
  const str = (k: string, def = '') => (existing?.[k] === undefined ? def : String(existing[k]));
  const [v, setV] = useState({ name: str('name'), greeting: str('greeting', 'main-menu'), timeoutSeconds: str('timeoutSeconds'), retries: str('retries'), directDial: str('directDial', 'false') });
  const set = (k: keyof typeof v) => (x: string) => setV({ ...v, [k]: x });
  const [rows, setRows] = useState<OptionRow[]>(() => Object.entries((existing?.['options'] as Record<string, unknown> | undefined) ?? {}).map(([key, destination]) => ({ id: ++rowSeq, key, destination })));
  const [timeout, setTimeoutDest] = useState<unknown>(existing?.['timeout']);
  const [invalid, setInvalid] = useState<unknown>(existing?.['invalid']);
  const form = useFormState();
  const index = useRef(0);
  const reroot = (p: readonly FieldProblem[]) => formProblems(p, `/items/${index.current}`);
  const path = `/tenants/${seg(tenantId)}/ivrs`;
  const key = existing?.name;
  const setRow = (id: number, patch: Partial<OptionRow>) => setRows(rows.map((r) => (r.id === id ? { ...r, ...patch } : r)));

  const submit = (e: Event) => {
    e.preventDefault();
    const item: Record<string, unknown> = { ...(existing ?? {}), name: v.name.trim(), greeting: v.greeting.trim(), options: Object.fromEntries(rows.map((r) => [r.key.trim(), r.destination ?? null])) };
    for (const k of ['timeoutSeconds', 'retries'] as const) {
      const n = numberOrText(v[k]);
      if (n === undefined) delete item[k];
      else item[k] = n;
    }
    item['directDial'] = v.directDial === 'true' ? true : v.directDial === 'false' || v.directDial === '' ? false : v.directDial.trim();
    if (timeout === undefined) delete item['timeout'];
    else item['timeout'] = timeout;
    if (invalid === undefined) delete item['invalid'];
    else item['invalid'] = invalid;
    void form.run(async () => {
      await saveListItem(api, path, key, item, (i) => (index.current = i), tag);
      if (!existing || key !== item['name']) go('t', tenantId, 'ivrs');
      return existing ? T.saved : T.createdThing(String(item['name']));
    }, reroot);
  };
  const remove = () =>
    form.run(async () => {
      await api.del(`${path}/${seg(existing!.name)}`);
      go('t', tenantId, 'ivrs');
      return T.deleted;
    });
  const at = (f: string) => messageAt(form.problems, f);
  return html`<form onSubmit=${submit} novalidate>
    <${StaleAlert} state=${form} />
    <${Field} label=${T.name} name="name" value=${v.name} onInput=${set('name')} required=${true} disabled=${existing !== undefined} hint=${T.nameRule} error=${at('/name')} />
    <${Field} label=${T.greeting} name="greeting" value=${v.greeting} onInput=${set('greeting')} hint=${T.promptHint} error=${at('/greeting')} />
    <fieldset class="rows" data-testid="ivr-options">
      <legend>${T.ivrOptions}</legend>
      ${rows.length === 0 ? html`<p>${T.noOptions}</p>` : null}
      ${rows.map((r, i) => html`<div class="row" key=${r.id}>
        <${Field} label=${T.optionKey(i + 1)} name=${`key-${i + 1}`} value=${r.key} onInput=${(x: string) => setRow(r.id, { key: x })} hint=${T.optionKeyHint} />
        <${DestinationPicker} label=${T.optionDestination(i + 1)} name=${`option-${i + 1}`} value=${r.destination} onChange=${(d: unknown) => setRow(r.id, { destination: d })} names=${names} error=${r.key.trim() === '' ? undefined : at(`/options/${escapeToken(r.key.trim())}`)} />
        <button type="button" class="secondary" onClick=${() => setRows(rows.filter((x) => x.id !== r.id))}>${T.removeOption(i + 1)}</button>
      </div>`)}
      ${at('/options') && !rows.some((r) => r.key.trim() !== '' && at(`/options/${escapeToken(r.key.trim())}`)) ? html`<span class="field-error" role="alert">${at('/options')}</span>` : null}
      <button type="button" class="secondary" onClick=${() => setRows([...rows, { id: ++rowSeq, key: String(rows.length + 1), destination: undefined }])}>${T.addOption}</button>
    </fieldset>
    <div class="grid">
      <${Field} label=${T.timeoutSeconds} name="timeoutSeconds" value=${v.timeoutSeconds} onInput=${set('timeoutSeconds')} hint=${T.defaultIs('10')} error=${at('/timeoutSeconds')} />
      <${Field} label=${T.retries} name="retries" value=${v.retries} onInput=${set('retries')} hint=${T.defaultIs('2')} error=${at('/retries')} />
      <${Field} label=${T.directDial} name="directDial" value=${v.directDial} onInput=${set('directDial')} hint=${T.directDialHint} error=${at('/directDial')} />
    </div>
    <${DestinationPicker} label=${T.onTimeout} name="timeout" value=${timeout} onChange=${setTimeoutDest} names=${names} optional=${true} error=${at('/timeout')} />
    <${DestinationPicker} label=${T.onInvalid} name="invalid" value=${invalid} onChange=${setInvalid} names=${names} optional=${true} error=${at('/invalid')} />
    <${FormAlerts} state=${form} fields=${FIELDS} />
    <p class="actions"><button type="submit" disabled=${form.busy}>${T.save}</button>
      ${existing ? html`<${ConfirmDelete} what=${T.ivrNamed(existing.name)} onConfirm=${remove} />` : null}</p>
  </form>`;
}
