import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { axeViolations, ensureConsoleBuilt, launchChromium, requireChromium, screenshot, signIn, withPage } from '../support/console-browser.js';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';
import { UdpPhone } from '../support/udp-phone.js';

// Issue 14, point 1 (tenant admin view): in headless Chromium against the real server, a
// tenant admin creates a trunk, routes, an IVR menu with an option, a queue, a schedule and
// a time condition through the console's forms; each refusal of the server shows at the
// field it names; the objects are read back through the API; axe-core finds no serious or
// critical violation on each new page; a script typed or stored in a field is shown as text;
// the usage charts draw; acme's admin who edits the URL to globex's trunk gets nothing of it.
// Screenshots in test-artifacts/console/.

const s = suite('console forms');
const XSS = `<img src=x onerror=window.__xss=1><script>window.__xss=2</script>`;
const DID = '+4930123456';
const ADMIN_TOKEN = 'console-forms-provider-token';
const ACME: TestTenant = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: [
    { ext: '1001', name: 'Alice Admin', password: 'acme-1001-secret', extraKeys: 'webPassword: "alice-web-pass", webAdmin: true' },
    { ext: '1002', name: XSS, password: 'acme-1002-secret' },
  ],
  extraYaml: ['countryCode: "49"', `dids: [ "${DID}" ]`].join('\n'),
};
const GLOBEX: TestTenant = {
  id: 'globex',
  domains: ['globex.example'],
  extensions: [{ ext: '2001', name: 'Gina Globex', password: 'globex-2001-secret', extraKeys: 'webPassword: "gina-web-pass", webAdmin: true' }],
  extraYaml: ['countryCode: "1"', 'trunks:', '  - { name: gtrunk, kind: ip, host: 192.0.2.99, allowedSources: [ 192.0.2.99 ] }', 'ivrs:', '  - { name: gmenu, greeting: main-menu, options: { "1": { extension: "2001" } } }'].join('\n'),
};

let pbx: PbxProcess | undefined;
let browser: Browser | undefined;
const phones: UdpPhone[] = [];
const enabled = requireChromium('console forms');
const base = () => `http://127.0.0.1:${pbx!.apiPort}`;

async function checkAxe(page: Page, what: string): Promise<void> {
  assert.equal(await axeViolations(page), [], `${what}: axe serious/critical violations`);
}

/** GET through the page's own session (cookie), as the console itself reads. */
function apiGet(page: Page, path: string): Promise<any> {
  return page.evaluate(async (p) => {
    const r = await fetch(`/api/v1${p}`);
    return { status: r.status, body: r.status === 200 ? await r.json() : await r.text() };
  }, path);
}

/** Waits for the form to show the API's message at the field labelled `label`; returns the message. */
async function fieldError(page: Page, label: string | RegExp): Promise<string> {
  const input = page.getByLabel(label, { exact: typeof label === 'string' });
  await page.locator('.field.invalid, fieldset.dest.invalid').first().waitFor();
  assert.is(await input.getAttribute('aria-invalid'), 'true', `${String(label)} is marked`);
  const id = (await input.getAttribute('aria-describedby'))?.split(' ').find((x) => x.endsWith('-err'));
  assert.ok(id, `${String(label)}: the message is tied to the field`);
  return page.locator(`[id="${id}"]`).innerText();
}

async function pickDestination(page: Page, group: string, kindLabel: string, target?: string): Promise<void> {
  const g = page.getByRole('group', { name: group, exact: true });
  await g.getByLabel('Goes to').selectOption({ label: kindLabel });
  if (target !== undefined) await g.locator('input').fill(target);
}

