import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ApiFailure, seg, type ApiClient, type FieldProblem } from '../api';
import { href } from '../router';
import { T } from '../text';
import { ErrorBox, Field, Loaded, Notice, Page, Table, problemAt, useLoad } from '../ui';

export interface Tenant {
  id: string;
  name: string;
  status: string;
  domains: string[];
  dids: string[];
  limits: Record<string, number>;
  features: Record<string, boolean>;
}

/** Provider: every tenant, create one, suspend or resume. */
export function TenantsPage({ api }: { api: ApiClient }) {
  const [load, reload] = useLoad(() => api.get<{ items: Tenant[] }>('/tenants'), []);
  const [notice, setNotice] = useState<string>();
  const [actionError, setActionError] = useState<unknown>();
  const toggle = async (t: Tenant) => {
    setActionError(undefined);
    try {
      await api.post(`/tenants/${seg(t.id)}/${t.status === 'suspended' ? 'resume' : 'suspend'}`);
      reload();
    } catch (e) {
      setActionError(e);
    }
  };
  return html`<${Page} title=${T.tenantsTitle}>
    <${NewTenantForm} api=${api} onCreated=${(id: string) => {
      setNotice(T.tenantCreated(id));
      reload();
    }} />
    <${Notice} text=${notice} />
    ${actionError ? html`<${ErrorBox} error=${actionError} />` : null}
    <${Loaded} load=${load}>${(d: { items: Tenant[] }) => html`<${Table}
      caption=${T.tenantsTitle}
      testId="tenants"
      head=${[T.tenantId, T.tenantName, T.tenantStatus, T.tenantDomains, T.tenantDids, '']}
      rows=${d.items.map((t) => [
        html`<a href=${href('tenants', t.id)}>${t.id}</a>`,
        t.name,
        t.status,
        t.domains.join(', '),
        t.dids.join(', '),
        html`<span class="actions">
          ${t.status === 'active' || t.status === 'suspended' ? html`<button type="button" onClick=${() => toggle(t)} aria-label=${`${t.status === 'suspended' ? T.resume : T.suspend} ${t.id}`}>${t.status === 'suspended' ? T.resume : T.suspend}</button>` : null}
          <a href=${href('t', t.id, 'extensions')}>${T.manage}</a>
        </span>`,
      ])}
    />`}<//>
  <//>`;
}

function NewTenantForm({ api, onCreated }: { api: ApiClient; onCreated: (id: string) => void }) {
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [domain, setDomain] = useState('');
  const [problems, setProblems] = useState<readonly FieldProblem[]>([]);
  const [error, setError] = useState<unknown>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setProblems([]);
    setError(undefined);
    try {
      const t = await api.post<Tenant>('/tenants', { id: id.trim(), name, domains: [domain.trim()] });
      setId('');
      setName('');
      setDomain('');
      onCreated(t.id);
    } catch (err) {
      if (err instanceof ApiFailure && err.fields.length > 0) setProblems(err.fields);
      else setError(err);
    }
  };
  return html`<form class="inline-form" onSubmit=${submit} aria-labelledby="new-tenant">
    <h2 id="new-tenant">${T.newTenant}</h2>
    <${Field} label=${T.tenantId} name="id" value=${id} onInput=${setId} required=${true} error=${problemAt(problems, 'id')} />
    <${Field} label=${T.tenantName} name="name" value=${name} onInput=${setName} required=${true} error=${problemAt(problems, 'name')} />
    <${Field} label=${T.tenantDomain} name="domain" value=${domain} onInput=${setDomain} required=${true} error=${problemAt(problems, 'domains')} />
    ${problems.length > 0 ? html`<p class="error" role="alert">${T.fixErrors}</p>` : null}
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    <button type="submit">${T.create}</button>
  </form>`;
}
