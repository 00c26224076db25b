import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { seg, type ApiClient } from '../api';
import { useLiveEvents } from '../live-events';
import { href } from '../router';
import { T } from '../text';
import { ErrorBox, Loaded, Page, Table, useLoad } from '../ui';

export interface Extension {
  ext: string;
  name: string;
  enabled: boolean;
  classOfService: string;
  callerId: string | null;
  maxContacts: number | null;
}

interface ExtensionPage {
  items: Extension[];
  total: number;
  nextAfter: string | null;
}

export const PAGE_SIZE = 50;

/**
 * Tenant admin: the extensions, one page at a time (GET .../extensions?limit&after: the
 * API's cursor paging, so 10,000 extensions cost one page), with how many devices each has
 * registered, kept live by the registration events.
 */
export function ExtensionsPage({ api, tenantId }: { api: ApiClient; tenantId: string }) {
  // The cursors of the pages before this one ('' = the first page).
  const [cursors, setCursors] = useState<string[]>(['']);
  const after = cursors[cursors.length - 1]!;
  const [load] = useLoad(() => api.get<ExtensionPage>(`/tenants/${seg(tenantId)}/extensions`, { limit: String(PAGE_SIZE), after: after || undefined }), [tenantId, after]);
  const [regs, setRegs] = useState<Map<string, number>>(new Map());
  const [regsError, setRegsError] = useState<unknown>();
  const [regsTick, setRegsTick] = useState(0);
  useEffect(() => {
    let live = true;
    api.get<{ items: Array<{ ext: string }> }>(`/tenants/${seg(tenantId)}/registrations`).then(
      (r) => {
        if (!live) return;
        const m = new Map<string, number>();
        for (const x of r.items) m.set(x.ext, (m.get(x.ext) ?? 0) + 1);
        setRegs(m);
      },
      (e: unknown) => live && setRegsError(e),
    );
    return () => {
      live = false;
    };
  }, [tenantId, regsTick]);
  useLiveEvents((e) => {
    if (e.type === 'registration' && e.tenantId === tenantId) setRegsTick((n) => n + 1);
  }, [tenantId]);
  useEffect(() => {
    if (load.state === 'ok') performance.mark('console:extensions-rendered');
  }, [load]);

  return html`<${Page} title=${T.extensionsTitle}>
    <p><a class="button" href=${href('t', tenantId, 'extensions', '+new')}>${T.newExtension}</a></p>
    ${regsError ? html`<${ErrorBox} error=${regsError} />` : null}
    <${Loaded} load=${load}>${(d: ExtensionPage) => html`
      <p aria-live="polite">${T.extensionsCount(d.items.length, d.total)}</p>
      <${Table}
        caption=${T.extensionsTitle}
        testId="extensions"
        head=${[T.ext, T.name, T.enabled, T.classOfService, T.registered]}
        rows=${d.items.map((x) => [
          html`<a href=${href('t', tenantId, 'extensions', x.ext)}>${x.ext}</a>`,
          x.name,
          x.enabled ? T.yes : T.no,
          x.classOfService,
          html`<span data-testid=${`reg-${x.ext}`}>${regs.get(x.ext) ? T.registeredCount(regs.get(x.ext)!) : T.notRegistered}</span>`,
        ])}
      />
      <nav class="pager" aria-label=${T.extensionsTitle}>
        <button type="button" disabled=${cursors.length <= 1} onClick=${() => setCursors(cursors.slice(0, -1))}>${T.previous}</button>
        <button type="button" disabled=${d.nextAfter === null} onClick=${() => d.nextAfter !== null && setCursors([...cursors, d.nextAfter])}>${T.next}</button>
      </nav>`}<//>
  <//>`;
}