s.before(async () => {
  if (!enabled) return;
  ensureConsoleBuilt();
  pbx = await PbxProcess.start({ tenants: [ACME, GLOBEX], adminToken: ADMIN_TOKEN, transports: ['udp'], extraYaml: ['security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }', 'registrar: { writeDelayMs: 0 }'].join('\n') });
  // The API refuses changes to a tenant its YAML file manages: the provider takes both over.
  for (const t of ['acme', 'globex']) {
    const r = await fetch(`${base()}/api/v1/tenants/${t}/take-over`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.is(r.status, 200, await r.text());
  }
  browser = await launchChromium();
});

s.after(async () => {
  for (const p of phones) p.close();
  await browser?.close();
  await pbx?.dispose();
});

s('tenant admin: a trunk through its form; the server refuses a loopback host at the Host field; read back through the API', async () => {
  if (!enabled) return;
  await withPage(browser!, base(), 'forms-trunk', async (page, problems) => {
    await signIn(page, '1001@acme.example', 'alice-web-pass');
    await page.getByRole('link', { name: 'Trunks', exact: true }).click();
    await page.getByRole('link', { name: 'New trunk' }).click();
    await page.getByRole('heading', { name: 'New trunk', level: 1 }).waitFor();
    await checkAxe(page, 'new trunk');
    await page.getByLabel('Name', { exact: true }).fill('carrier-a');
    await page.getByLabel('Kind').selectOption('ip');
    await page.getByLabel('Host').fill('127.0.0.1');
    await page.getByLabel('Addresses calls may come from (IP or CIDR)').fill('192.0.2.10');
    await page.getByLabel('Codecs, in order').fill('PCMU, PCMA');
    await page.getByRole('button', { name: 'Save' }).click();
    // Loopback is refused by the server's trunk host policy (not by the schema): at the Host field.
    assert.match(await fieldError(page, 'Host'), /loopback|may not|not allowed|refused/i);
    await checkAxe(page, 'trunk form with a refusal');
    await screenshot(page, 'forms-trunk-refused');
    await page.getByLabel('Host').fill('192.0.2.10');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'carrier-a', exact: true }).waitFor();
    const got = await apiGet(page, '/tenants/acme/trunks/carrier-a');
    assert.is(got.status, 200);
    assert.equal([got.body.kind, got.body.host, got.body.allowedSources, got.body.codecs], ['ip', '192.0.2.10', ['192.0.2.10'], ['PCMU', 'PCMA']]);
    // Edit: the port; a bad value is the API's message at the Port field, then a good one saves.
    await page.getByRole('link', { name: 'carrier-a', exact: true }).click();
    await page.getByLabel('Port', { exact: true }).fill('70000');
    await page.getByRole('button', { name: 'Save' }).click();
    assert.ok((await fieldError(page, 'Port')).length > 3);
    await page.getByLabel('Port', { exact: true }).fill('5080');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.is((await apiGet(page, '/tenants/acme/trunks/carrier-a')).body.port, 5080);
    await screenshot(page, 'forms-trunk-saved');
    assert.equal(problems, []);
  });
});

