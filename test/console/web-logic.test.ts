// The console's page-side logic that needs no browser, run under Node: the API client against
// a real local HTTP server (CSRF header on mutations only, 422 field problems, 401 → signed
// out), the calls-per-hour buckets of the usage chart, and the forward target a user types.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiClient, ApiFailure, seg } from '../../web/console/api.js';
import { callsPerHour, HOUR } from '../../web/console/calls-per-hour.js';
import { forwardTarget } from '../../web/console/forward-target.js';

let server: Server;
let base = '';
const seen: Array<{ method: string; url: string; csrf: string | undefined; body: string }> = [];

test.before(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, csrf: req.headers['x-csrf-token'] as string | undefined, body });
      if (req.url === '/api/v1/bad') {
        res.writeHead(422, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'validation_failed', message: '/name: too long', details: [{ path: '/name', message: 'too long' }, { path: 7 }] } }));
      } else if (req.url === '/api/v1/gone') {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'unauthorized' } }));
      } else if (req.method === 'DELETE') {
        res.writeHead(204).end();
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ ok: true }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
});
test.after(() => new Promise<void>((r) => server.close(() => r())));

test('the CSRF token goes on POST/PUT/PATCH/DELETE, never on GET; query values are encoded and empty ones left out', async () => {
  const api = new ApiClient(base);
  api.csrfToken = 'tok-123';
  seen.length = 0;
  assert.equal(await api.get('/x', { a: 'b c', empty: '', none: undefined }), { ok: true });
  await api.post('/x', { n: 1 });
  await api.put('/x');
  await api.patch('/x', {});
  await api.del('/x');
  assert.equal(seen.map((s) => [s.method, s.url, s.csrf ?? null]), [
    ['GET', '/api/v1/x?a=b+c', null],
    ['POST', '/api/v1/x', 'tok-123'],
    ['PUT', '/api/v1/x', 'tok-123'],
    ['PATCH', '/api/v1/x', 'tok-123'],
    ['DELETE', '/api/v1/x', 'tok-123'],
  ]);
  assert.is(seen[1]!.body, '{"n":1}');
});

test('a 422 becomes an ApiFailure with its well-formed field problems; a 401 tells the app the session ended', async () => {
  const api = new ApiClient(base);
  let ended = 0;
  api.onUnauthorized = () => ended++;
  try {
    await api.post('/bad', {});
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ApiFailure);
    assert.is((e as ApiFailure).status, 422);
    assert.equal((e as ApiFailure).fields, [{ path: '/name', message: 'too long' }]);
  }
  await api.get('/gone').catch((e: ApiFailure) => assert.is(e.status, 401));
  assert.is(ended, 1);
});

test('a user-given path segment can never add segments or climb', () => {
  assert.is(seg('../globex'), '..%2Fglobex');
  assert.is(seg('a/b?c#d'), 'a%2Fb%3Fc%23d');
});

test('calls per hour: 24 buckets ending at the next full hour; older, newer and unparsable times left out', () => {
  const now = Date.parse('2026-12-07T12:30:00Z');
  const r = callsPerHour(['2026-12-07T12:05:00Z', '2026-12-07T12:59:59Z', '2026-12-07T11:00:00Z', '2026-12-06T13:00:00Z', '2026-12-06T12:59:59Z', '2026-12-07T13:00:00Z', 'garbage'], now);
  assert.is(r.hours.length, 24);
  assert.is(r.hours[0]! * 1000, Date.parse('2026-12-06T13:00:00Z'));
  assert.is(r.hours[23]! * 1000 + HOUR, Date.parse('2026-12-07T13:00:00Z'));
  assert.is(r.calls[23], 2);
  assert.is(r.calls[22], 1);
  assert.is(r.calls[0], 1);
  assert.is(r.calls.reduce((x, y) => x + y, 0), 4);
});

test('forward target: empty is off, +E.164 or a long number is an outside number, else an extension', () => {
  assert.is(forwardTarget('  '), undefined);
  assert.equal(forwardTarget('+4930123456'), { type: 'number', number: '+4930123456' });
  assert.equal(forwardTarget('015112345678'), { type: 'number', number: '015112345678' });
  assert.equal(forwardTarget(' 1002 '), { type: 'extension', ext: '1002' });
});

test.run();
