import { seg, type ApiClient, type Tagged } from '../api';
import type { DocTag } from './doc-tag';

/** GET .../call-flows: time zone, schedules, time conditions, IVR menus, queues. */
export interface FlowsView {
  timezone: string;
  schedules: Array<Record<string, unknown> & { name: string }>;
  timeConditions: Array<Record<string, unknown> & { name: string }>;
  ivrs: Array<Record<string, unknown>>;
  queues: Array<Record<string, unknown>>;
}

export type FlowsList = 'schedules' | 'timeConditions';

export function getFlows(api: ApiClient, tenantId: string): Promise<FlowsView> {
  return api.get<FlowsView>(`/tenants/${seg(tenantId)}/call-flows`);
}

/** The document with its ETag: a form keeps the tag to save with. */
export function getFlowsTagged(api: ApiClient, tenantId: string): Promise<Tagged<FlowsView>> {
  return api.getTagged<FlowsView>(`/tenants/${seg(tenantId)}/call-flows`);
}

/**
 * Schedules and time conditions have no routes of their own: they are written with the
 * whole call-flow document (PUT .../call-flows, checked as the tenant YAML). Read it fresh,
 * put `item` in place of the element named `key` (or at the end; take it out when `item` is
 * undefined), write it back. `at` learns the index first, for a 422's pointers
 * ('/schedules/<index>/weekly/0/to'). With `tag` (the ETag the form read) the write carries
 * If-Match: someone else's change since then is a 412; on success `tag` becomes the new one.
 */
export async function saveFlowsItem(api: ApiClient, tenantId: string, list: FlowsList, key: string | undefined, item: Record<string, unknown> | undefined, at: (index: number) => void, tag?: DocTag): Promise<void> {
  const doc = await getFlows(api, tenantId);
  const items: Array<Record<string, unknown>> = [...doc[list]];
  const i = key === undefined ? -1 : items.findIndex((x) => x['name'] === key);
  const index = i >= 0 ? i : items.length;
  at(index);
  if (item === undefined) items.splice(index, 1);
  else items[index] = item;
  const out = await api.writeTagged('PUT', `/tenants/${seg(tenantId)}/call-flows`, { ...doc, [list]: items }, tag?.current);
  if (tag) tag.current = out.etag;
}
