import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RouteDef } from './api-types.js';
import { openApiDocument, openApiRoute, operationId } from './openapi.js';
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
  assert.equal(doc.security, [{ bearer: [] }]);
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

test.run();
