import { html } from 'htm/preact';
import { useRef, useState } from 'preact/hooks';
import { ApiFailure, type ApiClient, type FieldProblem } from '../api';
import { formProblems, messageAt } from '../field-problems';
import { go } from '../router';
import { T } from '../text';
import { Loaded, Page, Select, useLoad } from '../ui';
import { useDestinationNames } from './destination-names';
import { DestinationPicker } from './destination-picker';
import { ConfirmDelete, FormAlerts, useFormState } from './form-kit';
import { StaleAlert, type DocTag } from './doc-tag';
import { getRoutingTagged, saveRoutingItem, type RoutingView } from './routing-doc';

const FIELDS = ['/did', '/destination'];

/** Tenant admin: where calls to one of the tenant's DIDs (or '*', any) go; did '+new' adds a route. Part of PUT .../routing. */
export function InboundRouteFormPage({ api, tenantId, name: did }: { api: ApiClient; tenantId: string; name: string }) {
  const isNew = did === '+new';
  const [load] = useLoad(async () => {
    const { body: doc, etag } = await getRoutingTagged(api, tenantId);
    const r = doc.inboundRoutes.find((x) => x.did === did);
    if (!isNew && !r) throw new ApiFailure(404, 'not_found', 'not found');
    return { doc, route: r, etag };
  }, [tenantId, did]);
  return html`<${Page} title=${isNew ? T.newInboundRoute : T.editInboundRoute(did)}>
    <${Loaded} load=${load}>${(d: { doc: RoutingView; route: Record<string, unknown> | undefined; etag: string | undefined }) => html`<${InboundRouteForm} api=${api} tenantId=${tenantId} doc=${d.doc} existing=${d.route} etag=${d.etag} />`}<//>
  <//>`;
}

function InboundRouteForm({ api, tenantId, doc, existing, etag }: { api: ApiClient; tenantId: string; doc: RoutingView; existing: Record<string, unknown> | undefined; etag: string | undefined }) {
  const tag = useRef<string | undefined>(etag) as DocTag;
  const names = useDestinationNames(api, tenantId);
  const taken = new Set(doc.inboundRoutes.map((r) => r.did));
  const choices = [...doc.dids, '*'].filter((d) => d === existing?.['did'] || !taken.has(d));
  const [did, setDid] = useState(String(existing?.['did'] ?? choices[0] ?? '*'));
  const [destination, setDestination] = useState<unknown>(existing?.['destination']);
  const form = useFormState();
  const index = useRef(0);
  const reroot = (p: readonly FieldProblem[]) => formProblems(p, `/inboundRoutes/${index.current}`);
  const key = existing ? String(existing['did']) : undefined;
  const save = (item: Record<string, unknown> | undefined, done: () => string) =>
    form.run(async () => {
      await saveRoutingItem(api, tenantId, 'inboundRoutes', (x) => String(x['did']), key, item, (i) => (index.current = i), tag);
      return done();
    }, reroot);
  const submit = (e: Event) => {
    e.preventDefault();
    // No destination chosen: sent without one, so the API's "required" lands at the field.
    const item: Record<string, unknown> = { did, ...(destination !== undefined ? { destination } : {}) };
    void save(item, () => {
      if (!existing || key !== did) go('t', tenantId, 'routing');
      return existing ? T.saved : T.createdThing(did);
    });
  };
  const at = (f: string) => messageAt(form.problems, f);
  return html`<form onSubmit=${submit} novalidate>
    <${StaleAlert} state=${form} />
    <${Select} label=${T.did} name="did" value=${did} options=${choices.map((d) => [d, d === '*' ? T.anyDid : d])} onChange=${setDid} error=${at('/did')} />
    <${DestinationPicker} label=${T.destination} name="destination" value=${destination} onChange=${setDestination} names=${names} error=${at('/destination')} />
    <${FormAlerts} state=${form} fields=${FIELDS} />
    <p class="actions"><button type="submit" disabled=${form.busy}>${T.save}</button>
      ${existing ? html`<${ConfirmDelete} what=${T.inboundRouteNamed(String(existing['did']))} onConfirm=${() => save(undefined, () => (go('t', tenantId, 'routing'), T.deleted))} />` : null}</p>
  </form>`;
}
