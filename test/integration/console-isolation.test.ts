import type { Browser } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { axeViolations, ensureConsoleBuilt, launchChromium, requireChromium, screenshot, signIn, withPage } from '../support/console-browser.js';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';

// Issue 14, "Bad input" in the browser: a tenant admin of acme sees nothing of globex,
// through the UI and by editing URLs (the API answers 404, the page says not found); a user
// reaches no admin page; a script in a name field is shown as text and never runs.

const s = suite('console isolation');
const XSS_NAME = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;
const ACME: TestTenant = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: [
    { ext: '1001', name: 'Alice Admin', password: 'acme-1001-secret', extraKeys: 'webPassword: "alice-web-pass", webAdmin: true' },
    { ext: '1002', name: XSS_NAME.replace(/"/g, '\\"'), password: 'acme-1002-secret', extraKeys: 'webPassword: "bob-web-pass1"' },
  ],
};
const GLOBEX: TestTenant = {
  id: 'globex',
  domains: ['globex.example'],
  extensions: [{ ext: '2001', name: 'Gina Globex', password: 'globex-2001-secret', extraKeys: 'webPassword: "gina-web-pass", webAdmin: true' }],
};

let pbx: PbxProcess | undefined;
let browser: Browser | undefined;
const enabled = requireChromium('console isolation');
const base = () => `http://127.0.0.1:${pbx!.apiPort}`;

s.before(async () => {
  if (!enabled) return;
  ensureConsoleBuilt();
  pbx = await PbxProcess.start({ tenants: [ACME, GLOBEX], transports: ['udp'], extraYaml: 'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }' });
  browser = await launchChromium();
});

s.after(async () => {
  await browser?.close();
  await pbx?.dispose();
});

s("acme's admin: globex's pages by edited URLs say not found and show none of its data; the API answers 404", async () => {
  if (!enabled) return;
  await withPage(browser!, base(), 'acme-s-admin-globex-s-pages-by-edited-ur', async (page, problems, context) => {
    await signIn(page, '1001@acme.example', 'alice-web-pass');
    await page.getByTestId('extensions').waitFor();
    const nav = await page.getByRole('navigation', { name: 'Main' }).innerText();
    assert.not.match(nav, /globex/i, 'the navigation names no other tenant');
    for (const hash of ['/t/globex/extensions', '/t/globex/extensions/2001', '/t/globex/cdrs', '/t/globex/calls', '/t/globex/trunks', '/t/globex/voicemail', '/t/globex/usage', '/tenants', '/tenants/globex', '/health', '/me/voicemail']) {
      await page.goto(`/console/#${hash}`);
      const alert = page.locator('main [role=alert]');
      await alert.first().waitFor();
      assert.is(await alert.first().getAttribute('data-status'), '404', hash);
      assert.match(await alert.first().innerText(), /Not found/, hash);
      const text = await page.locator('body').innerText();
      // (the page may repeat what the URL asked for, e.g. "Extension 2001"; never globex's data)
      assert.not.match(text, /Gina|globex\.example|globex test tenant/, `${hash}: nothing of globex`);
    }
    await screenshot(page, 'isolation-admin-edited-url');
    assert.equal(await axeViolations(page), [], 'the not-found page');
    const statuses = await page.evaluate(async () => {
      const out: Record<string, number> = {};
      for (const p of ['/api/v1/tenants/globex', '/api/v1/tenants/globex/extensions', '/api/v1/tenants/globex/extensions/2001', '/api/v1/tenants/globex/cdrs', '/api/v1/tenants/globex/registrations']) out[p] = (await fetch(p)).status;
      return out;
    });
    for (const [p, st] of Object.entries(statuses)) assert.is(st, 404, p);
    assert.equal(problems, []);
  });
});

s("globex's admin lists only globex's extensions", async () => {
  if (!enabled) return;
  await withPage(browser!, base(), 'globex-s-admin-lists-only-globex-s-exten', async (page, problems, context) => {
    await signIn(page, '2001@globex.example', 'gina-web-pass');
    const table = page.getByTestId('extensions');
    await table.waitFor();
    const text = await table.innerText();
    assert.match(text, /2001\s+Gina Globex/);
    assert.not.match(text, /Alice|1001|1002/);
  });
});

s('a user reaches no admin page, and no other extension through the API', async () => {
  if (!enabled) return;
  await withPage(browser!, base(), 'a-user-reaches-no-admin-page-and-no-othe', async (page, problems, context) => {
    await signIn(page, '1002@acme.example', 'bob-web-pass1');
    for (const hash of ['/t/acme/extensions', '/t/acme/cdrs', '/tenants']) {
      await page.goto(`/console/#${hash}`);
      await page.locator('main [role=alert][data-status="404"]').waitFor();
      assert.not.match(await page.locator('main').innerText(), /Alice/, hash);
    }
    const statuses = await page.evaluate(async () => [
      (await fetch('/api/v1/tenants/acme/extensions')).status,
      (await fetch('/api/v1/tenants/acme/extensions/1001/cdrs')).status,
      (await fetch('/api/v1/tenants/acme/extensions/1001/voicemail/boxes')).status,
      (await fetch('/api/v1/tenants/globex/extensions/2001/registrations')).status,
    ]);
    for (const st of statuses) assert.ok(st === 403 || st === 404, String(statuses));
  });
});

s('a script in a name field is rendered as text, never run (list, edit form, header)', async () => {
  if (!enabled) return;
  await withPage(browser!, base(), 'a-script-in-a-name-field-is-rendered-as-', async (page, problems, context) => {
    await signIn(page, '1001@acme.example', 'alice-web-pass');
    const row = page.getByTestId('extensions').locator('tr', { hasText: '1002' });
    await row.waitFor();
    assert.ok((await row.innerText()).includes(XSS_NAME), 'the name shows as typed');
    assert.is(await page.locator('main img').count(), 0, 'no element made from the name');
    await page.goto('/console/#/t/acme/extensions/1002');
    const name = page.getByLabel('Name');
    await name.waitFor();
    assert.is(await name.inputValue(), XSS_NAME);
    assert.is(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss), undefined, 'the script never ran');
    await screenshot(page, 'isolation-script-as-text');
    assert.equal(problems, []);
  });
});

s.run();
