import { createHash } from 'node:crypto';
import { createReadStream, realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';

/** The content type of each file kind the console ships; any other file is not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** What every answer of the site carries: no inline script or style may run (the bundle has none). */
export const SITE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/**
 * The site's headers with `extraConnect` (the softphone's SIP WebSocket URLs, sip-ws-urls.ts:
 * checked sources only) added to connect-src; none added: SITE_SECURITY_HEADERS.
 */
export function siteSecurityHeaders(extraConnect: readonly string[]): Readonly<Record<string, string>> {
  if (extraConnect.length === 0) return SITE_SECURITY_HEADERS;
  const csp = SITE_SECURITY_HEADERS['Content-Security-Policy']!.replace("connect-src 'self'", `connect-src 'self' ${extraConnect.join(' ')}`);
  return { ...SITE_SECURITY_HEADERS, 'Content-Security-Policy': csp };
}

/** The file a request path names, or why not. Pure: no file system. */
export type SitePath = { kind: 'file'; rel: string } | { kind: 'redirect'; location: string } | { kind: 'refused' };

/**
 * Maps a raw request path under `prefix` ('/console/') to a relative file name. The path is
 * percent-decoded segment by segment; a segment that is empty (except the last), '.', '..',
 * or holds '/', '\', NUL or a control character after decoding is refused, so nothing can
 * climb out of the site's folder. The folder itself ('/console/') names index.html; the
 * prefix without its slash redirects to it.
 */
export function sitePath(prefix: string, path: string): SitePath {
  const bare = prefix.slice(0, -1);
  if (path === bare) return { kind: 'redirect', location: prefix };
  if (!path.startsWith(prefix) || path.length > 1024) return { kind: 'refused' };
  const rest = path.slice(prefix.length);
  if (rest === '') return { kind: 'file', rel: 'index.html' };
  const segs: string[] = [];
  const raw = rest.split('/');
  for (let i = 0; i < raw.length; i++) {
    let s: string;
    try {
      s = decodeURIComponent(raw[i]!);
    } catch {
      return { kind: 'refused' };
    }
    if (s === '' || s === '.' || s === '..' || /[\\/\u0000-\u001f\u007f]/.test(s)) return { kind: 'refused' };
    segs.push(s);
  }
  return { kind: 'file', rel: segs.join('/') };
}

export interface StaticSiteOptions {
  /** The folder of the built files (dist/console). */
  root: string;
  /** Where it is served, with both slashes: '/console/'. */
  prefix: string;
  /** More connect-src sources for a request's Host header (the softphone's WebSocket URLs). */
  connectSrc?: (requestHost: string | undefined) => string[];
}

/**
 * The web console's built files, served read-only under one path prefix: GET and HEAD only,
 * the content type by extension (unknown kinds are not served), an ETag of size and mtime
 * with 304 for If-None-Match, `Cache-Control: no-cache` (the browser revalidates; the bundle
 * names are fixed, so this is what keeps a new build from mixing with an old one), and the
 * site's security headers. A path that resolves (symlinks too) outside the folder is 404.
 */
export class StaticSite {
  private readonly root: string | undefined;

  constructor(private readonly o: StaticSiteOptions) {
    let root: string | undefined;
    try {
      root = realpathSync(o.root);
    } catch {
      root = undefined; // not built: every request is 404 with a hint
    }
    this.root = root;
  }

  get prefix(): string {
    return this.o.prefix;
  }

  /** Whether the request path is the site's to answer. */
  handles(path: string): boolean {
    return path === this.o.prefix.slice(0, -1) || path.startsWith(this.o.prefix);
  }

  /** Answers the request; returns the status sent. */
  serve(req: IncomingMessage, res: ServerResponse, path: string): number {
    for (const [k, v] of Object.entries(siteSecurityHeaders(this.o.connectSrc?.(req.headers.host) ?? []))) res.setHeader(k, v);
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return this.plain(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    const p = sitePath(this.o.prefix, path);
    if (p.kind === 'redirect') {
      res.writeHead(301, { Location: p.location, 'Cache-Control': 'no-cache' });
      res.end();
      return 301;
    }
    if (p.kind === 'refused' || this.root === undefined) return this.notFound(res);
    const type = CONTENT_TYPES[extname(p.rel).toLowerCase()];
    if (type === undefined) return this.notFound(res);
    let file: string;
    let size: number;
    let mtimeMs: number;
    try {
      file = realpathSync(join(this.root, p.rel));
      if (!file.startsWith(this.root + sep)) return this.notFound(res);
      const st = statSync(file);
      if (!st.isFile()) return this.notFound(res);
      size = st.size;
      mtimeMs = st.mtimeMs;
    } catch {
      return this.notFound(res);
    }
    const etag = `"${createHash('sha1').update(`${p.rel}:${size}:${mtimeMs}`).digest('base64url').slice(0, 20)}"`;
    const headers = { ETag: etag, 'Cache-Control': 'no-cache' };
    const inm = req.headers['if-none-match'];
    if (typeof inm === 'string' && inm.split(',').some((t) => t.trim() === etag)) {
      res.writeHead(304, headers);
      res.end();
      return 304;
    }
    res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': String(size) });
    if (method === 'HEAD' || size === 0) {
      res.end();
      return 200;
    }
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
    return 200;
  }

  private notFound(res: ServerResponse): number {
    const hint = this.root === undefined ? 'the console is not built (npm run build:console)' : 'not found';
    res.writeHead(404, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify({ error: { code: 'not_found', message: hint } }));
    return 404;
  }

  private plain(res: ServerResponse, status: number, text: string, headers: Record<string, string>): number {
    res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(text);
    return status;
  }
}
