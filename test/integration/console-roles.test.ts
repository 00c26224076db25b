import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hashWebPassword } from '../../src/tenant/web-password.js';
import { axeViolations, ensureConsoleBuilt, launchChromium, requireChromium, screenshot, signIn, withPage } from '../support/console-browser.js';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';
import { encodeWav, sineWave } from '../support/tone.js';
import { UdpPhone } from '../support/udp-phone.js';

// Issue 14, points 1 and 5, in headless Chromium against the real server (child process,
// real HTTP, real SIP phones on loopback): each role signs in through the login page and
// does its main task; axe-core finds no serious or critical violation on each main page;
// no page error and no CSP violation on the way. Screenshots in test-artifacts/console/.

const s = suite('console roles');
const PROVIDER_PASSWORD = 'provider-console-pass';
const ACME: TestTenant = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: [
    { ext: '1001', name: 'Alice Admin', password: 'acme-1001-secret', extraKeys: 'webPassword: "alice-web-pass", webAdmin: true' },
    { ext: '1002', name: 'Bob User', password: 'acme-1002-secret', extraKeys: 'webPassword: "bob-web-pass1"' },
  ],
};
const ADMIN_TOKEN = 'console-roles-provider-token';
const VOICEMAIL_ID = '20260310120000-0123456789ab';

let pbx: PbxProcess | undefined;
let browser: Browser | undefined;
const phones: UdpPhone[] = [];
const enabled = requireChromium('console roles');

async function phone(user: string, password: string): Promise<UdpPhone> {
  const p = await UdpPhone.open({ user, domain: 'acme.example', password, server: { host: '127.0.0.1', port: pbx!.ports.udp } });
  phones.push(p);
  return p;
}

async function checkAxe(page: Page, what: string): Promise<void> {
  const v = await axeViolations(page);
  assert.equal(v, [], `${what}: axe serious/critical violations`);
}

