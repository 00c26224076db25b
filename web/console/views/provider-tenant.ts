import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure, seg, type ApiClient, type FieldProblem } from '../api';
import { T } from '../text';
import { Checkbox, ErrorBox, Field, Loaded, Notice, Page, Table, problemAt, time, useLoad } from '../ui';
import type { Tenant } from './provider-tenants';

const FEATURES = ['voicemail', 'ivr', 'recording', 'international'];
const LIMITS = ['calls', 'extensions', 'storageMB', 'registrations', 'callsPerSecond', 'callsPerExtension', 'trunkCalls', 'outboundMinutesPerDay'];

/** Provider: one tenant's limits and DIDs. */
export function TenantPage({ api, tenantId }: { api: ApiClient; tenantId: string }) {
  const [load, reload] = useLoad(() => api.get<Tenant>(`/tenants/${seg(tenantId)}`), [tenantId]);
  return html`<${Page} title=${`${T.tenantsTitle}: ${tenantId}`}>
    <${Loaded} load=${load}>${(t: Tenant) => html`
      <p>${t.name} · ${t.status} · ${t.domains.join(', ')}</p>
      <${LimitsForm} api=${api} tenant=${t} onSaved=${reload} />
      <${DidsPanel} api=${api} tenant=${t} onChanged=${reload} />
      <${AuditPanel} api=${api} tenantId=${t.id} />`}<//>
  <//>`;
}

function LimitsForm({ api, tenant, onSaved }: { api: ApiClient; tenant: Tenant; onSaved: () => void }) {
  const initial = () => Object.fromEntries(LIMITS.map((k) => [k, tenant.limits[k] === undefined ? '' : String(tenant.limits[k])]));
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [features, setFeatures] = useState<Record<string, boolean>>(() => ({ ...tenant.features }));
  const [problems, setProblems] = useState<readonly FieldProblem[]>([]);
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    setValues(initial());
    setFeatures({ ...tenant.features });
  }, [tenant]);
  const submit = async (e: Event) => {
    e.preventDefault();
    setProblems([]);
    setError(undefined);
    setNotice(undefined);
    const limits: Record<string, number | null | string> = {};
    for (const k of LIMITS) {
      const v = values[k]!.trim();
      limits[k] = v === '' ? null : /^\d+$/.test(v) ? Number(v) : v; // a non-number goes as sent: the API names the field
    }
    try {
      await api.patch(`/tenants/${seg(tenant.id)}`, { limits, features: Object.fromEntries(FEATURES.map((f) => [f, features[f] === true])) });
      setNotice(T.saved);
      onSaved();
    } catch (err) {
      if (err instanceof ApiFailure && err.fields.length > 0) setProblems(err.fields);
      else setError(err);
    }
  };
  return html`<form onSubmit=${submit} aria-labelledby="limits-title">
    <h2 id="limits-title">${T.limitsTitle}</h2>
    <div class="grid">
      ${LIMITS.map((k) => html`<${Field} label=${T.limitNames[k] ?? k} name=${k} value=${values[k] ?? ''} hint=${T.noLimit} onInput=${(v: string) => setValues({ ...values, [k]: v })} error=${problemAt(problems, `limits/${k}`)} />`)}
    </div>
    <fieldset>
      <legend>${T.featuresTitle}</legend>
      ${FEATURES.map((f) => html`<${Checkbox} label=${T.featureNames[f] ?? f} name=${`feature-${f}`} checked=${features[f] === true} onChange=${(v: boolean) => setFeatures({ ...features, [f]: v })} />`)}
    </fieldset>
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    <${Notice} text=${notice} />
    <button type="submit">${T.save}</button>
  </form>`;
}

function DidsPanel({ api, tenant, onChanged }: { api: ApiClient; tenant: Tenant; onChanged: () => void }) {
  const [number, setNumber] = useState('');
  const [problem, setProblem] = useState<string>();
  const [error, setError] = useState<unknown>();
  const add = async (e: Event) => {
    e.preventDefault();
    setProblem(undefined);
    setError(undefined);
    try {
      await api.put(`/tenants/${seg(tenant.id)}/dids/${seg(number.trim())}`);
      setNumber('');
      onChanged();
    } catch (err) {
      if (err instanceof ApiFailure && (err.status === 422 || err.status === 400 || err.status === 409)) setProblem(err.fields[0]?.message ?? err.message);
      else setError(err);
    }
  };
  const remove = async (n: string) => {
    try {
      await api.del(`/tenants/${seg(tenant.id)}/dids/${seg(n)}`);
      onChanged();
    } catch (err) {
      setError(err);
    }
  };
  return html`<section aria-labelledby="dids-title">
    <h2 id="dids-title">${T.didsTitle}</h2>
    <${Table} caption=${T.didsTitle} head=${[T.didNumber, '']} rows=${tenant.dids.map((n) => [n, html`<button type="button" aria-label=${`${T.remove} ${n}`} onClick=${() => remove(n)}>${T.remove}</button>`])} />
    <form class="inline-form" onSubmit=${add}>
      <${Field} label=${T.didNumber} name="did" value=${number} onInput=${setNumber} required=${true} error=${problem} />
      <button type="submit">${T.addDid}</button>
    </form>
    ${error ? html`<${ErrorBox} error=${error} />` : null}
  </section>`;
}

interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
}

/** The tenant's last changes (GET .../audit, newest first). */
function AuditPanel({ api, tenantId }: { api: ApiClient; tenantId: string }) {
  const [load] = useLoad(() => api.get<{ items: AuditEntry[] }>(`/tenants/${seg(tenantId)}/audit`, { limit: '20' }), [tenantId]);
  return html`<section aria-labelledby="audit-title">
    <h2 id="audit-title">${T.auditTitle}</h2>
    <${Loaded} load=${load}>${(d: { items: AuditEntry[] }) => html`<${Table} caption=${T.auditTitle} head=${[T.when, T.actor, T.action, T.target]} rows=${d.items.map((a) => [time(a.at), a.actor, a.action, a.target])} />`}<//>
  </section>`;
}
