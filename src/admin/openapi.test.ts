import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RouteDef } from './api-types.js';
import { ApiServer } from './api-server.js';
import { consoleLoginRoutes, type ConsoleLoginDeps } from './console-login-routes.js';
import { eventStreamRoute, type EventStreamDeps } from './event-stream-route.js';
import { API_PREFIX, openApiDocument, openApiRoute, operationId } from './openapi.js';
import { monitoringRoutes, type MonitoringDeps } from './routes/monitoring.js';
import { memoryLogger } from '../util/logger.js';
import { validateSchema } from './schema-validator.js';

const routes: RouteDef<any>[] = [
  {
    method: 'GET',
    path: '/tenants/{tenantId}/dids',
    roles: ['provider', 'tenant-admin'],
    tag: 'dids',
    summary: 'list',
    query: { type: 'object', required: ['q'], properties: { q: { type: 'string', description: 'filter' }, n: { type: 'integer' } } },
    response: { status: 200, schema: { type: 'object' } },
    handler: () => ({}),
  },
  {
    method: 'POST',
    path: '/tenants',
    roles: ['provider'],
    tag: 'tenants',
    summary: 'create',
    body: { type: 'object', properties: { id: { type: 'string' } } },
    response: { status: 201, schema: { type: 'object' } },
    handler: () => ({}),
  },
  {
    method: 'GET',
    path: '/tenants/{tenantId}/cdrs.csv',
    roles: ['tenant-admin'],
    tag: 'cdrs',
    summary: 'csv',
    params: { tenantId: { type: 'string', maxLength: 3 } },
    response: { status: 200, contentType: 'text/csv' },
    handler: () => ({}),
  },
];

test('paths, parameters, bodies, responses, tags, security and x-roles come from the routes', () => {
  const doc = openApiDocument(routes) as any;
  assert.is(doc.openapi, '3.1.0');
  assert.equal(doc.servers, [{ url: '/api/v1' }]);
  assert.equal(doc.security, [{ bearer: [] }, { session: [] }]);
  assert.equal(doc.components.securitySchemes.session.in, 'cookie');
  assert.is(doc.components.securitySchemes.session.name, 'pbx_session');
  assert.equal(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer', description: 'pbx_<id>_<secret>' });
  assert.equal(doc.tags.map((t: { name: string }) => t.name), ['cdrs', 'dids', 'tenants']);
  const list = doc.paths['/tenants/{tenantId}/dids'].get;
  assert.equal(list['x-roles'], ['provider', 'tenant-admin']);
  assert.is(list.operationId, 'getTenantsByTenantIdDids');
  assert.equal(list.parameters.map((p: any) => [p.name, p.in, p.required]), [['tenantId', 'path', true], ['q', 'query', true], ['n', 'query', false]]);
  assert.is(list.parameters[0].schema.pattern, '^[a-z0-9][a-z0-9-]{0,62}$', 'the shared schema of {tenantId}');
  assert.equal(Object.keys(list.responses).sort(), ['200', '401', '403', '404', '422']);
  const create = doc.paths['/tenants'].post;
  assert.equal(create.requestBody, { required: true, content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'string' } } } } } });
  assert.ok(create.responses['201'] && create.responses['413'] && create.responses['400']);
  assert.equal(create.responses['401'].content['application/json'].schema, { $ref: '#/components/schemas/Error' });
  const csv = doc.paths['/tenants/{tenantId}/cdrs.csv'].get;
  assert.equal(csv.parameters[0].schema, { type: 'string', maxLength: 3 }, "a route's own parameter schema wins");
  assert.equal(Object.keys(csv.responses['200'].content), ['text/csv']);
});

test('operation ids are unique for distinct routes', () => {
  assert.is.not(operationId('GET', '/tenants/{tenantId}'), operationId('GET', '/tenants'));
  assert.is(operationId('POST', '/tenants/{tenantId}/restore-deleted'), 'postTenantsByTenantIdRestoreDeleted');
});

