// The console's static files over a real node:http server on loopback: content types, cache
// validators, and every way out of the folder refused.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sipWsUrls } from './sip-ws-urls.js';
import { SITE_SECURITY_HEADERS, siteSecurityHeaders, sitePath, StaticSite } from './static-site.js';

let dir = '';
let server: Server;
let port = 0;

test.before.each(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pbx-static-'));
  const root = join(dir, 'console');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(root, 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'app.css'), 'body{}');
  writeFileSync(join(root, 'sub', 'a.svg'), '<svg/>');
  writeFileSync(join(root, 'notes.md'), 'secret kind');
  writeFileSync(join(dir, 'secret.txt'), 'outside');
  symlinkSync(join(dir, 'secret.txt'), join(root, 'link.txt'));
  const site = new StaticSite({ root, prefix: '/console/' });
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (site.handles(path)) site.serve(req, res, path);
    else res.writeHead(418).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
test.after.each(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

/** A raw request: the path goes on the request line exactly as given (no URL normalising). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('index.html at /console/, the bundle with its content types, security headers and no-cache', async () => {
  const index = await get('/console/');
  assert.is(index.status, 200);
  assert.is(index.headers['content-type'], 'text/html; charset=utf-8');
  assert.is(index.body, '<!doctype html><title>x</title>');
  assert.is(index.headers['cache-control'], 'no-cache');
  assert.match(String(index.headers['content-security-policy']), /script-src 'self';/);
  assert.not.match(String(index.headers['content-security-policy']), /unsafe-inline/);
  assert.is(index.headers['x-content-type-options'], 'nosniff');
  assert.is((await get('/console/app.js')).headers['content-type'], 'text/javascript; charset=utf-8');
  assert.is((await get('/console/app.css')).headers['content-type'], 'text/css; charset=utf-8');
  assert.is((await get('/console/sub/a.svg')).headers['content-type'], 'image/svg+xml');
  const bare = await get('/console');
  assert.is(bare.status, 301);
  assert.is(bare.headers['location'], '/console/');
});

test('ETag revalidation answers 304; HEAD has the length and no body; other methods 405', async () => {
  const first = await get('/console/app.js');
  const etag = String(first.headers['etag']);
  assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
  const again = await get('/console/app.js', { 'If-None-Match': etag });
  assert.is(again.status, 304);
  assert.is(again.body, '');
  const head = await get('/console/app.js', {}, 'HEAD');
  assert.is(head.status, 200);
  assert.is(head.headers['content-length'], String('console.log(1)'.length));
  assert.is(head.body, '');
  const post = await get('/console/app.js', {}, 'POST');
  assert.is(post.status, 405);
  assert.is(post.headers['allow'], 'GET, HEAD');
});

test('no way out of the folder: dot segments (plain or encoded), encoded slashes and backslashes, NUL, symlinks; unknown kinds and missing files are 404', async () => {
  for (const p of [
    '/console/../secret.txt',
    '/console/%2e%2e/secret.txt',
    '/console/%2E%2E%2Fsecret.txt',
    '/console/sub/..%2f..%2fsecret.txt',
    '/console/..%5csecret.txt',
    '/console/./app.js',
    '/console//app.js',
    '/console/app.js%00.css',
    '/console/%ff',
    '/console/link.txt',
    '/console/notes.md',
    '/console/sub',
    '/console/missing.js',
  ]) {
    const r = await get(p);
    assert.is(r.status, 404, p);
    assert.not.match(r.body, /outside|secret kind/, p);
  }
});

test('sitePath maps the folder to index.html and refuses every climbing segment', () => {
  assert.equal(sitePath('/console/', '/console/'), { kind: 'file', rel: 'index.html' });
  assert.equal(sitePath('/console/', '/console/sub/a%20b.svg'), { kind: 'file', rel: 'sub/a b.svg' });
  assert.equal(sitePath('/console/', '/console'), { kind: 'redirect', location: '/console/' });
  assert.equal(sitePath('/console/', '/consolex/app.js'), { kind: 'refused' });
  assert.equal(sitePath('/console/', '/console/a/../b.js'), { kind: 'refused' });
  assert.equal(sitePath('/console/', '/console/a%2F..%2Fb.js'), { kind: 'refused' });
});

test('a site whose folder was never built answers 404 with a hint', async () => {
  const site = new StaticSite({ root: join(dir, 'nope'), prefix: '/console/' });
  const s2 = createServer((req, res) => site.serve(req, res, req.url ?? '/'));
  await new Promise<void>((r) => s2.listen(0, '127.0.0.1', r));
  const p = (s2.address() as AddressInfo).port;
  const body = await new Promise<string>((resolve) => request({ host: '127.0.0.1', port: p, path: '/console/' }, (res) => { let b = ''; res.on('data', (c) => (b += c)); res.on('end', () => resolve(`${res.statusCode} ${b}`)); }).end());
  await new Promise<void>((r) => s2.close(() => r()));
  assert.match(body, /^404 .*not built/);
});

test("the softphone's WebSocket URLs join connect-src (from the request's Host for a wildcard listener; a hostile Host adds nothing)", async () => {
  const listen = [{ protocol: 'wss', host: '0.0.0.0', port: 7443 }];
  const site = new StaticSite({ root: join(dir, 'console'), prefix: '/console/', connectSrc: (h) => sipWsUrls(listen, h) });
  const s2 = createServer((req, res) => site.serve(req, res, req.url ?? '/'));
  await new Promise<void>((r) => s2.listen(0, '127.0.0.1', r));
  const p = (s2.address() as AddressInfo).port;
  const csp = (host: string) => new Promise<string>((resolve) => request({ host: '127.0.0.1', port: p, path: '/console/', headers: { host } }, (res) => { res.resume(); resolve(String(res.headers['content-security-policy'])); }).end());
  try {
    assert.match(await csp('pbx.example.com:8443'), "connect-src 'self' wss://pbx.example.com:7443;");
    assert.is(await csp("x; script-src 'unsafe-inline'"), SITE_SECURITY_HEADERS['Content-Security-Policy']);
  } finally {
    await new Promise<void>((r) => s2.close(() => r()));
  }
  assert.is(siteSecurityHeaders([]), SITE_SECURITY_HEADERS);
});

test.run();
