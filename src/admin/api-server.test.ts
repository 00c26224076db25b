import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger } from '../util/logger.js';
import { ApiServer, authorize, bearerToken } from './api-server.js';
import { ApiError, notFound, type Principal, type RouteDef } from './api-types.js';

const PRINCIPALS: Record<string, Principal> = {
  prov: { role: 'provider', tokenId: 'p' },
  adminA: { role: 'tenant-admin', tokenId: 'ta', tenantId: 'a' },
  userA: { role: 'user', tokenId: 'ua', tenantId: 'a', ext: '1001' },
};

const route = (path: string, roles: RouteDef['roles']) => ({ path, roles });

test('scope rules: foreign tenant or extension is 404, a visible resource with the wrong role is 403', () => {
  const { prov, adminA, userA } = PRINCIPALS as Required<typeof PRINCIPALS>;
  const r = route('/tenants/{tenantId}', ['provider', 'tenant-admin']);
  assert.is(authorize(r, prov!, { tenantId: 'b' }), undefined);
  assert.is(authorize(r, adminA!, { tenantId: 'a' }), undefined);
  assert.is(authorize(r, adminA!, { tenantId: 'b' })?.status, 404);
  assert.is(authorize(r, userA!, { tenantId: 'a' })?.status, 403);
  assert.is(authorize(r, userA!, { tenantId: 'b' })?.status, 404);
  const x = route('/tenants/{tenantId}/extensions/{ext}', ['provider', 'tenant-admin', 'user']);
  assert.is(authorize(x, userA!, { tenantId: 'a', ext: '1001' }), undefined);
  assert.is(authorize(x, userA!, { tenantId: 'a', ext: '1002' })?.status, 404);
  assert.is(authorize(x, adminA!, { tenantId: 'a', ext: '1002' }), undefined);
  const p = route('/tenants', ['provider']);
  assert.is(authorize(p, adminA!, {})?.status, 403);
  assert.is(authorize(route('/metricsish', ['tenant-admin']), prov!, {})?.status, 403, 'provider only where listed');
});

test('bearer header parsing', () => {
  assert.is(bearerToken('Bearer abc'), 'abc');
  assert.is(bearerToken('bearer  abc '), 'abc');
  assert.is(bearerToken('Basic abc'), undefined);
  assert.is(bearerToken('Bearer a b'), undefined);
  assert.is(bearerToken(undefined), undefined);
});

const routes: RouteDef<any>[] = [
  {
    method: 'GET',
    path: '/tenants/{tenantId}',
    roles: ['provider', 'tenant-admin'],
    tag: 't',
    summary: 's',
    query: { type: 'object', additionalProperties: false, properties: { n: { type: 'integer', minimum: 1 } } },
    response: { status: 200 },
    handler: ({ params, query, principal }) => {
      if (params['tenantId'] === 'zzz') throw notFound('tenant zzz does not exist');
      return { body: { id: params['tenantId'], n: query['n'] ?? null, by: principal.tokenId } };
    },
  },
  {
    method: 'POST',
    path: '/things',
    roles: ['provider'],
    tag: 't',
    summary: 's',
    body: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string' } } },
    response: { status: 201 },
    handler: ({ body }) => {
      if (body.name === 'boom') throw new Error('secret internals');
      if (body.name === 'taken') throw new ApiError(409, 'taken', 'name taken', { name: 'taken' });
      return { body: { name: body.name } };
    },
  },
  { method: 'DELETE', path: '/things', roles: ['provider'], tag: 't', summary: 's', response: { status: 204 }, handler: () => ({}) },
];

async function withServer(fn: (url: string, log: string[]) => Promise<void>): Promise<void> {
  const logger = memoryLogger('debug');
  const tokens = { verify: (t: string) => ({ P: PRINCIPALS['prov'], A: PRINCIPALS['adminA'], U: PRINCIPALS['userA'] })[t] };
  const server = new ApiServer({ routes, rawRoutes: [{ method: 'GET', path: '/metrics', auth: 'provider', handler: () => ({ text: 'm 1\n', contentType: 'text/plain; version=0.0.4' }) }], tokens, logger });
  const { port } = await server.listen('127.0.0.1', 0);
  try {
    await fn(`http://127.0.0.1:${port}`, logger.lines);
  } finally {
    await server.close();
  }
}

const get = (url: string, token?: string, init: RequestInit = {}) =>
  fetch(url, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string> | undefined) } });

