import { fileURLToPath } from 'node:url';
import type { RawRoute } from '../admin/api-types.js';
import { StaticSite } from '../admin/static-site.js';

/** Where the console is served on the API listener. */
export const CONSOLE_PREFIX = '/console/';

/**
 * The web console (issue 14): the files `scripts/build-console.mjs` wrote into dist/console
 * (the package root's, whether the server runs from src/ or dist/), served on the API
 * listener under /console/, and GET / redirecting there.
 */
export function consoleSite(
  root = fileURLToPath(new URL('../../dist/console', import.meta.url)),
  /** The softphone's SIP WebSocket URLs, allowed in the page's connect-src. */
  connectSrc?: (requestHost: string | undefined) => string[],
): { site: StaticSite; rawRoutes: RawRoute[] } {
  const site = new StaticSite({ root, prefix: CONSOLE_PREFIX, ...(connectSrc ? { connectSrc } : {}) });
  const home: RawRoute = {
    method: 'GET',
    path: '/',
    auth: 'none',
    summary: 'Redirects to the web console (/console/)',
    doc: { tag: 'service', responses: { 302: { description: 'To /console/', headers: { Location: '/console/' } } } },
    handler: () => ({ status: 302, headers: { Location: CONSOLE_PREFIX, 'Cache-Control': 'no-cache' } }),
  };
  return { site, rawRoutes: [home] };
}