test('the raw route serves the document as JSON without auth', async () => {
  const r = openApiRoute(routes);
  assert.equal([r.method, r.path, r.auth], ['GET', '/api/v1/openapi.json', 'none']);
  const out = await r.handler();
  assert.is(out.contentType, 'application/json');
  const doc = JSON.parse(out.text!);
  assert.ok(doc.paths['/tenants']);
  // The document's own shape is in the validator's subset.
  assert.equal(validateSchema({ type: 'object', required: ['openapi', 'info', 'paths'] }, doc), []);
});

test('every route the server registers is in its document: JSON routes, the console\'s login, session, logout and events, the raw routes, the document itself', async () => {
  // The real route groups; their dependencies are only used when a request arrives.
  const http = [...consoleLoginRoutes({} as ConsoleLoginDeps), eventStreamRoute({ maxStreams: () => 1 } as unknown as EventStreamDeps)];
  const raw = [...monitoringRoutes({ counters: {} } as unknown as MonitoringDeps), { method: 'GET' as const, path: '/', auth: 'none' as const, handler: () => ({ status: 302 }) }];
  const server = new ApiServer({ routes, rawRoutes: raw, httpRoutes: http, tokens: { verify: () => undefined }, logger: memoryLogger(), openApi: {} });
  const addr = await server.listen('127.0.0.1', 0);
  try {
    const r = await fetch(`http://127.0.0.1:${addr.port}${API_PREFIX}/openapi.json`);
    assert.is(r.status, 200);
    const doc = (await r.json()) as any;
    const missing: string[] = [];
    for (const { method, path } of server.registered) {
      const inside = path.startsWith(API_PREFIX);
      const key = inside ? path.slice(API_PREFIX.length) || '/' : path;
      const item = doc.paths[key];
      if (!item?.[method.toLowerCase()]) missing.push(`${method} ${path}`);
      else assert.is(item.servers !== undefined, !inside, `${path}: a path outside ${API_PREFIX} says its own server`);
    }
    assert.equal(missing, []);
    assert.ok(server.registered.length >= routes.length + http.length + raw.length + 1, 'the document itself is registered');
    const ops = Object.values(doc.paths as Record<string, Record<string, any>>).flatMap((item) => Object.entries(item).filter(([k]) => k !== 'servers'));
    assert.is(ops.length, server.registered.length, 'nothing listed that is not registered');
    assert.is(new Set(ops.map(([, op]) => op.operationId)).size, ops.length, 'operation ids are unique');

    const login = doc.paths['/login'].post;
    assert.equal(login.security, [], 'login needs no credentials');
    assert.equal(login.requestBody.content['application/json'].schema.required, ['username', 'password']);
    assert.ok(login.responses['200'].content['application/json'].schema.properties.csrfToken);
    assert.ok(login.responses['200'].headers['Set-Cookie']);
    assert.ok(login.responses['429'].headers['Retry-After']);
    assert.is(login['x-route-kind'], 'http');
    assert.ok(doc.paths['/session'].get.responses['200'].content['application/json'].schema.properties.sipWs);
    assert.ok(doc.paths['/session'].get.responses['401']);
    assert.ok(doc.paths['/logout'].post.responses['204']);
    const events = doc.paths['/events'].get;
    assert.equal(events.security, [{ bearer: [] }, { session: [] }]);
    const sse = events.responses['200'].content['text/event-stream'].schema;
    assert.equal(Object.keys(sse['x-event-data']), ['registration', 'call']);
    assert.equal(doc.paths['/metrics'].get['x-roles'], ['provider']);
    assert.ok(doc.paths['/openapi.json'].get);
    assert.ok(doc.tags.some((t: { name: string }) => t.name === 'console'));
  } finally {
    await server.close();
  }
});

test('a path both under /api/v1 and beside it, or one registered twice, is refused loudly', () => {
  const raw = { method: 'GET' as const, path: '/tenants', auth: 'none' as const, handler: () => ({}) };
  assert.throws(() => openApiDocument(routes, {}, { raw: [raw] }), /both under/);
  const twice = { method: 'GET' as const, path: '/session', auth: 'none' as const, summary: 's', handler: () => ({}) };
  assert.throws(() => openApiDocument(routes, {}, { http: [twice, twice] }), /registered twice/);
});

test.run();
