import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { axeViolations, ensureConsoleBuilt, launchChromium, newPage, requireChromium, screenshot, signIn } from '../support/console-browser.js';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';

// Issue 14, two admins at once (optimistic concurrency, If-Match): two Chromium pages of the
// same tenant admin open the same ring group against the real server. The first saves; the
// second's save is refused with "changed by someone else" at the top of its form, what it
// typed stays in the fields, and the first admin's change is what the API holds. The first
// page saves again without reloading (its tag follows its own saves); the second reloads and
// then saves. Screenshots in test-artifacts/console/.

const s = suite('console concurrent edit');
const ADMIN_TOKEN = 'console-concurrent-provider-token';
const ACME: TestTenant = {
  id: 'acme',
  domains: ['acme.example'],
  extensions: [
    { ext: '1001', name: 'Alice Admin', password: 'acme-1001-secret', extraKeys: 'webPassword: "alice-web-pass", webAdmin: true' },
    { ext: '1002', name: 'Bob', password: 'acme-1002-secret' },
    { ext: '1003', name: 'Carol', password: 'acme-1003-secret' },
  ],
  extraYaml: ['ringGroups:', '  - { name: sales, strategy: simultaneous, members: [ "1001" ], ringSeconds: 20 }'].join('\n'),
};

let pbx: PbxProcess | undefined;
let browser: Browser | undefined;
const enabled = requireChromium('console concurrent edit');
const base = () => `http://127.0.0.1:${pbx!.apiPort}`;

async function salesGroup(): Promise<{ members: string[]; ringSeconds: number }> {
  const r = await fetch(`${base()}/api/v1/tenants/acme/routing`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.is(r.status, 200);
  const doc = (await r.json()) as { ringGroups: Array<{ name: string; members: string[]; ringSeconds: number }> };
  return doc.ringGroups.find((g) => g.name === 'sales')!;
}

async function openSales(page: Page): Promise<void> {
  await signIn(page, '1001@acme.example', 'alice-web-pass');
  await page.goto('/console/#/t/acme/ringGroups/sales');
  await page.getByRole('heading', { name: 'Ring group sales', level: 1 }).waitFor();
}

s.before(async () => {
  if (!enabled) return;
  ensureConsoleBuilt();
  pbx = await PbxProcess.start({ tenants: [ACME], adminToken: ADMIN_TOKEN, transports: ['udp'], extraYaml: 'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }' });
  // The API refuses changes to a tenant its YAML file manages: the provider takes it over.
  const r = await fetch(`${base()}/api/v1/tenants/acme/take-over`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.is(r.status, 200, await r.text());
  browser = await launchChromium();
});

s.after(async () => {
  await browser?.close();
  await pbx?.dispose();
});

s('two pages of the same admin edit one ring group: the second save shows "changed by someone else" and loses neither change', async () => {
  if (!enabled) return;
  const a = await newPage(browser!, base());
  const b = await newPage(browser!, base());
  try {
    await openSales(a.page);
    await openSales(b.page);
    // A saves first.
    await a.page.getByLabel('Members (extensions)').fill('1001, 1002');
    await a.page.getByRole('button', { name: 'Save' }).click();
    await a.page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal((await salesGroup()).members, ['1001', '1002']);

    // B, still on what it loaded before, saves its own edit: refused, nothing written.
    await b.page.getByLabel('Members (extensions)').fill('1001, 1003');
    await b.page.getByLabel('Ring for (s)').fill('25');
    await b.page.getByRole('button', { name: 'Save' }).click();
    const alert = b.page.getByTestId('stale-alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /changed by someone else/);
    assert.is(await b.page.evaluate(() => (globalThis as any).document.querySelector('form').firstElementChild?.getAttribute('data-testid')), 'stale-alert', 'the message is at the top of the form');
    assert.is(await b.page.getByLabel('Members (extensions)').inputValue(), '1001, 1003', 'what B typed is still there');
    assert.is(await b.page.getByLabel('Ring for (s)').inputValue(), '25');
    assert.is(await b.page.getByRole('status').filter({ hasText: 'Saved.' }).count(), 0);
    assert.equal(await salesGroup(), { name: 'sales', strategy: 'simultaneous', members: ['1001', '1002'], ringSeconds: 20 } as any, "A's change stays");
    assert.equal(await axeViolations(b.page), [], 'axe on the form with the message');
    await screenshot(b.page, 'concurrent-edit-stale');

    // A saves again without reloading: its tag followed its own save.
    await a.page.getByLabel('Ring for (s)').fill('30');
    await a.page.getByRole('button', { name: 'Save' }).click();
    await a.page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.is((await salesGroup()).ringSeconds, 30);

    // B reloads: it sees A's values, and its save goes through.
    await b.page.getByRole('button', { name: 'Reload' }).click();
    await b.page.getByRole('heading', { name: 'Ring group sales', level: 1 }).waitFor();
    await b.page.waitForFunction(() => (globalThis as any).document.querySelector('input[name="ringSeconds"]')?.value === '30');
    assert.is(await b.page.getByLabel('Members (extensions)').inputValue(), '1001, 1002');
    assert.is(await b.page.getByTestId('stale-alert').count(), 0);
    await b.page.getByLabel('Members (extensions)').fill('1001, 1002, 1003');
    await b.page.getByRole('button', { name: 'Save' }).click();
    await b.page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal(await salesGroup(), { name: 'sales', strategy: 'simultaneous', members: ['1001', '1002', '1003'], ringSeconds: 30 } as any);
    assert.equal([...a.problems, ...b.problems], []);
  } catch (e) {
    await screenshot(b.page, 'FAILED-concurrent-edit-b').catch(() => undefined);
    await screenshot(a.page, 'FAILED-concurrent-edit-a').catch(() => undefined);
    throw e;
  } finally {
    await a.context.close();
    await b.context.close();
  }
});

s.run();