s('tenant admin: outbound and inbound routes and a ring group (destination picker; an unknown extension refused at the picker); delete with confirmation', async () => {
  if (!enabled) return;
  await withPage(browser!, base(), 'forms-routes', async (page, problems) => {
    await signIn(page, '1001@acme.example', 'alice-web-pass');
    await page.getByRole('link', { name: 'Routes and ring groups' }).click();
    await page.getByRole('link', { name: 'New outbound route' }).click();
    await page.getByLabel('Name', { exact: true }).fill('national');
    await page.getByLabel('Dial patterns').fill('0NXXXXXXX');
    await page.getByLabel('Trunks, tried in order').fill('no-such-trunk');
    await page.getByRole('button', { name: 'Save' }).click();
    assert.match(await fieldError(page, 'Trunks, tried in order'), /no-such-trunk/);
    await checkAxe(page, 'outbound route form');
    await page.getByLabel('Trunks, tried in order').fill('carrier-a');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'national', exact: true }).waitFor();

    await page.getByRole('link', { name: 'New inbound route' }).click();
    await page.getByLabel('Called number (DID)').selectOption(DID);
    await pickDestination(page, 'Destination', 'an extension', '9999');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('fieldset.dest.invalid').waitFor();
    const picker = page.getByRole('group', { name: 'Destination', exact: true });
    assert.match(await picker.locator('.field-error').innerText(), /9999/);
    assert.is(await picker.getByLabel('Extension number').getAttribute('aria-invalid'), 'true');
    assert.is(await picker.getByLabel('Goes to').inputValue(), 'extension', 'the picker still shows the kind chosen');
    await checkAxe(page, 'inbound route form with a refusal');
    await screenshot(page, 'forms-inbound-refused');
    await picker.getByLabel('Extension number').fill('1002');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: DID, exact: true }).waitFor();

    await page.getByRole('link', { name: 'New ring group' }).click();
    await page.getByLabel('Name', { exact: true }).fill('sales');
    await page.getByLabel('Members (extensions)').fill('1001, 1002');
    await pickDestination(page, 'When nobody answers', 'a voicemail box', '1001');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'sales', exact: true }).waitFor();
    await checkAxe(page, 'routes list');
    await screenshot(page, 'forms-routes-list');

    const routing = (await apiGet(page, '/tenants/acme/routing')).body;
    assert.equal(routing.outboundRoutes.map((r: any) => [r.name, r.patterns, r.trunks]), [['national', ['0NXXXXXXX'], ['carrier-a']]]);
    assert.equal(routing.inboundRoutes, [{ did: DID, destination: { type: 'extension', ext: '1002' } }]);
    assert.equal(routing.ringGroups.map((g: any) => [g.name, g.members, g.fallback]), [['sales', ['1001', '1002'], { type: 'voicemail', box: '1001' }]]);

    // Delete asks first; Cancel keeps it, "Yes, delete" removes it.
    await page.getByRole('link', { name: 'sales', exact: true }).click();
    await page.getByRole('button', { name: 'Delete ring group sales' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    await checkAxe(page, 'delete confirmation');
    // By keyboard: the question takes the focus on "Yes, delete"; Escape cancels.
    assert.is(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent), 'Yes, delete');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Delete ring group sales' }).click();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.is((await apiGet(page, '/tenants/acme/routing')).body.ringGroups.length, 1, 'cancel deletes nothing');
    await page.getByRole('button', { name: 'Delete ring group sales' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByRole('heading', { name: 'Routes and ring groups', level: 1 }).waitFor();
    assert.is((await apiGet(page, '/tenants/acme/routing')).body.ringGroups.length, 0);
    // A trunk a route still names cannot go: the API's refusal is shown, the trunk stays.
    await page.goto('/console/#/t/acme/trunks/carrier-a');
    await page.getByRole('button', { name: 'Delete trunk carrier-a' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByTestId('form-problems').waitFor();
    assert.match(await page.getByTestId('form-problems').innerText(), /carrier-a/);
    assert.is((await apiGet(page, '/tenants/acme/trunks/carrier-a')).status, 200);
    assert.equal(problems, []);
  });
});

s('tenant admin: an IVR menu with an option, a queue, a schedule (a window ending before it starts refused at its field) and a time condition', async () => {
  if (!enabled) return;
  await withPage(browser!, base(), 'forms-flows', async (page, problems) => {
    await signIn(page, '1001@acme.example', 'alice-web-pass');
    await page.getByRole('link', { name: 'IVR menus' }).click();
    await page.getByRole('link', { name: 'New IVR menu' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Main Menu');
    await page.getByLabel('Greeting (prompt name)').fill('main-menu');
    await page.getByRole('button', { name: 'Add an option' }).click();
    await page.getByLabel('Key of option 1').fill('1');
    await pickDestination(page, 'Option 1 destination', 'an extension', '1002');
    await page.getByRole('button', { name: 'Save' }).click();
    assert.match(await fieldError(page, 'Name'), /a-z ?0-9/);
    await checkAxe(page, 'IVR form with a refusal');
    await page.getByLabel('Name', { exact: true }).fill('main');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'main', exact: true }).waitFor();
    const ivr = await apiGet(page, '/tenants/acme/ivrs/main');
    assert.is(ivr.status, 200);
    assert.equal([ivr.body.greeting, ivr.body.options], ['main-menu', { '1': { type: 'extension', ext: '1002' } }]);

    await page.getByRole('link', { name: 'Queues' }).click();
    await page.getByRole('link', { name: 'New queue' }).click();
    await page.getByLabel('Name', { exact: true }).fill('support');
    await page.getByLabel('Number (dialled by phones)').fill('600');
    await page.getByLabel('Members (extensions)').fill('1001, 1002:2');
    await page.getByLabel('Longest wait (s)').fill('120');
    await pickDestination(page, 'When the wait is too long', 'an IVR menu', 'main');
    await checkAxe(page, 'queue form');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'support', exact: true }).waitFor();
    const q = (await apiGet(page, '/tenants/acme/queues/support')).body;
    assert.equal([q.number, q.maxWaitSeconds, q.overflow], ['600', 120, { type: 'ivr', name: 'main' }]);
    assert.equal(q.members.map((m: any) => (typeof m === 'string' ? m : `${m.ext}:${m.penalty}`)), ['1001:0', '1002:2']);

    await page.getByRole('link', { name: 'Schedules' }).click();
    await page.getByRole('link', { name: 'New schedule' }).click();
    await page.getByLabel('Name', { exact: true }).fill('office');
    await page.getByLabel('Days of window 1').fill('mon-fri');
    await page.getByLabel('Opens (window 1)').fill('09:00');
    await page.getByLabel('Closes (window 1)').fill('08:00');
    await page.getByLabel('Holidays (closed all day)').fill('2026-12-25\n2026-12-31..2027-01-01');
    await page.getByRole('button', { name: 'Save' }).click();
    assert.match(await fieldError(page, 'Closes (window 1)'), /not after its start/);
    await checkAxe(page, 'schedule form with a refusal');
    await screenshot(page, 'forms-schedule-refused');
    await page.getByLabel('Closes (window 1)').fill('17:00');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'office', exact: true }).waitFor();

    await page.getByRole('link', { name: 'New time condition' }).click();
    await page.getByLabel('Name', { exact: true }).fill('office-hours');
    await page.getByLabel('Schedule').selectOption('office');
    await pickDestination(page, 'While open', 'an IVR menu', 'main');
    await pickDestination(page, 'While closed', 'a voicemail box', '1001');
    await checkAxe(page, 'time condition form');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'office-hours', exact: true }).waitFor();
    await checkAxe(page, 'schedules page');
    // The override of the moment, on the condition's page.
    await page.getByRole('link', { name: 'office-hours', exact: true }).click();
    await page.getByLabel('Override', { exact: true }).selectOption('closed');
    await page.getByRole('button', { name: 'Apply override' }).click();
    await page.getByRole('status').filter({ hasText: 'closed now' }).waitFor();
    await checkAxe(page, 'time condition with its override');
    const live = (await apiGet(page, '/tenants/acme/timeConditions')).body.items[0];
    assert.equal([live.override, live.state], ['closed', 'closed']);
    await page.getByRole('link', { name: 'Schedules' }).click();
    await screenshot(page, 'forms-schedules');

    const flows = (await apiGet(page, '/tenants/acme/call-flows')).body;
    assert.equal(flows.schedules, [{ name: 'office', weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }], holidays: [{ date: '2026-12-25' }, { from: '2026-12-31', to: '2027-01-01' }] }]);
    assert.equal(flows.timeConditions, [{ name: 'office-hours', schedule: 'office', open: { type: 'ivr', name: 'main' }, closed: { type: 'voicemail', box: '1001' } }]);
    // The menu is in use: deleting it is refused, with the API's reason.
    await page.goto('/console/#/t/acme/ivrs/main');
    await page.getByRole('button', { name: 'Delete IVR menu main' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByTestId('form-problems').waitFor();
    assert.is((await apiGet(page, '/tenants/acme/ivrs/main')).status, 200);
    assert.equal(problems, []);
  });
});

