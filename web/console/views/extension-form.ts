import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure, seg, type ApiClient, type FieldProblem } from '../api';
import { go } from '../router';
import { T } from '../text';
import { ErrorBox, Checkbox, Field, Loaded, Notice, Page, Select, problemAt, useLoad } from '../ui';
import type { Extension } from './tenant-extensions';
import { WebLoginPanel } from './web-login-panel';

const CLASSES: Array<[string, string]> = [
  ['internal', 'internal'],
  ['local', 'local'],
  ['national', 'national'],
  ['international', 'international'],
  ['premium', 'premium'],
];

/** Tenant admin: add an extension (ext '+new') or edit one; the API's validation messages show at each field. */
export function ExtensionFormPage({ api, tenantId, ext }: { api: ApiClient; tenantId: string; ext: string }) {
  const isNew = ext === '+new';
  const [load] = useLoad<Extension | undefined>(() => (isNew ? Promise.resolve(undefined) : api.get<Extension>(`/tenants/${seg(tenantId)}/extensions/${seg(ext)}`)), [tenantId, ext]);
  return html`<${Page} title=${isNew ? T.newExtension : T.editExtension(ext)}>
    <${Loaded} load=${load}>${(x: Extension | undefined) => html`<${ExtensionForm} api=${api} tenantId=${tenantId} existing=${x} />
      ${x ? html`<${WebLoginPanel} api=${api} tenantId=${tenantId} ext=${x.ext} />` : null}`}<//>
  <//>`;
}

function ExtensionForm({ api, tenantId, existing }: { api: ApiClient; tenantId: string; existing: Extension | undefined }) {
  const [ext, setExt] = useState(existing?.ext ?? '');
  const [name, setName] = useState(existing?.name ?? '');
  const [password, setPassword] = useState('');
  const [enabled, setEnabled] = useState(existing?.enabled ?? true);
  const [cos, setCos] = useState(existing?.classOfService ?? 'national');
  const [callerId, setCallerId] = useState(existing?.callerId ?? '');
  const [problems, setProblems] = useState<readonly FieldProblem[]>([]);
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  useEffect(() => setProblems([]), [existing]);
  const submit = async (e: Event) => {
    e.preventDefault();
    setProblems([]);
    setError(undefined);
    setNotice(undefined);
    try {
      if (existing) {
        await api.patch(`/tenants/${seg(tenantId)}/extensions/${seg(existing.ext)}`, { name, enabled, classOfService: cos, callerId: callerId.trim() === '' ? null : callerId.trim() });
        setNotice(T.saved);
      } else {
        const body: Record<string, unknown> = { ext: ext.trim(), name, enabled, classOfService: cos };
        if (password !== '') body['password'] = password;
        if (callerId.trim() !== '') body['callerId'] = callerId.trim();
        const made = await api.post<Extension & { password?: string }>(`/tenants/${seg(tenantId)}/extensions`, body);
        setNotice(made.password ? `${T.extensionCreated(made.ext)} ${T.generatedPassword(made.password)}` : T.extensionCreated(made.ext));
        if (!made.password) go('t', tenantId, 'extensions');
      }
    } catch (err) {
      if (err instanceof ApiFailure && err.fields.length > 0) setProblems(err.fields);
      else setError(err);
    }
  };
  const general = problems.filter((p) => !['/ext', '/name', '/password', '/classOfService', '/callerId', '/enabled'].some((f) => p.path === f || p.path.startsWith(`${f}/`)));
  return html`<form onSubmit=${submit} novalidate>
    <${Field} label=${T.ext} name="ext" value=${ext} onInput=${setExt} required=${true} disabled=${existing !== undefined} error=${problemAt(problems, 'ext')} />
    <${Field} label=${T.name} name="name" value=${name} onInput=${setName} required=${true} error=${problemAt(problems, 'name')} />
    ${existing ? null : html`<${Field} label=${T.sipPassword} name="password" type="password" value=${password} onInput=${setPassword} autocomplete="new-password" error=${problemAt(problems, 'password')} />`}
    <${Checkbox} label=${T.enabled} name="enabled" checked=${enabled} onChange=${setEnabled} />
    <${Select} label=${T.classOfService} name="classOfService" value=${cos} options=${CLASSES} onChange=${setCos} error=${problemAt(problems, 'classOfService')} />
    <${Field} label=${T.callerId} name="callerId" value=${callerId} onInput=${setCallerId} error=${problemAt(problems, 'callerId')} />
    ${problems.length > 0 ? html`<div class="error" role="alert"><p>${T.fixErrors}</p>${general.length > 0 ? html`<ul>${general.map((p) => html`<li>${p.path || '(body)'}: ${p.message}</li>`)}</ul>` : null}</div>` : null}
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    <${Notice} text=${notice} />
    <button type="submit">${T.save}</button>
  </form>`;
}
