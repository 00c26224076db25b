import { seg, type ApiClient, type Tagged } from '../api';
import type { DocTag } from './doc-tag';

/** GET .../routing as the forms use it. */
export interface RoutingView {
  countryCode: string;
  nationalPrefix: string;
  callerId: string | null;
  inboundCos: string | null;
  auth: unknown;
  dids: string[];
  ringGroups: Array<Record<string, unknown> & { name: string }>;
  inboundRoutes: Array<Record<string, unknown> & { did: string }>;
  outboundRoutes: Array<Record<string, unknown> & { name: string }>;
}

export type RoutingList = 'ringGroups' | 'inboundRoutes' | 'outboundRoutes';

export function getRouting(api: ApiClient, tenantId: string): Promise<RoutingView> {
  return api.get<RoutingView>(`/tenants/${seg(tenantId)}/routing`);
}

/** The document with its ETag: a form keeps the tag to save with. */
export function getRoutingTagged(api: ApiClient, tenantId: string): Promise<Tagged<RoutingView>> {
  return api.getTagged<RoutingView>(`/tenants/${seg(tenantId)}/routing`);
}

/**
 * Ring groups and routes are one document (PUT .../routing, checked as the tenant YAML):
 * read it fresh, put `item` in place of the element whose key is `key` (or at the end, or
 * take it out when `item` is undefined), write the whole. Returns the element's index, for
 * the pointers of a 422 ('/ringGroups/<index>/members/0'); `at` is told it before the write.
 * With `tag` (the ETag the form read) the write carries If-Match: a change by someone else
 * since then is a 412 and nothing is written; on success `tag` becomes the new one.
 */
export async function saveRoutingItem(api: ApiClient, tenantId: string, list: RoutingList, keyOf: (x: Record<string, unknown>) => string, key: string | undefined, item: Record<string, unknown> | undefined, at: (index: number) => void, tag?: DocTag): Promise<void> {
  const doc = await getRouting(api, tenantId);
  const items: Array<Record<string, unknown>> = [...doc[list]];
  const i = key === undefined ? -1 : items.findIndex((x) => keyOf(x) === key);
  const index = i >= 0 ? i : items.length;
  at(index);
  if (item === undefined) items.splice(index, 1);
  else items[index] = item;
  const { dids: _dids, ...body } = doc;
  const out = await api.writeTagged('PUT', `/tenants/${seg(tenantId)}/routing`, { ...body, [list]: items }, tag?.current);
  if (tag) tag.current = out.etag;
}
