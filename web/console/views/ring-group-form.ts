import { html } from 'htm/preact';
import { useRef, useState } from 'preact/hooks';
import { ApiFailure, type ApiClient, type FieldProblem } from '../api';
import { formProblems, messageAt, numberOrText, splitList } from '../field-problems';
import { go } from '../router';
import { T } from '../text';
import { Field, Loaded, Page, Select, useLoad } from '../ui';
import { useDestinationNames } from './destination-names';
import { DestinationPicker } from './destination-picker';
import { ConfirmDelete, FormAlerts, useFormState } from './form-kit';
import { StaleAlert, type DocTag } from './doc-tag';
import { getRoutingTagged, saveRoutingItem } from './routing-doc';

const FIELDS = ['/name', '/strategy', '/members', '/ringSeconds', '/fallback'];

/** Tenant admin: a ring group (name '+new' adds one); part of PUT .../routing. */
export function RingGroupFormPage({ api, tenantId, name }: { api: ApiClient; tenantId: string; name: string }) {
  const isNew = name === '+new';
  const [load] = useLoad(async () => {
    const { body: doc, etag } = await getRoutingTagged(api, tenantId);
    const g = doc.ringGroups.find((x) => x.name === name);
    if (!isNew && !g) throw new ApiFailure(404, 'not_found', 'not found');
    return { g, etag };
  }, [tenantId, name]);
  return html`<${Page} title=${isNew ? T.newRingGroup : T.editRingGroup(name)}>
    <${Loaded} load=${load}>${(d: { g: Record<string, unknown> | undefined; etag: string | undefined }) => html`<${RingGroupForm} api=${api} tenantId=${tenantId} existing=${d.g} etag=${d.etag} />`}<//>
  <//>`;
}

function RingGroupForm({ api, tenantId, existing, etag }: { api: ApiClient; tenantId: string; existing: Record<string, unknown> | undefined; etag: string | undefined }) {
  const tag = useRef<string | undefined>(etag) as DocTag;
  const names = useDestinationNames(api, tenantId);
  const [name, setName] = useState(String(existing?.['name'] ?? ''));
  const [strategy, setStrategy] = useState(String(existing?.['strategy'] ?? 'simultaneous'));
  const [members, setMembers] = useState(((existing?.['members'] as string[] | undefined) ?? []).join(', '));
  const [ringSeconds, setRingSeconds] = useState(String(existing?.['ringSeconds'] ?? '20'));
  const [fallback, setFallback] = useState<unknown>(existing?.['fallback']);
  const form = useFormState();
  const index = useRef(0);
  const reroot = (p: readonly FieldProblem[]) => formProblems(p, `/ringGroups/${index.current}`);
  const key = existing ? String(existing['name']) : undefined;
  const save = (item: Record<string, unknown> | undefined, done: () => string) =>
    form.run(async () => {
      await saveRoutingItem(api, tenantId, 'ringGroups', (x) => String(x['name']), key, item, (i) => (index.current = i), tag);
      return done();
    }, reroot);
  const submit = (e: Event) => {
    e.preventDefault();
    const item: Record<string, unknown> = { name: name.trim(), strategy, members: splitList(members), ringSeconds: numberOrText(ringSeconds) ?? '' };
    if (fallback !== undefined) item['fallback'] = fallback;
    void save(item, () => {
      if (!existing || key !== item['name']) go('t', tenantId, 'routing');
      return existing ? T.saved : T.createdThing(String(item['name']));
    });
  };
  const at = (f: string) => messageAt(form.problems, f);
  return html`<form onSubmit=${submit} novalidate>
    <${StaleAlert} state=${form} />
    <${Field} label=${T.name} name="name" value=${name} onInput=${setName} required=${true} hint=${T.nameRule} error=${at('/name')} />
    <${Select} label=${T.strategy} name="strategy" value=${strategy} options=${[['simultaneous', T.strategies['simultaneous']!], ['sequential', T.strategies['sequential']!]]} onChange=${setStrategy} error=${at('/strategy')} />
    <${Field} label=${T.members} name="members" value=${members} onInput=${setMembers} hint=${T.listHint} error=${at('/members')} />
    <${Field} label=${T.ringSeconds} name="ringSeconds" value=${ringSeconds} onInput=${setRingSeconds} error=${at('/ringSeconds')} />
    <${DestinationPicker} label=${T.fallback} name="fallback" value=${fallback} onChange=${setFallback} names=${names} optional=${true} error=${at('/fallback')} />
    <${FormAlerts} state=${form} fields=${FIELDS} />
    <p class="actions"><button type="submit" disabled=${form.busy}>${T.save}</button>
      ${existing ? html`<${ConfirmDelete} what=${T.ringGroupNamed(String(existing['name']))} onConfirm=${() => save(undefined, () => (go('t', tenantId, 'routing'), T.deleted))} />` : null}</p>
  </form>`;
}
