import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from './api';
import { href, useRoute, type Route } from './router';
import { currentSession, logOut, type Session } from './session';
import { T } from './text';
import { Page } from './ui';
import { CdrsPage } from './views/cdrs';
import { ExtensionFormPage } from './views/extension-form';
import { LiveCallsPage } from './views/live-calls';
import { LoginPage } from './views/login';
import { HealthPage } from './views/provider-health';
import { TenantPage } from './views/provider-tenant';
import { TenantsPage } from './views/provider-tenants';
import { RESOURCE_LISTS, ResourceListPage } from './views/resource-lists';
import { EDIT_FORMS } from './views/edit-forms';
import { SchedulesPage } from './views/schedules-page';
import { ExtensionsPage } from './views/tenant-extensions';
import { UsageChartPage } from './views/usage-chart';
import { PhonePage } from './views/phone';
import { WebPasswordForm } from './views/web-login-panel';
import { MyDevicesPage, MyForwardingPage, MyHistoryPage, MyVoicemailPage } from './views/user-pages';

type NavItem = [label: string, link: string];

function navOf(s: Session, route: Route): NavItem[] {
  const items: NavItem[] = [];
  if (s.role === 'provider') items.push([T.navTenants, href('tenants')], [T.navHealth, href('health')]);
  // A provider managing one tenant gets that tenant's pages too.
  const tenant = s.role === 'tenant-admin' ? s.tenantId : s.role === 'provider' && route.parts[0] === 't' ? route.parts[1] : undefined;
  if (tenant !== undefined) {
    items.push(
      [T.navExtensions, href('t', tenant, 'extensions')],
      [T.navTrunks, href('t', tenant, 'trunks')],
      [T.navRouting, href('t', tenant, 'routing')],
      [T.navIvrs, href('t', tenant, 'ivrs')],
      [T.navVoicemail, href('t', tenant, 'voicemail')],
      [T.navQueues, href('t', tenant, 'queues')],
      [T.navSchedules, href('t', tenant, 'timeConditions')],
      [T.navCdrs, href('t', tenant, 'cdrs')],
      [T.navCalls, href('t', tenant, 'calls')],
      [T.navUsage, href('t', tenant, 'usage')],
    );
  }
  if (s.role === 'user') items.push([T.navMyVoicemail, href('me', 'voicemail')], [T.navMyForwarding, href('me', 'forwarding')], [T.navMyHistory, href('me', 'history')], [T.navMyDevices, href('me', 'devices')], [T.navMyPassword, href('me', 'password')]);
  // The softphone, for any session of an extension (a user, or a tenant admin who has one).
  if (s.ext !== undefined && s.tenantId !== undefined) items.push([T.navPhone, href('me', 'phone')]);
  return items;
}

function home(s: Session): string {
  if (s.role === 'provider') return href('tenants');
  if (s.role === 'tenant-admin') return href('t', s.tenantId ?? '', 'extensions');
  return href('me', 'voicemail');
}

function NotFound() {
  return html`<${Page} title=${T.notFound}><p class="error" role="alert" data-status="404">${T.notFound}</p><//>`;
}

/** The page a route names for this session; anything else is "not found". */
function pageFor(api: ApiClient, s: Session, r: Route) {
  const [a, b, c, d] = r.parts;
  if (s.role === 'provider' && a === 'tenants' && b === undefined) return html`<${TenantsPage} api=${api} />`;
  if (s.role === 'provider' && a === 'tenants' && b !== undefined && c === undefined) return html`<${TenantPage} api=${api} tenantId=${b} />`;
  if (s.role === 'provider' && a === 'health' && b === undefined) return html`<${HealthPage} api=${api} />`;
  if ((s.role === 'provider' || s.role === 'tenant-admin') && a === 't' && b !== undefined && c !== undefined) {
    // A tenant admin's URL may name another tenant: the API answers 404 and the page says "not found".
    if (c === 'extensions' && d === undefined) return html`<${ExtensionsPage} api=${api} tenantId=${b} />`;
    if (c === 'extensions' && d !== undefined && r.parts.length === 4) return html`<${ExtensionFormPage} api=${api} tenantId=${b} ext=${d} />`;
    const Form = EDIT_FORMS[c];
    if (Form && d !== undefined && r.parts.length === 4) return html`<${Form} api=${api} tenantId=${b} name=${d} />`;
    if (d !== undefined) return html`<${NotFound} />`;
    if (c === 'timeConditions') return html`<${SchedulesPage} api=${api} tenantId=${b} />`;
    if (RESOURCE_LISTS.includes(c)) return html`<${ResourceListPage} api=${api} tenantId=${b} kind=${c} />`;
    if (c === 'cdrs') return html`<${CdrsPage} api=${api} tenantId=${b} />`;
    if (c === 'calls') return html`<${LiveCallsPage} api=${api} tenantId=${b} />`;
    if (c === 'usage') return html`<${UsageChartPage} api=${api} tenantId=${b} />`;
  }
  if (a === 'me' && b === 'phone' && c === undefined && s.ext !== undefined && s.tenantId !== undefined) return html`<${PhonePage} api=${api} ext=${s.ext} username=${s.username} />`;
  if (s.role === 'user' && a === 'me' && c === undefined && s.tenantId !== undefined && s.ext !== undefined) {
    const props = { api, tenantId: s.tenantId, ext: s.ext };
    if (b === 'voicemail') return html`<${MyVoicemailPage} ...${props} />`;
    if (b === 'forwarding') return html`<${MyForwardingPage} ...${props} />`;
    if (b === 'history') return html`<${MyHistoryPage} ...${props} />`;
    if (b === 'devices') return html`<${MyDevicesPage} ...${props} />`;
    if (b === 'password') return html`<${Page} title=${T.navMyPassword}><${WebPasswordForm} ...${props} /><//>`;
  }
  return html`<${NotFound} />`;
}

export function App({ api }: { api: ApiClient }) {
  const [session, setSession] = useState<Session | undefined | null>(null); // null: not known yet
  const route = useRoute();
  useEffect(() => {
    api.onUnauthorized = () => setSession(undefined);
    void currentSession(api).then(setSession);
  }, []);
  useEffect(() => {
    if (session && route.parts.length === 0) location.replace(home(session));
  }, [session, route]);
  if (session === null) return html`<p aria-busy="true">${T.loading}</p>`;
  if (session === undefined) return html`<${LoginPage} api=${api} onSession=${(s: Session) => {
    setSession(s);
    if (route.parts.length === 0 || route.parts[0] === 'login') location.replace(home(s));
  }} />`;
  const signOut = async () => {
    await logOut(api).catch(() => undefined);
    setSession(undefined);
    location.hash = '';
  };
  const current = `#${location.hash.slice(1)}`;
  return html`<a class="skip" href="#main" onClick=${(e: Event) => (e.preventDefault(), document.getElementById('main')?.focus())}>${T.skipToContent}</a>
    <header class="top">
      <a class="brand" href=${home(session)}>${T.appName}</a>
      <span class="who" data-testid="who">${T.signedInAs(session.username, T.roles[session.role] ?? session.role)}</span>
      <button type="button" onClick=${signOut}>${T.signOut}</button>
    </header>
    <div class="layout">
      <nav aria-label=${T.nav} class="side">
        <ul>${navOf(session, route).map(([label, link]) => html`<li><a href=${link} aria-current=${current === link ? 'page' : undefined}>${label}</a></li>`)}</ul>
      </nav>
      <main id="main" tabindex="-1">${pageFor(api, session, route)}</main>
    </div>`;
}
