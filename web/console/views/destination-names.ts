import { useEffect, useState } from 'preact/hooks';
import { seg, type ApiClient } from '../api';

/** A name the picker suggests for a kind: its value and a label ('1001' · 'Alice'). */
export interface NameHint {
  value: string;
  label: string;
}

export type DestinationNames = Partial<Record<string, NameHint[]>>;

type Items<T> = { items: T[] };

/**
 * The names of THIS tenant a destination may point at, as hints for the picker: extensions,
 * ring groups, IVR menus, time conditions, queues, voicemail boxes. Read through the same API
 * the lists use; a list that fails to load gives no hints (the API still checks each target).
 */
export function useDestinationNames(api: ApiClient, tenantId: string): DestinationNames {
  const [names, setNames] = useState<DestinationNames>({});
  useEffect(() => {
    let live = true;
    const t = `/tenants/${seg(tenantId)}`;
    const hint = (value: unknown, label?: unknown): NameHint => ({ value: String(value), label: label === undefined || label === null || label === '' ? String(value) : `${String(value)} · ${String(label)}` });
    const soft = <T,>(p: Promise<T>): Promise<T | undefined> => p.catch(() => undefined);
    void Promise.all([
      soft(api.get<Items<{ ext: string; name: string }>>(`${t}/extensions`, { limit: '1000' })),
      soft(api.get<{ ringGroups: Array<{ name: string }> }>(`${t}/routing`)),
      soft(api.get<{ ivrs: Array<{ name: string }>; timeConditions: Array<{ name: string }>; queues: Array<{ name: string; number?: string }> }>(`${t}/call-flows`)),
      soft(api.get<Items<{ box: string; name?: string }>>(`${t}/voicemail/boxes`)),
    ]).then(([exts, routing, flows, boxes]) => {
      if (!live) return;
      setNames({
        extension: exts?.items.map((x) => hint(x.ext, x.name)),
        ringGroup: routing?.ringGroups.map((g) => hint(g.name)),
        ivr: flows?.ivrs.map((m) => hint(m.name)),
        timeCondition: flows?.timeConditions.map((c) => hint(c.name)),
        queue: flows?.queues.map((q) => hint(q.name, q.number)),
        voicemail: boxes?.items.map((b) => hint(b.box, b.name)),
      });
    });
    return () => {
      live = false;
    };
  }, [tenantId]);
  return names;
}
