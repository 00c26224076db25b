import { html } from 'htm/preact';
import { useRef, useState } from 'preact/hooks';
import { ApiFailure, seg, type ApiClient, type FieldProblem } from '../api';
import { formProblems, messageAt, numberOrText, splitList } from '../field-problems';
import { go } from '../router';
import { T } from '../text';
import { Checkbox, Field, Loaded, Page, Select, useLoad } from '../ui';
import { useDestinationNames } from './destination-names';
import { DestinationPicker } from './destination-picker';
import { ConfirmDelete, FormAlerts, useFormState } from './form-kit';
import { StaleAlert, type DocTag } from './doc-tag';
import { saveListItem } from './list-doc';

type Queue = Record<string, unknown> & { name: string };
const STRATEGIES = ['ringall', 'roundrobin', 'leastrecent', 'fewestcalls', 'random'];
const NUMBERS = ['ringSeconds', 'wrapUpSeconds', 'maxWaitSeconds', 'maxLength'] as const;
const FIELDS = ['/name', '/number', '/strategy', '/members', '/agents', '/joinEmpty', '/overflow', ...NUMBERS.map((k) => `/${k}`)];

/** A member as the API gives it ("1001" or { ext, penalty }) as typed: "1001" or "1001:2". */
function memberText(m: unknown): string {
  if (typeof m === 'string') return m;
  const o = m as { ext?: string; penalty?: number };
  return o.penalty ? `${o.ext}:${o.penalty}` : String(o.ext ?? '');
}

function members(s: string): unknown[] {
  return splitList(s).map((x) => {
    const m = /^(.*):(\d{1,6})$/.exec(x);
    return m ? { ext: m[1], penalty: Number(m[2]) } : x;
  });
}

/** Tenant admin: a call queue (name '+new' adds one): members, strategy, timers, overflow. */
export function QueueFormPage({ api, tenantId, name }: { api: ApiClient; tenantId: string; name: string }) {
  const isNew = name === '+new';
  const [load] = useLoad(async () => {
    const { body: { items }, etag } = await api.getTagged<{ items: Queue[] }>(`/tenants/${seg(tenantId)}/queues`);
    const q = items.find((x) => x.name === name);
    if (!isNew && !q) throw new ApiFailure(404, 'not_found', 'not found');
    return { q, etag };
  }, [tenantId, name]);
  return html`<${Page} title=${isNew ? T.newQueue : T.editQueue(name)}>
    <${Loaded} load=${load}>${(d: { q: Queue | undefined; etag: string | undefined }) => html`<${QueueForm} api=${api} tenantId=${tenantId} existing=${d.q} etag=${d.etag} />`}<//>
  <//>`;
}

function QueueForm({ api, tenantId, existing, etag }: { api: ApiClient; tenantId: string; existing: Queue | undefined; etag: string | undefined }) {
  const tag = useRef<string | undefined>(etag) as DocTag;
  const names = useDestinationNames(api, tenantId);
  const str = (k: string, def = '') => (existing?.[k] === undefined ? def : String(existing[k]));
  const [v, setV] = useState({
    name: str('name'),
    number: str('number'),
    strategy: str('strategy', 'ringall'),
    members: ((existing?.['members'] as unknown[] | undefined) ?? []).map(memberText).join(', '),
    agents: ((existing?.['agents'] as unknown[] | undefined) ?? []).map(memberText).join(', '),
    ringSeconds: str('ringSeconds'),
    wrapUpSeconds: str('wrapUpSeconds'),
    maxWaitSeconds: str('maxWaitSeconds'),
    maxLength: str('maxLength'),
  });
  const set = (k: keyof typeof v) => (x: string) => setV({ ...v, [k]: x });
  const [joinEmpty, setJoinEmpty] = useState(existing?.['joinEmpty'] === true);
  const [overflow, setOverflow] = useState<unknown>(existing?.['overflow']);
  const form = useFormState();
  const index = useRef(0);
  const reroot = (p: readonly FieldProblem[]) => formProblems(p, `/items/${index.current}`);
  const path = `/tenants/${seg(tenantId)}/queues`;
  const key = existing?.name;
  const submit = (e: Event) => {
    e.preventDefault();
    const item: Record<string, unknown> = { ...(existing ?? {}), name: v.name.trim(), strategy: v.strategy, members: members(v.members), agents: members(v.agents), joinEmpty };
    if (v.number.trim() === '') delete item['number'];
    else item['number'] = v.number.trim();
    for (const k of NUMBERS) {
      const n = numberOrText(v[k]);
      if (n === undefined) delete item[k];
      else item[k] = n;
    }
    if (overflow === undefined) delete item['overflow'];
    else item['overflow'] = overflow;
    void form.run(async () => {
      await saveListItem(api, path, key, item, (i) => (index.current = i), tag);
      if (!existing || key !== item['name']) go('t', tenantId, 'queues');
      return existing ? T.saved : T.createdThing(String(item['name']));
    }, reroot);
  };
  const remove = () =>
    form.run(async () => {
      await api.del(`${path}/${seg(existing!.name)}`);
      go('t', tenantId, 'queues');
      return T.deleted;
    });
  const at = (f: string) => messageAt(form.problems, f);
  return html`<form onSubmit=${submit} novalidate>
    <${StaleAlert} state=${form} />
    <${Field} label=${T.name} name="name" value=${v.name} onInput=${set('name')} required=${true} disabled=${existing !== undefined} hint=${T.nameRule} error=${at('/name')} />
    <div class="grid">
      <${Field} label=${T.queueNumber} name="number" value=${v.number} onInput=${set('number')} error=${at('/number')} />
      <${Select} label=${T.strategy} name="strategy" value=${v.strategy} options=${STRATEGIES.map((s) => [s, T.strategies[s] ?? s])} onChange=${set('strategy')} error=${at('/strategy')} />
    </div>
    <${Field} label=${T.members} name="members" value=${v.members} onInput=${set('members')} hint=${T.queueMembersHint} error=${at('/members')} />
    <${Field} label=${T.agents} name="agents" value=${v.agents} onInput=${set('agents')} hint=${T.queueMembersHint} error=${at('/agents')} />
    <div class="grid">
      <${Field} label=${T.ringSeconds} name="ringSeconds" value=${v.ringSeconds} onInput=${set('ringSeconds')} error=${at('/ringSeconds')} />
      <${Field} label=${T.wrapUpSeconds} name="wrapUpSeconds" value=${v.wrapUpSeconds} onInput=${set('wrapUpSeconds')} error=${at('/wrapUpSeconds')} />
      <${Field} label=${T.maxWaitSeconds} name="maxWaitSeconds" value=${v.maxWaitSeconds} onInput=${set('maxWaitSeconds')} error=${at('/maxWaitSeconds')} />
      <${Field} label=${T.maxLength} name="maxLength" value=${v.maxLength} onInput=${set('maxLength')} error=${at('/maxLength')} />
    </div>
    <${Checkbox} label=${T.joinEmpty} name="joinEmpty" checked=${joinEmpty} onChange=${setJoinEmpty} />
    <${DestinationPicker} label=${T.overflow} name="overflow" value=${overflow} onChange=${setOverflow} names=${names} optional=${true} error=${at('/overflow')} />
    <${FormAlerts} state=${form} fields=${FIELDS} />
    <p class="actions"><button type="submit" disabled=${form.busy}>${T.save}</button>
      ${existing ? html`<${ConfirmDelete} what=${T.queueNamed(existing.name)} onConfirm=${remove} />` : null}</p>
  </form>`;
}
