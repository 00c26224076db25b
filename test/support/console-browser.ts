// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) for the web
// console's browser tests: launch, sign in through the login page, run axe-core in the page,
// save screenshots under test-artifacts/console/, and collect CSP violations and page errors.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { requirePath } from './tools.js';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');

/** True when Chromium is there (else a SKIPPED line naming the Debian package). */
export function requireChromium(suite: string): boolean {
  return requirePath(suite, CHROMIUM, 'chromium');
}

/** dist/console as `npm ci` builds it; built now when missing (a checkout that ran only tsc). */
export function ensureConsoleBuilt(): void {
  if (existsSync(join(ROOT, 'dist', 'console', 'index.html'))) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-console.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the console failed: ${r.stderr}`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/**
 * Chromium for softphone tests: a fake microphone playing `toneWav`, media allowed without a
 * prompt, autoplay on. `ignoreCertificateErrors`: the test certificate (test/fixtures/tls,
 * self-signed) is accepted for HTTPS pages and WSS, as no CA on this machine signs it.
 */
export function launchSoftphoneChromium(toneWav: string, o: { ignoreCertificateErrors?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${toneWav}`,
      '--autoplay-policy=no-user-gesture-required',
      ...(o.ignoreCertificateErrors ? ['--ignore-certificate-errors'] : []),
      '--no-sandbox',
      '--disable-dev-shm-usage',
    ],
  });
}

/** A page of a fresh context (its own cookies), recording CSP reports, console errors and page errors. */
export async function newPage(browser: Browser, baseURL: string): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return { context, page, problems };
}

/** Signs in through the console's login page and waits for the signed-in header. */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/console/');
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor({ timeout: 10_000 });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

let axeSource: string | undefined;

/**
 * axe-core run in the page (its source evaluated through the DevTools protocol, which the
 * page's CSP does not govern, so the page keeps its real policy); returns the serious and
 * critical violations as "id: help (selectors)".
 */
export async function axeViolations(page: Page): Promise<string[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const out = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, o: unknown) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const r = await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => String(n.target)).slice(0, 3) }));
  });
  return out.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.targets.join('; ')})`);
}

/**
 * Runs `fn` with a fresh page; when it throws, a screenshot `FAILED-<name>.png` and the page's
 * text go with the error (so a CI failure shows what the page showed). The context is closed.
 */
export async function withPage(browser: Browser, baseURL: string, name: string, fn: (page: Page, problems: string[], context: BrowserContext) => Promise<void>): Promise<void> {
  const { context, page, problems } = await newPage(browser, baseURL);
  try {
    await fn(page, problems, context);
  } catch (e) {
    await screenshot(page, `FAILED-${name}`).catch(() => undefined);
    const text = await page.locator('body').innerText().catch(() => '?');
    (e as Error).message += `\n[page ${page.url()}]\n${text.slice(0, 1500)}\n[problems] ${problems.join(' | ')}`;
    throw e;
  } finally {
    await context.close();
  }
}
