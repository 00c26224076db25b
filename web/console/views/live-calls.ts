import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { seg, type ApiClient } from '../api';
import { useLiveEvents } from '../live-events';
import { T } from '../text';
import { ErrorBox, Loaded, Notice, Page, Table, time, useLoad } from '../ui';

interface LiveCall {
  callId: string;
  state: string;
  direction: string;
  fromExt?: string;
  fromNumber?: string;
  to: string;
  startedAt: string;
}

/** Tenant admin: the calls up now, refreshed by the call events, each with a hang-up button. */
export function LiveCallsPage({ api, tenantId }: { api: ApiClient; tenantId: string }) {
  const [load, reload] = useLoad(() => api.get<{ items: LiveCall[] }>(`/tenants/${seg(tenantId)}/calls`), [tenantId]);
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();
  useLiveEvents((e) => {
    if (e.type === 'call' && e.tenantId === tenantId) reload();
  }, [tenantId]);
  const hangUp = async (c: LiveCall) => {
    setError(undefined);
    try {
      await api.del(`/tenants/${seg(tenantId)}/calls/${seg(c.callId)}`);
      setNotice(T.hungUp);
      reload();
    } catch (e) {
      setError(e);
    }
  };
  return html`<${Page} title=${T.callsTitle}>
    <button type="button" onClick=${reload}>${T.refresh}</button>
    <${Notice} text=${notice} />
    ${error ? html`<${ErrorBox} error=${error} />` : null}
    <${Loaded} load=${load}>${(d: { items: LiveCall[] }) => html`<${Table}
      caption=${T.callsTitle}
      testId="calls"
      head=${[T.started, T.from, T.to, T.direction, T.state, '']}
      rows=${d.items.map((c) => [time(c.startedAt), c.fromExt ?? c.fromNumber ?? '', c.to, c.direction, c.state, html`<button type="button" aria-label=${`${T.hangUp} ${c.fromExt ?? ''} → ${c.to}`} onClick=${() => hangUp(c)}>${T.hangUp}</button>`])}
    />`}<//>
  <//>`;
}