s('a script in a name is shown as text: the extension name in the picker, a trunk account typed into a form', async () => {
  if (!enabled) return;
  await withPage(browser!, base(), 'forms-script-as-text', async (page, problems) => {
    await signIn(page, '1001@acme.example', 'alice-web-pass');
    await page.goto('/console/#/t/acme/inboundRoutes/+new');
    await pickDestination(page, 'Destination', 'an extension');
    const option = page.getByRole('group', { name: 'Destination', exact: true }).locator('datalist option[value="1002"]');
    await option.waitFor({ state: 'attached' });
    assert.ok(((await option.getAttribute('label')) ?? '').includes(XSS), 'the name is the option label, as text');
    // A trunk account (any text but quotes and backslashes) is stored and shown back as typed.
    const account = '<img src=x onerror=window.__xss=3>';
    await page.goto('/console/#/t/acme/trunks/+new');
    await page.getByLabel('Name', { exact: true }).fill('<script>window.__xss=4</script>');
    await page.getByLabel('Kind').selectOption('ip');
    await page.getByLabel('Host').fill('192.0.2.20');
    await page.getByLabel('Account at the carrier').fill(account);
    await page.getByLabel('Addresses calls may come from (IP or CIDR)').fill('192.0.2.20');
    await page.getByRole('button', { name: 'Save' }).click();
    assert.match(await fieldError(page, 'Name'), /a-z ?0-9/);
    await page.getByLabel('Name', { exact: true }).fill('carrier-b');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'carrier-b', exact: true }).click();
    assert.is(await page.getByLabel('Account at the carrier').inputValue(), account);
    assert.is(await page.locator('main img').count(), 0, 'no element made from the text');
    assert.is(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss), undefined, 'no script ran');
    // A problem message that repeats what was typed shows it as text too.
    await page.goto('/console/#/t/acme/schedules/+new');
    await page.getByLabel('Name', { exact: true }).fill('xss');
    await page.getByLabel('Days of window 1').fill('<svg/onload=window.__xss=5>');
    await page.getByRole('button', { name: 'Save' }).click();
    assert.match(await fieldError(page, 'Days of window 1'), /<svg\/onload=window.__xss=5>/);
    assert.is(await page.locator('main img, main svg').count(), 0, 'no element made from the message');
    assert.is(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss), undefined, 'no script ran');
    await screenshot(page, 'forms-script-as-text');
    assert.equal(problems, []);
  });
});

