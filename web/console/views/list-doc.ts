import { type ApiClient } from '../api';
import type { DocTag } from './doc-tag';

/**
 * IVR menus and queues are lists the API replaces as a whole (PUT .../ivrs, PUT .../queues
 * { items }), checked with the rest of the tenant's call flows. A form reads the list fresh,
 * puts its element in place of the one named `key` (or at the end; takes it out when `item`
 * is undefined) and writes the list. `at` learns the element's index before the write, for
 * the pointers of a 422 ('/items/<index>/...'). A new element goes through the list, not
 * through PUT .../{name}, so that a bad name is a 422 at the name field, not a 404.
 * With `tag` (the ETag of the list the form read) the write carries If-Match: someone else's
 * change since then is a 412; on success `tag` becomes the new one.
 */
export async function saveListItem(api: ApiClient, path: string, key: string | undefined, item: Record<string, unknown> | undefined, at: (index: number) => void, tag?: DocTag): Promise<void> {
  const { items } = await api.get<{ items: Array<Record<string, unknown>> }>(path);
  const list = [...items];
  const i = key === undefined ? -1 : list.findIndex((x) => x['name'] === key);
  const index = i >= 0 ? i : list.length;
  at(index);
  if (item === undefined) list.splice(index, 1);
  else list[index] = item;
  const out = await api.writeTagged('PUT', path, { items: list }, tag?.current);
  if (tag) tag.current = out.etag;
}
