import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure, seg, type ApiClient, type FieldProblem } from '../api';
import { useLiveEvents } from '../live-events';
import { T } from '../text';
import { Checkbox, ErrorBox, Field, Loaded, Notice, Page, Table, problemAt, time, useLoad } from '../ui';
import { CdrTable, type Cdr } from './cdrs';
import { forwardTarget } from '../forward-target';

interface Box {
  box: string;
  name?: string;
  counts: { new: number; old: number };
}

interface Message {
  id: string;
  box: string;
  callerNumber?: string;
  callerName?: string;
  receivedAt: string;
  durationMs: number;
  folder: string;
}

const own = (tenantId: string, ext: string) => `/tenants/${seg(tenantId)}/extensions/${seg(ext)}`;

/** User: the messages of the boxes they use, each playable in the page (the API's WAV) and deletable. */
export function MyVoicemailPage({ api, tenantId, ext }: { api: ApiClient; tenantId: string; ext: string }) {
  const [load, reload] = useLoad(async () => {
    const boxes = await api.get<{ items: Box[] }>(`${own(tenantId, ext)}/voicemail/boxes`);
    const messages: Message[] = [];
    for (const b of boxes.items) messages.push(...(await api.get<{ items: Message[] }>(`${own(tenantId, ext)}/voicemail/boxes/${seg(b.box)}/messages`)).items);
    return messages;
  }, [tenantId, ext]);
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();
  const remove = async (m: Message) => {
    setError(undefined);
    try {
      await api.del(`${own(tenantId, ext)}/voicemail/boxes/${seg(m.box)}/messages/${seg(m.id)}`);
      setNotice(T.deleted);
      reload();
    } catch (e) {
      setError(e);
    }
  };
  return html`<${Page} title=${T.myVoicemailTitle}>
    <${Notice} text=${notice} />
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    <${Loaded} load=${load}>${(ms: Message[]) => html`<${Table}
      caption=${T.myVoicemailTitle}
      testId="voicemail"
      head=${[T.received, T.caller, T.box, T.duration, '', '']}
      rows=${ms.map((m) => {
        const who = m.callerName ?? m.callerNumber ?? T.unknownCaller;
        return [
          time(m.receivedAt),
          who,
          m.box,
          String(Math.round(m.durationMs / 1000)),
          html`<audio controls preload="none" src=${api.url(`${own(tenantId, ext)}/voicemail/boxes/${seg(m.box)}/messages/${seg(m.id)}/audio`)} aria-label=${T.listen(who)}></audio>`,
          html`<button type="button" aria-label=${`${T.remove}: ${T.listen(who)}`} onClick=${() => remove(m)}>${T.remove}</button>`,
        ];
      })}
    />`}<//>
  <//>`;
}

type Handling = { dnd?: boolean; forward?: { always?: Record<string, unknown> } & Record<string, unknown> } & Record<string, unknown>;

/** User: do not disturb and "forward all calls"; the other forwards (busy, no answer) are kept as they are. */
export function MyForwardingPage({ api, tenantId, ext }: { api: ApiClient; tenantId: string; ext: string }) {
  const [load, reload] = useLoad(() => api.get<Handling>(`${own(tenantId, ext)}/call-handling`), [tenantId, ext]);
  return html`<${Page} title=${T.forwardingTitle}>
    <${Loaded} load=${load}>${(h: Handling) => html`<${ForwardingForm} api=${api} path=${`${own(tenantId, ext)}/call-handling`} handling=${h} onSaved=${reload} />`}<//>
  <//>`;
}

function ForwardingForm({ api, path, handling, onSaved }: { api: ApiClient; path: string; handling: Handling; onSaved: () => void }) {
  const always = handling.forward?.always;
  const initial = always ? String(always['number'] ?? always['ext'] ?? '') : '';
  const [dnd, setDnd] = useState(handling.dnd ?? false);
  const [target, setTarget] = useState(initial);
  const [problems, setProblems] = useState<readonly FieldProblem[]>([]);
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  useEffect(() => {
    setDnd(handling.dnd ?? false);
    setTarget(initial);
  }, [handling]);
  const submit = async (e: Event) => {
    e.preventDefault();
    setProblems([]);
    setError(undefined);
    setNotice(undefined);
    const forward: Record<string, unknown> = { ...(handling.forward ?? {}) };
    const to = forwardTarget(target);
    if (to) forward['always'] = to;
    else delete forward['always'];
    try {
      await api.put(path, { ...handling, dnd, forward });
      setNotice(T.saved);
      onSaved();
    } catch (err) {
      if (err instanceof ApiFailure && err.fields.length > 0) setProblems(err.fields);
      else setError(err);
    }
  };
  return html`<form onSubmit=${submit}>
    <${Checkbox} label=${T.dnd} name="dnd" checked=${dnd} onChange=${setDnd} />
    <${Field} label=${T.forwardAlways} name="forwardAlways" value=${target} onInput=${setTarget} error=${problemAt(problems, 'forward') ?? problems[0]?.message} />
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    <${Notice} text=${notice} />
    <button type="submit">${T.save}</button>
  </form>`;
}

/** User: their own calls (GET .../extensions/{ext}/cdrs). */
export function MyHistoryPage({ api, tenantId, ext }: { api: ApiClient; tenantId: string; ext: string }) {
  const [load] = useLoad(() => api.get<{ items: Cdr[] }>(`${own(tenantId, ext)}/cdrs`, { limit: '100' }), [tenantId, ext]);
  return html`<${Page} title=${T.myHistoryTitle}>
    <${Loaded} load=${load}>${(d: { items: Cdr[] }) => html`<${CdrTable} items=${d.items} caption=${T.myHistoryTitle} />`}<//>
  <//>`;
}

interface Registration {
  contact: string;
  source: { protocol: string; address: string; port: number };
  expiresIn: number;
  userAgent: string | null;
}

/** User: the devices registered as their extension (GET .../extensions/{ext}/registrations). */
export function MyDevicesPage({ api, tenantId, ext }: { api: ApiClient; tenantId: string; ext: string }) {
  const [load, reload] = useLoad(() => api.get<{ items: Registration[] }>(`${own(tenantId, ext)}/registrations`), [tenantId, ext]);
  useLiveEvents((e) => {
    if (e.type === 'registration' && e.tenantId === tenantId && e.ext === ext) reload();
  }, [tenantId, ext]);
  return html`<${Page} title=${T.myDevicesTitle}>
    <${Loaded} load=${load}>${(d: { items: Registration[] }) => html`<${Table}
      caption=${T.myDevicesTitle}
      testId="devices"
      head=${[T.contact, T.source, T.userAgent, T.expiresIn]}
      rows=${d.items.map((r) => [r.contact, `${r.source.protocol}:${r.source.address}:${r.source.port}`, r.userAgent ?? '', String(r.expiresIn)])}
    />`}<//>
  <//>`;
}
