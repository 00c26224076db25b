import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { seg, type ApiClient } from '../api';
import { href } from '../router';
import { T } from '../text';
import { Loaded, Page, Table, useLoad } from '../ui';

type Row = Record<string, unknown>;

/** A destination as GET returns it ({ type, ext|name|box|... }) in a few words. */
export function destinationText(d: unknown): string {
  if (typeof d === 'string') return d;
  if (!d || typeof d !== 'object') return '';
  const o = d as Record<string, unknown>;
  const type = typeof o['type'] === 'string' ? o['type'] : Object.keys(o)[0] ?? '';
  const value = ['ext', 'name', 'box', 'room', 'number', 'prompt'].map((k) => o[k]).find((v) => typeof v === 'string') ?? (typeof o[type] === 'string' ? o[type] : '');
  return value ? `${type} ${String(value)}` : type;
}

const text = (v: unknown): string => (v === undefined || v === null ? '' : Array.isArray(v) ? v.map((x) => (typeof x === 'object' ? destinationText(x) : String(x))).join(', ') : typeof v === 'object' ? destinationText(v) : String(v));

/** One table of a list page: its rows, columns, and the form that adds one (route kind under #/t/<tenant>/). */
interface ListTable {
  caption: string;
  items: Row[];
  columns: Array<[string, (r: Row) => ComponentChildren]>;
  newLink?: [label: string, kind: string];
}

/** One list page: where its rows are in the answer, and the columns shown. */
interface ListSpec {
  path: string;
  rows: (body: Row, edit: (kind: string, key: unknown) => ComponentChildren) => ListTable[];
}

const SPECS: Record<string, ListSpec> = {
  trunks: {
    path: 'trunks',
    rows: (b, edit) => [{ caption: T.listTitles['trunks']!, newLink: [T.newTrunk, 'trunks'], items: (b['trunks'] as Row[]) ?? [], columns: [[T.name, (r) => edit('trunks', r['name'])], ['Kind', (r) => text(r['kind'])], ['Host', (r) => `${text(r['host'])}:${text(r['port'])}`], ['Transport', (r) => text(r['transport'])]] }],
  },
  routing: {
    path: 'routing',
    rows: (b, edit) => [
      { caption: T.ringGroups, newLink: [T.newRingGroup, 'ringGroups'], items: (b['ringGroups'] as Row[]) ?? [], columns: [[T.name, (r) => edit('ringGroups', r['name'])], ['Members', (r) => text(r['members'])], ['Strategy', (r) => text(r['strategy'])], [T.fallback, (r) => text(r['fallback'])]] },
      { caption: T.inboundRoutes, newLink: [T.newInboundRoute, 'inboundRoutes'], items: (b['inboundRoutes'] as Row[]) ?? [], columns: [['DID', (r) => edit('inboundRoutes', r['did'])], ['Destination', (r) => text(r['destination'])]] },
      { caption: T.outboundRoutes, newLink: [T.newOutboundRoute, 'outboundRoutes'], items: (b['outboundRoutes'] as Row[]) ?? [], columns: [[T.name, (r) => edit('outboundRoutes', r['name'])], ['Patterns', (r) => text(r['patterns'] ?? r['pattern'])], ['Trunks', (r) => text(r['trunks'] ?? r['trunk'])]] },
    ],
  },
  ivrs: {
    path: 'ivrs',
    rows: (b, edit) => [{ caption: T.listTitles['ivrs']!, newLink: [T.newIvr, 'ivrs'], items: (b['items'] as Row[]) ?? [], columns: [[T.name, (r) => edit('ivrs', r['name'])], ['Greeting', (r) => text(r['greeting'])], ['Options', (r) => Object.entries((r['options'] as Row) ?? {}).map(([k, v]) => `${k}: ${destinationText(v)}`).join('; ')]] }],
  },
  voicemail: {
    path: 'voicemail/boxes',
    rows: (b) => [{ caption: T.listTitles['voicemail']!, items: (b['items'] as Row[]) ?? [], columns: [[T.box, (r) => text(r['box'])], [T.name, (r) => text(r['name'])], ['Owner', (r) => text(r['ownerExt'] ?? r['members'])], ['New', (r) => text((r['counts'] as Row)?.['new'])], ['Old', (r) => text((r['counts'] as Row)?.['old'])]] }],
  },
  queues: {
    path: 'queues',
    rows: (b, edit) => [{ caption: T.listTitles['queues']!, newLink: [T.newQueue, 'queues'], items: (b['items'] as Row[]) ?? [], columns: [[T.name, (r) => edit('queues', r['name'])], ['Number', (r) => text(r['number'])], ['Strategy', (r) => text(r['strategy'])], ['Members', (r) => text((r['members'] as unknown[] | undefined)?.map((m) => (typeof m === 'object' ? (m as Row)['ext'] : m)))]] }],
  },
};

export const RESOURCE_LISTS = Object.keys(SPECS);

/** Tenant admin: trunks, routes and ring groups, IVR menus, voicemail boxes, queues; each name leads to its form, "New ..." adds one. */
export function ResourceListPage({ api, tenantId, kind }: { api: ApiClient; tenantId: string; kind: string }) {
  const spec = SPECS[kind]!;
  const [load] = useLoad(() => api.get<Row>(`/tenants/${seg(tenantId)}/${spec.path}`), [tenantId, kind]);
  const edit = (k: string, key: unknown) => html`<a href=${href('t', tenantId, k, text(key))}>${text(key)}</a>`;
  return html`<${Page} title=${T.listTitles[kind] ?? kind}>
    <${Loaded} load=${load}>${(b: Row) => spec.rows(b, edit).map((t) => html`${t.newLink ? html`<p><a class="button" href=${href('t', tenantId, t.newLink[1], '+new')}>${t.newLink[0]}</a></p>` : null}
      <${Table} caption=${t.caption} head=${t.columns.map((c) => c[0])} rows=${t.items.map((r) => t.columns.map((c) => c[1](r)))} />`)}<//>
  <//>`;
}
