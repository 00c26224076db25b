import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ApiFailure, seg, type ApiClient } from '../api';
import { formProblems, messageAt, numberOrText, splitList } from '../field-problems';
import { go } from '../router';
import { T } from '../text';
import { Field, Loaded, Page, Select, useLoad } from '../ui';
import { ConfirmDelete, FormAlerts, useFormState } from './form-kit';

/** A trunk as GET .../trunks shows it (never its password). */
export interface TrunkView {
  name: string;
  kind: 'register' | 'ip';
  host: string;
  port: number;
  transport: string;
  username?: string;
  authUsername?: string;
  domain?: string;
  registerExpires: number;
  allowedSources: string[];
  codecs?: string[];
  maxChannels?: number;
  hasPassword: boolean;
}

const FIELDS = ['/name', '/kind', '/host', '/port', '/transport', '/username', '/password', '/authUsername', '/domain', '/registerExpires', '/allowedSources', '/codecs', '/maxChannels'];

/** Tenant admin: add a trunk (name '+new'), edit or delete one; PUT/DELETE .../trunks/{name}. */
export function TrunkFormPage({ api, tenantId, name }: { api: ApiClient; tenantId: string; name: string }) {
  const isNew = name === '+new';
  const [load] = useLoad(async () => {
    const { trunks } = await api.get<{ trunks: TrunkView[] }>(`/tenants/${seg(tenantId)}/trunks`);
    const index = isNew ? trunks.length : trunks.findIndex((t) => t.name === name);
    if (index < 0) throw new ApiFailure(404, 'not_found', 'not found');
    return { index, trunk: trunks[index] };
  }, [tenantId, name]);
  return html`<${Page} title=${isNew ? T.newTrunk : T.editTrunk(name)}>
    <${Loaded} load=${load}>${(d: { index: number; trunk: TrunkView | undefined }) => html`<${TrunkForm} api=${api} tenantId=${tenantId} index=${d.index} existing=${d.trunk} />`}<//>
  <//>`;
}

function TrunkForm({ api, tenantId, index, existing }: { api: ApiClient; tenantId: string; index: number; existing: TrunkView | undefined }) {
  const [v, setV] = useState({
    name: existing?.name ?? '',
    kind: existing?.kind ?? 'register',
    host: existing?.host ?? '',
    port: existing ? String(existing.port) : '',
    transport: existing?.transport ?? 'udp',
    username: existing?.username ?? '',
    password: '',
    authUsername: existing?.authUsername ?? '',
    domain: existing?.domain ?? '',
    registerExpires: existing ? String(existing.registerExpires) : '',
    allowedSources: existing?.allowedSources.join(', ') ?? '',
    codecs: existing?.codecs?.join(', ') ?? '',
    maxChannels: existing?.maxChannels !== undefined ? String(existing.maxChannels) : '',
  });
  const set = (k: keyof typeof v) => (x: string) => setV({ ...v, [k]: x });
  const form = useFormState();
  const base = `/tenants/${seg(tenantId)}/trunks`;
  const reroot = (p: Parameters<typeof formProblems>[0]) => formProblems(p, `/trunks/${index}`);
  const at = (f: string) => messageAt(form.problems, f);
  const submit = (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = { kind: v.kind, host: v.host.trim(), transport: v.transport };
    const opt = (k: string, x: unknown) => x !== undefined && x !== '' && (body[k] = x);
    opt('port', numberOrText(v.port));
    opt('username', v.username);
    opt('password', v.password);
    opt('authUsername', v.authUsername);
    opt('domain', v.domain.trim());
    opt('registerExpires', numberOrText(v.registerExpires));
    opt('maxChannels', numberOrText(v.maxChannels));
    if (splitList(v.allowedSources).length > 0) body['allowedSources'] = splitList(v.allowedSources);
    if (splitList(v.codecs).length > 0) body['codecs'] = splitList(v.codecs);
    const name = existing ? existing.name : v.name.trim();
    void form.run(async () => {
      await api.put(`${base}/${seg(name)}`, body);
      if (!existing) go('t', tenantId, 'trunks');
      return existing ? T.saved : T.createdThing(name);
    }, reroot);
  };
  const remove = () =>
    form.run(async () => {
      await api.del(`${base}/${seg(existing!.name)}`);
      go('t', tenantId, 'trunks');
      return T.deleted;
    }, reroot);
  return html`<form onSubmit=${submit} novalidate aria-busy=${form.busy ? 'true' : 'false'}>
    <${Field} label=${T.name} name="name" value=${v.name} onInput=${set('name')} required=${true} disabled=${existing !== undefined} hint=${T.nameRule} error=${at('/name')} />
    <${Select} label=${T.trunkKind} name="kind" value=${v.kind} options=${[['register', T.trunkKinds.register!], ['ip', T.trunkKinds.ip!]]} onChange=${set('kind')} error=${at('/kind')} />
    <div class="grid">
      <${Field} label=${T.host} name="host" value=${v.host} onInput=${set('host')} required=${true} error=${at('/host')} />
      <${Field} label=${T.port} name="port" value=${v.port} onInput=${set('port')} hint=${T.portDefault} error=${at('/port')} />
      <${Select} label=${T.transport} name="transport" value=${v.transport} options=${[['udp', 'UDP'], ['tcp', 'TCP'], ['tls', 'TLS']]} onChange=${set('transport')} error=${at('/transport')} />
    </div>
    <div class="grid">
      <${Field} label=${T.trunkUsername} name="username" value=${v.username} onInput=${set('username')} error=${at('/username')} />
      <${Field} label=${existing?.hasPassword ? T.trunkPasswordKeep : T.trunkPassword} name="password" type="password" autocomplete="new-password" value=${v.password} onInput=${set('password')} error=${at('/password')} />
      <${Field} label=${T.authUsername} name="authUsername" value=${v.authUsername} onInput=${set('authUsername')} error=${at('/authUsername')} />
      <${Field} label=${T.trunkDomain} name="domain" value=${v.domain} onInput=${set('domain')} error=${at('/domain')} />
      <${Field} label=${T.registerExpires} name="registerExpires" value=${v.registerExpires} onInput=${set('registerExpires')} error=${at('/registerExpires')} />
      <${Field} label=${T.maxChannels} name="maxChannels" value=${v.maxChannels} onInput=${set('maxChannels')} error=${at('/maxChannels')} />
    </div>
    <${Field} label=${T.allowedSources} name="allowedSources" value=${v.allowedSources} onInput=${set('allowedSources')} hint=${T.listHint} error=${at('/allowedSources')} />
    <${Field} label=${T.codecs} name="codecs" value=${v.codecs} onInput=${set('codecs')} hint=${T.listHint} error=${at('/codecs')} />
    <${FormAlerts} state=${form} fields=${FIELDS} />
    <p class="actions"><button type="submit" disabled=${form.busy}>${T.save}</button>
      ${existing ? html`<${ConfirmDelete} what=${T.trunkNamed(existing.name)} onConfirm=${remove} />` : null}</p>
  </form>`;
}