s("isolation: acme's admin editing the URL to globex's trunk, menu and forms gets not found and nothing of globex; the API refuses writes too", async () => {
  if (!enabled) return;
  await withPage(browser!, base(), 'forms-isolation', async (page, problems) => {
    await signIn(page, '1001@acme.example', 'alice-web-pass');
    for (const hash of ['/t/globex/trunks/gtrunk', '/t/globex/trunks/+new', '/t/acme/trunks/gtrunk', '/t/globex/ivrs/gmenu', '/t/globex/ivrs/+new', '/t/globex/queues/+new', '/t/globex/ringGroups/+new', '/t/globex/inboundRoutes/+new', '/t/globex/outboundRoutes/+new', '/t/globex/schedules/+new', '/t/globex/timeConditions/+new', '/t/globex/timeConditions', '/t/globex/routing']) {
      await page.goto(`/console/#${hash}`);
      const alert = page.locator('main [role=alert]');
      await alert.first().waitFor();
      assert.is(await alert.first().getAttribute('data-status'), '404', hash);
      assert.is(await page.locator('main form').count(), 0, `${hash}: no form`);
      assert.not.match(await page.locator('body').innerText(), /192\.0\.2\.99|Gina|globex\.example/, `${hash}: nothing of globex`);
    }
    await checkAxe(page, 'not found');
    await screenshot(page, 'forms-isolation');
    // (no named helpers inside evaluate: the test's transpiler would wrap them in a __name the page lacks)
    const statuses = await page.evaluate(async () => {
      const csrf = ((await (await fetch('/api/v1/session')).json()) as { csrfToken: string }).csrfToken;
      const json = { 'content-type': 'application/json', 'x-csrf-token': csrf };
      return [
        (await fetch('/api/v1/tenants/globex/trunks/gtrunk')).status,
        (await fetch('/api/v1/tenants/globex/trunks/gtrunk', { method: 'PUT', headers: json, body: JSON.stringify({ kind: 'ip', host: '192.0.2.66', allowedSources: ['192.0.2.66'] }) })).status,
        (await fetch('/api/v1/tenants/globex/ivrs/gmenu', { method: 'PUT', headers: json, body: JSON.stringify({ greeting: 'main-menu', options: {} }) })).status,
        (await fetch('/api/v1/tenants/globex/trunks/gtrunk', { method: 'DELETE', headers: { 'x-csrf-token': csrf } })).status,
      ];
    });
    assert.equal(statuses, [404, 404, 404, 404]);
    const g: any = await (await fetch(`${base()}/api/v1/tenants/globex/trunks/gtrunk`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
    assert.is(g.host, '192.0.2.99', "globex's trunk is unchanged");
    const m: any = await (await fetch(`${base()}/api/v1/tenants/globex/ivrs/gmenu`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
    assert.equal(Object.keys(m.options), ['1'], "globex's menu is unchanged");
    assert.equal(problems, []);
  });
});

s('usage: calls per hour, calls up at once and minutes by direction draw from the CDRs (canvas and series of each)', async () => {
  if (!enabled) return;
  const alice = await UdpPhone.open({ user: '1001', domain: 'acme.example', password: 'acme-1001-secret', server: { host: '127.0.0.1', port: pbx!.ports.udp } });
  const bob = await UdpPhone.open({ user: '1002', domain: 'acme.example', password: 'acme-1002-secret', server: { host: '127.0.0.1', port: pbx!.ports.udp } });
  phones.push(alice, bob);
  assert.is(await alice.register(), 200);
  assert.is(await bob.register(), 200);
  assert.is((await alice.call('1002')).status, 200);
  assert.is((await alice.inDialog('BYE')).status, 200);
  await withPage(browser!, base(), 'forms-usage', async (page, problems) => {
    await signIn(page, '1001@acme.example', 'alice-web-pass');
    // The CDR is written as the call ends; the page reads what the API has then.
    for (let i = 0; i < 50 && ((await apiGet(page, '/tenants/acme/cdrs')).body.items?.length ?? 0) === 0; i++) await page.waitForTimeout(100);
    await page.getByRole('link', { name: 'Usage chart' }).click();
    for (const [id, series] of [['usage-chart', 1], ['concurrency-chart', 1], ['minutes-chart', 3]] as const) {
      const chart = page.getByTestId(id);
      await chart.locator('canvas').waitFor();
      assert.is(await chart.getAttribute('data-series'), String(series), id);
      // uPlot's legend: the x series and one row per data series.
      assert.is(await chart.locator('.u-legend .u-series').count(), series + 1, `${id} legend`);
    }
    assert.equal(await page.getByTestId('minutes-chart').locator('.u-legend .u-series th').allInnerTexts().then((t) => t.slice(1).map((x) => x.trim())), ['Inbound', 'Outbound', 'Internal']);
    // The call shows in the tables behind the charts: one up at once, in the internal column.
    await page.getByText('Calls up at once (last 24 hours)', { exact: true }).and(page.locator('summary')).click();
    const upValues = await page.locator('table', { has: page.locator('caption', { hasText: 'Calls up at once' }) }).locator('tbody tr td:nth-child(2)').allInnerTexts();
    assert.ok(upValues.includes('1'), `a call was up: ${upValues.join(',')}`);
    await checkAxe(page, 'usage charts');
    await screenshot(page, 'forms-usage-charts');
    assert.equal(problems, []);
  });
});

s.run();
