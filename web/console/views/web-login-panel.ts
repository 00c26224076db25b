import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ApiFailure, seg, type ApiClient } from '../api';
import { T } from '../text';
import { Checkbox, ErrorBox, Field, Loaded, Notice, useLoad } from '../ui';

interface WebLogin {
  ext: string;
  webPassword: boolean;
  webAdmin: boolean;
}

/** Sets an extension's console password (PUT .../web-password); the API's rule shows at the field. */
export function WebPasswordForm({ api, tenantId, ext, onSet }: { api: ApiClient; tenantId: string; ext: string; onSet?: () => void }) {
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setProblem(undefined);
    setError(undefined);
    setNotice(undefined);
    try {
      await api.put(`/tenants/${seg(tenantId)}/extensions/${seg(ext)}/web-password`, { password });
      setPassword('');
      setNotice(T.webPasswordSet);
      onSet?.();
    } catch (err) {
      if (err instanceof ApiFailure && err.fields.length > 0) setProblem(err.fields[0]!.message);
      else setError(err);
    }
  };
  return html`<form onSubmit=${submit} aria-labelledby=${`webpw-${ext}`}>
    <h2 id=${`webpw-${ext}`}>${T.webPasswordTitle}</h2>
    <${Field} label=${T.newWebPassword} name="webPassword" type="password" autocomplete="new-password" value=${password} onInput=${setPassword} error=${problem} />
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    <${Notice} text=${notice} />
    <button type="submit">${T.setWebPassword}</button>
  </form>`;
}

/** Tenant admin: an extension's console login (has a password? tenant admin?) and its web password. */
export function WebLoginPanel({ api, tenantId, ext }: { api: ApiClient; tenantId: string; ext: string }) {
  const path = `/tenants/${seg(tenantId)}/extensions/${seg(ext)}/web-login`;
  const [load, reload] = useLoad(() => api.get<WebLogin>(path), [tenantId, ext]);
  const [error, setError] = useState<unknown>();
  const setAdmin = async (webAdmin: boolean) => {
    setError(undefined);
    try {
      await api.patch(path, { webAdmin });
    } catch (e) {
      setError(e);
    }
    reload();
  };
  return html`<section aria-labelledby="web-login-title">
    <h2 id="web-login-title">${T.webLoginTitle}</h2>
    <${Loaded} load=${load}>${(w: WebLogin) => html`
      <p data-testid="web-login">${w.webPassword ? T.webLoginYes : T.webLoginNo}</p>
      <${Checkbox} label=${T.webAdmin} name="webAdmin" checked=${w.webAdmin} onChange=${setAdmin} />`}<//>
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    <${WebPasswordForm} api=${api} tenantId=${tenantId} ext=${ext} onSet=${reload} />
  </section>`;
}