test('authentication, scope, validation and errors over HTTP', () =>
  withServer(async (url, log) => {
    let r = await get(`${url}/api/v1/tenants/a`);
    assert.is(r.status, 401);
    assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
    r = await get(`${url}/api/v1/tenants/a`, 'nope');
    assert.is(r.status, 401);
    assert.match(r.headers.get('www-authenticate') ?? '', /invalid_token/);

    r = await get(`${url}/api/v1/tenants/a?n=3`, 'A');
    assert.is(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(await r.json(), { id: 'a', n: '3', by: 'ta' });

    const foreign = await get(`${url}/api/v1/tenants/b`, 'A');
    const missing = await get(`${url}/api/v1/tenants/zzz`, 'P');
    assert.equal([foreign.status, missing.status], [404, 404]);
    assert.is(await foreign.text(), await missing.text(), 'not yours and not there read the same');

    r = await get(`${url}/api/v1/tenants/a`, 'U');
    assert.is(r.status, 403);
    r = await get(`${url}/api/v1/tenants/a?n=0&x=1`, 'P');
    assert.is(r.status, 422);
    assert.equal(((await r.json()) as any).error.details, [{ path: '/n', message: 'must be >= 1' }, { path: '/x', message: 'is not a known property' }]);

    r = await get(`${url}/api/v1/tenants/a`, 'P', { method: 'PUT' });
    assert.is(r.status, 405);
    assert.is(r.headers.get('allow'), 'GET');
    r = await get(`${url}/api/v1/nothing`, 'P');
    assert.is(r.status, 404);

    const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => get(`${url}/api/v1/things`, 'P', { method: 'POST', body, headers });
    r = await post('{"name":"x"}');
    assert.equal([r.status, await r.json()], [201, { name: 'x' }]);
    r = await post('{"name":');
    assert.equal([r.status, ((await r.json()) as any).error.code], [400, 'invalid_json']);
    r = await post('{"name":1,"more":2}');
    assert.equal([r.status, ((await r.json()) as any).error.details], [422, [{ path: '/name', message: 'must be string, got integer' }, { path: '/more', message: 'is not a known property' }]]);
    r = await post('{"name":"taken"}');
    assert.equal([r.status, await r.json()], [409, { error: { code: 'taken', message: 'name taken', details: { name: 'taken' } } }]);
    r = await post('name=x', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.is(r.status, 415);
    r = await post(JSON.stringify({ name: 'y'.repeat(1024 * 1024 + 10) }));
    assert.equal([r.status, ((await r.json()) as any).error.code], [413, 'body_too_large']);
    r = await post('{"name":"boom"}');
    const body = await r.json();
    assert.is(r.status, 500);
    assert.not.match(JSON.stringify(body), /secret internals|at /);
    const id = r.headers.get('x-request-id')!;
    assert.ok(log.some((l) => l.includes('api handler failed') && l.includes(id) && l.includes('secret internals')), 'logged with the request id');
    r = await get(`${url}/api/v1/things`, 'P', { method: 'DELETE' });
    assert.equal([r.status, await r.text()], [204, '']);

    r = await get(`${url}/api/v1/tenants/a`, 'P', { headers: { 'x-request-id': 'abc-123' } });
    assert.is(r.headers.get('x-request-id'), 'abc-123');
    assert.ok(log.some((l) => /api request .*requestId=abc-123.*status=200.*token=p/.test(l)));

    r = await get(`${url}/metrics`);
    assert.is(r.status, 401);
    r = await get(`${url}/metrics`, 'A');
    assert.is(r.status, 403);
    r = await get(`${url}/metrics`, 'P');
    assert.equal([r.status, r.headers.get('content-type'), await r.text()], [200, 'text/plain; version=0.0.4', 'm 1\n']);
  }));

test('listen reports the bound port; a taken port is an error', async () => {
  const a = new ApiServer({ routes: [], tokens: { verify: () => undefined }, logger: memoryLogger() });
  const { port } = await a.listen('127.0.0.1', 0);
  assert.ok(port > 0);
  assert.equal(a.address, { host: '127.0.0.1', port });
  const b = new ApiServer({ routes: [], tokens: { verify: () => undefined }, logger: memoryLogger() });
  try {
    await b.listen('127.0.0.1', port);
    assert.unreachable('should not listen twice on one port');
  } catch (e) {
    assert.match(String(e), /EADDRINUSE/);
  }
  await a.close();
  await b.close();
});

test.run();