s.before(async () => {
  if (!enabled) return;
  ensureConsoleBuilt();
  pbx = await PbxProcess.create({
    tenants: [ACME],
    adminToken: ADMIN_TOKEN,
    transports: ['udp'],
    extraYaml: [
      'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }',
      'registrar: { writeDelayMs: 0 }',
      'console:',
      `  providers: [ { name: root, passwordHash: "${hashWebPassword(PROVIDER_PASSWORD)}" } ]`,
    ].join('\n'),
  });
  // A message in Bob's box, as a deposit cut short leaves it: the server indexes it at start.
  const box = join(pbx.dir, 'data', 'tenants', 'acme', 'voicemail', '1002');
  mkdirSync(box, { recursive: true, mode: 0o700 });
  writeFileSync(join(box, `${VOICEMAIL_ID}.wav`), encodeWav(sineWave(800, 2, 8000, 1)));
  await pbx.start();
  // The tenant admin adds extensions through the API, which a file-managed tenant refuses: the
  // provider takes acme over first (its extensions and web logins stay).
  const over = await fetch(`${base()}/api/v1/tenants/acme/take-over`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.is(over.status, 200, await over.text());
  browser = await launchChromium();
});

s.after(async () => {
  for (const p of phones) p.close();
  await browser?.close();
  await pbx?.dispose();
});

const base = () => `http://127.0.0.1:${pbx!.apiPort}`;

s('GET / redirects to the console; its files come with CSP and no inline script', async () => {
  if (!enabled) return;
  const root = await fetch(`${base()}/`, { redirect: 'manual' });
  assert.is(root.status, 302);
  assert.is(root.headers.get('location'), '/console/');
  const index = await fetch(`${base()}/console/`);
  assert.is(index.status, 200);
  assert.match(index.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  const html = await index.text();
  assert.not.match(html, /<script>|<style|style=/, 'no inline script or style');
  const js = await fetch(`${base()}/console/app.js`);
  assert.is(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
});

s('provider: signs in, a bad tenant id gets the API message at the field, creates a tenant, suspends it; sets a limit and a DID; health and usage', async () => {
  if (!enabled) return;
  await withPage(browser!, base(), 'provider-signs-in-a-bad-tenant-id-gets-t', async (page, problems, context) => {
    await signIn(page, 'root', PROVIDER_PASSWORD);
    await page.getByRole('heading', { name: 'Tenants', level: 1 }).waitFor();
    await checkAxe(page, 'tenants');
    await page.getByLabel('Tenant id').fill('Bad Id!');
    await page.getByLabel('Name', { exact: true }).fill('Initech');
    await page.getByLabel('Primary domain').fill('initech.example');
    await page.getByRole('button', { name: 'Create' }).click();
    const idField = page.getByLabel('Tenant id');
    await page.locator('.field.invalid').first().waitFor();
    assert.is(await idField.getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('.field-error').first().innerText(), /tenant id/i);
    await idField.fill('initech');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('status').filter({ hasText: 'Tenant initech created.' }).waitFor();
    const row = page.getByTestId('tenants').locator('tr', { hasText: 'initech' });
    await row.waitFor();
    assert.match(await row.innerText(), /Initech\s+active\s+initech\.example/);
    await screenshot(page, 'provider-tenants');
    // Limits (a bad value gets the API's message at its field) and a DID.
    await page.getByRole('link', { name: 'initech', exact: true }).click();
    await page.getByLabel('Concurrent calls').fill('many');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.field.invalid').first().waitFor();
    assert.is(await page.getByLabel('Concurrent calls').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Concurrent calls').fill('5');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await page.getByLabel('Number (E.164)').fill('+14155550199');
    await page.getByRole('button', { name: 'Assign DID' }).click();
    await page.getByRole('button', { name: 'Delete +14155550199' }).waitFor();
    await checkAxe(page, 'tenant limits and DIDs');
    await screenshot(page, 'provider-tenant-limits');
    const initech: any = await (await fetch(`${base()}/api/v1/tenants/initech`, { headers: { cookie: (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } })).json();
    assert.is(initech.limits.calls, 5);
    assert.equal(initech.dids, ['+14155550199']);
    await page.getByRole('link', { name: 'Tenants', exact: true }).click();
    await page.getByRole('button', { name: 'Suspend initech' }).click();
    await page.getByTestId('tenants').locator('tr', { hasText: 'initech' }).filter({ hasText: 'suspended' }).waitFor();
    const after: any = await (await fetch(`${base()}/api/v1/tenants/initech`, { headers: { cookie: (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } })).json();
    assert.is(after.status, 'suspended', 'the API says so too');
    await page.getByRole('link', { name: 'Usage and health' }).click();
    await page.getByTestId('health').waitFor();
    assert.match(await page.getByTestId('health').innerText(), /ok/);
    await checkAxe(page, 'health');
    await screenshot(page, 'provider-health');
    assert.equal(problems, []);
  });
});

s('tenant admin: adds an extension (the API validation message at the field), sees it registered when a phone registers', async () => {
  if (!enabled) return;
  await withPage(browser!, base(), 'tenant-admin-adds-an-extension-the-api-v', async (page, problems, context) => {
    await signIn(page, '1001@acme.example', 'alice-web-pass');
    await page.getByTestId('extensions').waitFor();
    await checkAxe(page, 'extensions');
    await page.getByRole('link', { name: 'New extension' }).click();
    await page.getByLabel('Extension', { exact: true }).fill('1003');
    await page.getByLabel('SIP password (empty: generated)').fill('short');
    await page.getByLabel('Name').fill('Carol');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.field.invalid').first().waitFor();
    assert.is(await page.getByLabel('SIP password (empty: generated)').getAttribute('aria-invalid'), 'true');
    assert.ok((await page.locator('.field.invalid .field-error').innerText()).length > 5, 'the message is shown at the field');
    await checkAxe(page, 'extension form');
    await screenshot(page, 'admin-extension-invalid');
    await page.getByLabel('SIP password (empty: generated)').fill('acme-1003-secret');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('extensions').waitFor();
    const reg = page.getByTestId('reg-1003');
    await reg.waitFor();
    assert.is(await reg.innerText(), 'no');
    const carol = await phone('1003', 'acme-1003-secret');
    assert.is(await carol.register(), 200);
    // The registration event (SSE) refreshes the list: no reload.
    await page.getByTestId('reg-1003').filter({ hasText: '1 device' }).waitFor({ timeout: 10_000 });
    await screenshot(page, 'admin-extensions-registered');
    assert.equal(problems, []);
  });
});

s('tenant admin: hangs up a live call from the page; reads its CDR; the usage chart draws', async () => {
  if (!enabled) return;
  const alice = await phone('1001', 'acme-1001-secret');
  const bob = await phone('1002', 'acme-1002-secret');
  assert.is(await alice.register(), 200);
  assert.is(await bob.register(), 200);
  const answered = await alice.call('1002');
  assert.is(answered.status, 200);
  await withPage(browser!, base(), 'tenant-admin-hangs-up-a-live-call-from-t', async (page, problems, context) => {
    await signIn(page, '1001@acme.example', 'alice-web-pass');
    await page.getByRole('link', { name: 'Live calls' }).click();
    const row = page.getByTestId('calls').locator('tr', { hasText: '1002' });
    await row.waitFor();
    await checkAxe(page, 'live calls');
    await screenshot(page, 'admin-live-calls');
    const mark = alice.mark();
    await row.getByRole('button', { name: /Hang up/ }).click();
    await alice.next((m) => m.kind === 'request' && m.method === 'BYE', 5000, mark);
    await page.getByRole('status').filter({ hasText: 'The call was hung up.' }).waitFor();
    await page.getByRole('link', { name: 'Call records' }).click();
    const cdr = page.getByTestId('cdrs').locator('tbody tr').first();
    await cdr.waitFor();
    assert.match(await cdr.innerText(), /1001\s+1002\s+internal\s+answered/);
    const csv = page.getByRole('link', { name: 'Export CSV' });
    assert.match((await csv.getAttribute('href')) ?? '', /^\/api\/v1\/tenants\/acme\/cdrs\.csv/);
    const csvText = await page.evaluate(async (href) => (await fetch(href!)).text(), await csv.getAttribute('href'));
    assert.match(csvText, /^id,callId,startedAt/);
    await checkAxe(page, 'cdrs');
    await screenshot(page, 'admin-cdrs');
    await page.getByRole('link', { name: 'Usage chart' }).click();
    await page.getByTestId('usage-chart').locator('canvas').waitFor();
    await checkAxe(page, 'usage chart');
    await screenshot(page, 'admin-usage-chart');
    for (const list of ['Trunks', 'Routes and ring groups', 'IVR menus', 'Voicemail boxes', 'Queues', 'Schedules']) {
      await page.getByRole('link', { name: list }).click();
      await page.getByRole('heading', { name: list, level: 1 }).waitFor();
      await page.locator('main [aria-busy]').waitFor({ state: 'detached' });
      assert.is(await page.locator('main [role=alert]').count(), 0, `${list}: no error`);
    }
    assert.equal(problems, []);
  });
});

s('user: listens to a voicemail in the page, deletes it; sets DND; sees its own calls and devices', async () => {
  if (!enabled) return;
  await withPage(browser!, base(), 'user-listens-to-a-voicemail-in-the-page-', async (page, problems, context) => {
    await signIn(page, '1002@acme.example', 'bob-web-pass1');
    const row = page.getByTestId('voicemail').locator('tbody tr').first();
    await row.waitFor();
    await checkAxe(page, 'my voicemail');
    const audio = row.locator('audio');
    // The browser fetches the WAV (cookie-authenticated GET) and decodes it: 2 s of tone.
    const duration = await audio.evaluate((a: any) => new Promise<number>((resolve) => {
      a.onloadedmetadata = () => resolve(a.duration);
      a.onerror = () => resolve(-1);
      a.preload = 'auto';
      a.load();
    }));
    assert.ok(Math.abs(duration - 2) < 0.1, `duration ${duration}`);
    await screenshot(page, 'user-voicemail');
    await row.getByRole('button', { name: /Delete/ }).click();
    await page.getByRole('status').filter({ hasText: 'Deleted.' }).waitFor();
    await page.getByTestId('voicemail').waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Forwarding and DND' }).click();
    await page.getByRole('checkbox', { name: 'Do not disturb' }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await checkAxe(page, 'forwarding');
    const handling: any = await page.evaluate(async () => (await fetch('/api/v1/tenants/acme/extensions/1002/call-handling')).json());
    assert.is(handling.dnd, true);
    await page.getByRole('link', { name: 'My calls' }).click();
    await page.getByTestId('cdrs').locator('tbody tr').first().waitFor();
    await checkAxe(page, 'my calls');
    await page.getByRole('link', { name: 'My devices' }).click();
    await page.getByTestId('devices').locator('tbody tr').first().waitFor();
    await checkAxe(page, 'my devices');
    await screenshot(page, 'user-devices');
    assert.equal(problems, []);
  });
});

s('keyboard only: sign in with Tab and Enter; the skip link moves the focus to the page; edit a name and save with Enter', async () => {
  if (!enabled) return;
  await withPage(browser!, base(), 'keyboard-only', async (page, problems) => {
    const active = () => page.evaluate(() => {
      const el = (globalThis as any).document.activeElement;
      return { id: String(el?.id ?? ''), text: String(el?.textContent ?? '').trim(), name: String(el?.getAttribute?.('name') ?? '') };
    });
    await page.goto('/console/');
    await page.getByLabel('User name').focus();
    await page.keyboard.type('1001@acme.example');
    await page.keyboard.press('Tab');
    assert.is((await active()).name, 'password');
    await page.keyboard.type('alice-web-pass');
    await page.keyboard.press('Enter');
    await page.getByTestId('extensions').waitFor();
    await page.keyboard.press('Tab');
    assert.is((await active()).text, 'Skip to content');
    await page.keyboard.press('Enter');
    assert.is((await active()).id, 'main');
    // To an extension's form by keyboard: the link, then the name field, Enter submits.
    await page.getByRole('link', { name: '1002', exact: true }).focus();
    await page.keyboard.press('Enter');
    const name = page.getByLabel('Name');
    await name.waitFor();
    await name.focus();
    await page.keyboard.press('End');
    await page.keyboard.type(' Jr');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const bob: any = await page.evaluate(async () => (await fetch('/api/v1/tenants/acme/extensions/1002')).json());
    assert.is(bob.name, 'Bob User Jr');
    assert.equal(problems, []);
  });
});

s("console logins: the tenant admin sets a user's web password (the API's rule at the field), the user signs in with it and changes its own", async () => {
  if (!enabled) return;
  await withPage(browser!, base(), 'web-passwords-admin', async (page, problems) => {
    await signIn(page, '1001@acme.example', 'alice-web-pass');
    await page.goto('/console/#/t/acme/extensions/1002');
    await page.getByTestId('web-login').waitFor();
    await page.getByLabel('New web password').fill('short');
    await page.getByRole('button', { name: 'Set web password' }).click();
    await page.locator('.field.invalid').first().waitFor();
    assert.match(await page.locator('.field.invalid .field-error').innerText(), /8/);
    await page.getByLabel('New web password').fill('bob-from-admin-22');
    await page.getByRole('button', { name: 'Set web password' }).click();
    await page.getByRole('status').filter({ hasText: 'The web password is set' }).waitFor();
    await checkAxe(page, 'extension with its console login');
    await screenshot(page, 'admin-web-login');
    assert.equal(problems, []);
  });
  await withPage(browser!, base(), 'web-passwords-user', async (page, problems) => {
    await signIn(page, '1002@acme.example', 'bob-from-admin-22');
    await page.getByRole('link', { name: 'My web password' }).click();
    await page.getByLabel('New web password').fill('bob-own-choice-33');
    await page.getByRole('button', { name: 'Set web password' }).click();
    await page.getByRole('status').filter({ hasText: 'The web password is set' }).waitFor();
    const again = await fetch(`${base()}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: '1002@acme.example', password: 'bob-own-choice-33' }) });
    assert.is(again.status, 200);
    assert.equal(problems, []);
  });
});

s.run();
