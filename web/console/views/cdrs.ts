import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { seg, type ApiClient } from '../api';
import { T } from '../text';
import { Field, Loaded, Page, Select, Table, time, useLoad } from '../ui';

export interface Cdr {
  id: number;
  callId: string;
  direction: string;
  disposition: string;
  startedAt: string;
  durationMs: number;
  billableS: number;
  fromUri: string;
  fromExt?: string;
  toUri: string;
  toExt?: string;
  fromNumber?: string;
  toNumber?: string;
}

interface Filters {
  from: string;
  to: string;
  ext: string;
  direction: string;
  disposition: string;
}

const EMPTY: Filters = { from: '', to: '', ext: '', direction: '', disposition: '' };
const DIRECTIONS = ['', 'internal', 'inbound', 'outbound'];
const DISPOSITIONS = ['', 'answered', 'busy', 'no_answer', 'failed', 'cancelled', 'crashed'];

export const cdrParty = (uri: string, ext?: string, number?: string): string => ext ?? number ?? uri.replace(/^sips?:/, '').replace(/@.*/, '');

export function CdrTable({ items, caption }: { items: Cdr[]; caption: string }) {
  return html`<${Table}
    caption=${caption}
    testId="cdrs"
    head=${[T.started, T.from, T.to, T.direction, T.disposition, T.duration]}
    rows=${items.map((c) => [time(c.startedAt), cdrParty(c.fromUri, c.fromExt, c.fromNumber), cdrParty(c.toUri, c.toExt, c.toNumber), c.direction, c.disposition, String(c.billableS)])}
  />`;
}

/** Tenant admin: call records with filters, paged by the API's cursor, and the same filters as a CSV download. */
export function CdrsPage({ api, tenantId }: { api: ApiClient; tenantId: string }) {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [cursors, setCursors] = useState<string[]>(['']);
  const cursor = cursors[cursors.length - 1]!;
  const query = (f: Filters) => ({ from: f.from || undefined, to: f.to || undefined, ext: f.ext || undefined, direction: f.direction || undefined, disposition: f.disposition || undefined });
  const [load] = useLoad(() => api.get<{ items: Cdr[]; nextCursor: string | null }>(`/tenants/${seg(tenantId)}/cdrs`, { ...query(filters), limit: '50', cursor: cursor || undefined }), [tenantId, filters, cursor]);
  const apply = (e: Event) => {
    e.preventDefault();
    setFilters(draft);
    setCursors(['']);
  };
  const set = (k: keyof Filters) => (v: string) => setDraft({ ...draft, [k]: v });
  return html`<${Page} title=${T.cdrsTitle}>
    <form class="filters" onSubmit=${apply}>
      <${Field} label=${T.from} name="from" type="date" value=${draft.from} onInput=${set('from')} />
      <${Field} label=${T.to} name="to" type="date" value=${draft.to} onInput=${set('to')} />
      <${Field} label=${T.ext} name="ext" value=${draft.ext} onInput=${set('ext')} />
      <${Select} label=${T.direction} name="direction" value=${draft.direction} options=${DIRECTIONS.map((d) => [d, d || T.any])} onChange=${set('direction')} />
      <${Select} label=${T.disposition} name="disposition" value=${draft.disposition} options=${DISPOSITIONS.map((d) => [d, d || T.any])} onChange=${set('disposition')} />
      <button type="submit">${T.filter}</button>
      <a class="button" href=${api.url(`/tenants/${seg(tenantId)}/cdrs.csv`, query(filters))} download="cdrs.csv">${T.exportCsv}</a>
    </form>
    <${Loaded} load=${load}>${(d: { items: Cdr[]; nextCursor: string | null }) => html`
      <${CdrTable} items=${d.items} caption=${T.cdrsTitle} />
      <nav class="pager" aria-label=${T.cdrsTitle}>
        <button type="button" disabled=${cursors.length <= 1} onClick=${() => setCursors(cursors.slice(0, -1))}>${T.previous}</button>
        <button type="button" disabled=${d.nextCursor === null} onClick=${() => d.nextCursor !== null && setCursors([...cursors, d.nextCursor])}>${T.next}</button>
      </nav>`}<//>
  <//>`;
}
