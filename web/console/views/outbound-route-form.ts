import { html } from 'htm/preact';
import { useRef, useState } from 'preact/hooks';
import { ApiFailure, seg, type ApiClient, type FieldProblem } from '../api';
import { formProblems, messageAt, numberOrText, splitList } from '../field-problems';
import { go } from '../router';
import { T } from '../text';
import { Field, Loaded, Page, useLoad } from '../ui';
import { ConfirmDelete, FormAlerts, useFormState } from './form-kit';
import { StaleAlert, type DocTag } from './doc-tag';
import { getRoutingTagged, saveRoutingItem } from './routing-doc';

const FIELDS = ['/name', '/patterns', '/strip', '/prepend', '/trunks'];

/** Tenant admin: an outbound route (dial patterns → trunks in order); name '+new' adds one. Part of PUT .../routing. */
export function OutboundRouteFormPage({ api, tenantId, name }: { api: ApiClient; tenantId: string; name: string }) {
  const isNew = name === '+new';
  const [load] = useLoad(async () => {
    const [{ body: doc, etag }, trunks] = await Promise.all([getRoutingTagged(api, tenantId), api.get<{ trunks: Array<{ name: string }> }>(`/tenants/${seg(tenantId)}/trunks`)]);
    const r = doc.outboundRoutes.find((x) => x.name === name);
    if (!isNew && !r) throw new ApiFailure(404, 'not_found', 'not found');
    return { route: r, trunks: trunks.trunks.map((t) => t.name), etag };
  }, [tenantId, name]);
  return html`<${Page} title=${isNew ? T.newOutboundRoute : T.editOutboundRoute(name)}>
    <${Loaded} load=${load}>${(d: { route: Record<string, unknown> | undefined; trunks: string[]; etag: string | undefined }) => html`<${OutboundRouteForm} api=${api} tenantId=${tenantId} existing=${d.route} trunks=${d.trunks} etag=${d.etag} />`}<//>
  <//>`;
}

function OutboundRouteForm({ api, tenantId, existing, trunks, etag }: { api: ApiClient; tenantId: string; existing: Record<string, unknown> | undefined; trunks: string[]; etag: string | undefined }) {
  const tag = useRef<string | undefined>(etag) as DocTag;
  const [name, setName] = useState(String(existing?.['name'] ?? ''));
  const [patterns, setPatterns] = useState(((existing?.['patterns'] as string[] | undefined) ?? []).join(', '));
  const [strip, setStrip] = useState(existing?.['strip'] !== undefined ? String(existing['strip']) : '');
  const [prepend, setPrepend] = useState(String(existing?.['prepend'] ?? ''));
  const [via, setVia] = useState(((existing?.['trunks'] as string[] | undefined) ?? trunks.slice(0, 1)).join(', '));
  const form = useFormState();
  const index = useRef(0);
  const reroot = (p: readonly FieldProblem[]) => formProblems(p, `/outboundRoutes/${index.current}`);
  const key = existing ? String(existing['name']) : undefined;
  const save = (item: Record<string, unknown> | undefined, done: () => string) =>
    form.run(async () => {
      await saveRoutingItem(api, tenantId, 'outboundRoutes', (x) => String(x['name']), key, item, (i) => (index.current = i), tag);
      return done();
    }, reroot);
  const submit = (e: Event) => {
    e.preventDefault();
    const item: Record<string, unknown> = { name: name.trim(), patterns: splitList(patterns), trunks: splitList(via) };
    const s = numberOrText(strip);
    if (s !== undefined) item['strip'] = s;
    if (prepend.trim() !== '') item['prepend'] = prepend.trim();
    void save(item, () => {
      if (!existing || key !== item['name']) go('t', tenantId, 'routing');
      return existing ? T.saved : T.createdThing(String(item['name']));
    });
  };
  const at = (f: string) => messageAt(form.problems, f);
  return html`<form onSubmit=${submit} novalidate>
    <${StaleAlert} state=${form} />
    <${Field} label=${T.name} name="name" value=${name} onInput=${setName} required=${true} hint=${T.nameRule} error=${at('/name')} />
    <${Field} label=${T.patterns} name="patterns" value=${patterns} onInput=${setPatterns} hint=${T.patternsHint} error=${at('/patterns')} />
    <${Field} label=${T.strip} name="strip" value=${strip} onInput=${setStrip} error=${at('/strip')} />
    <${Field} label=${T.prepend} name="prepend" value=${prepend} onInput=${setPrepend} error=${at('/prepend')} />
    <${Field} label=${T.routeTrunks} name="trunks" value=${via} onInput=${setVia} hint=${T.routeTrunksHint(trunks)} error=${at('/trunks')} />
    <${FormAlerts} state=${form} fields=${FIELDS} />
    <p class="actions"><button type="submit" disabled=${form.busy}>${T.save}</button>
      ${existing ? html`<${ConfirmDelete} what=${T.outboundRouteNamed(String(existing['name']))} onConfirm=${() => save(undefined, () => (go('t', tenantId, 'routing'), T.deleted))} />` : null}</p>
  </form>`;
}
