import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { seg, type ApiClient } from '../api';
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

/** One list page: where its rows are in the answer, and the columns shown. */
interface ListSpec {
  path: string;
  rows: (body: Row) => Array<{ caption: string; items: Row[]; columns: Array<[string, (r: Row) => ComponentChildren]> }>;
}

const SPECS: Record<string, ListSpec> = {
  trunks: {
    path: 'trunks',
    rows: (b) => [{ caption: T.listTitles['trunks']!, items: (b['trunks'] as Row[]) ?? [], columns: [[T.name, (r) => text(r['name'])], ['Kind', (r) => text(r['kind'])], ['Host', (r) => `${text(r['host'])}:${text(r['port'])}`], ['Transport', (r) => text(r['transport'])]] }],
  },
  routing: {
    path: 'routing',
    rows: (b) => [
      { caption: T.ringGroups, items: (b['ringGroups'] as Row[]) ?? [], columns: [[T.name, (r) => text(r['name'])], ['Number', (r) => text(r['number'])], ['Members', (r) => text(r['members'])], ['Strategy', (r) => text(r['strategy'])]] },
      { caption: T.inboundRoutes, items: (b['inboundRoutes'] as Row[]) ?? [], columns: [['DID', (r) => text(r['did'])], ['Destination', (r) => text(r['destination'])]] },
      { caption: T.outboundRoutes, items: (b['outboundRoutes'] as Row[]) ?? [], columns: [[T.name, (r) => text(r['name'])], ['Patterns', (r) => text(r['patterns'] ?? r['pattern'])], ['Trunks', (r) => text(r['trunks'] ?? r['trunk'])]] },
    ],
  },
  ivrs: {
    path: 'ivrs',
    rows: (b) => [{ caption: T.listTitles['ivrs']!, items: (b['items'] as Row[]) ?? [], columns: [[T.name, (r) => text(r['name'])], ['Greeting', (r) => text(r['greeting'])], ['Options', (r) => Object.entries((r['options'] as Row) ?? {}).map(([k, v]) => `${k}: ${destinationText(v)}`).join('; ')]] }],
  },
  voicemail: {
    path: 'voicemail/boxes',
    rows: (b) => [{ caption: T.listTitles['voicemail']!, items: (b['items'] as Row[]) ?? [], columns: [[T.box, (r) => text(r['box'])], [T.name, (r) => text(r['name'])], ['Owner', (r) => text(r['ownerExt'] ?? r['members'])], ['New', (r) => text((r['counts'] as Row)?.['new'])], ['Old', (r) => text((r['counts'] as Row)?.['old'])]] }],
  },
  queues: {
    path: 'queues',
    rows: (b) => [{ caption: T.listTitles['queues']!, items: (b['items'] as Row[]) ?? [], columns: [[T.name, (r) => text(r['name'])], ['Number', (r) => text(r['number'])], ['Strategy', (r) => text(r['strategy'])], ['Members', (r) => text((r['members'] as unknown[] | undefined)?.map((m) => (typeof m === 'object' ? (m as Row)['ext'] : m)))]] }],
  },
  timeConditions: {
    path: 'timeConditions',
    rows: (b) => [{ caption: T.listTitles['timeConditions']!, items: (b['items'] as Row[]) ?? [], columns: [[T.name, (r) => text(r['name'])], ['Schedule', (r) => text(r['schedule'])], [T.state, (r) => text(r['state'])], ['Override', (r) => text(r['override'])], ['Now to', (r) => destinationText(r['destination'])]] }],
  },
};

export const RESOURCE_LISTS = Object.keys(SPECS);

/** Tenant admin: trunks, routes and ring groups, IVR menus, voicemail boxes, queues, schedules (read-only lists). */
export function ResourceListPage({ api, tenantId, kind }: { api: ApiClient; tenantId: string; kind: string }) {
  const spec = SPECS[kind]!;
  const [load] = useLoad(() => api.get<Row>(`/tenants/${seg(tenantId)}/${spec.path}`), [tenantId, kind]);
  return html`<${Page} title=${T.listTitles[kind] ?? kind}>
    <${Loaded} load=${load}>${(b: Row) => spec.rows(b).map((t) => html`<${Table} caption=${t.caption} head=${t.columns.map((c) => c[0])} rows=${t.items.map((r) => t.columns.map((c) => c[1](r)))} />`)}<//>
  <//>`;
}
