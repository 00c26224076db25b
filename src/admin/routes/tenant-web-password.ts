/**
 * PUT /tenants/{tenantId}/extensions/{ext}/web-password {password}: the extension's console
 * password (issue 14), kept as a scrypt hash apart from its SIP password. A tenant admin of
 * that tenant (or the provider) sets anyone's; a user only its own (run-route.ts scopes it).
 * Allowed on file-managed tenants too: the YAML's webPassword wins again only when the
 * file's declared value changes (sync-web-logins.ts). The other sessions of the extension end.
 */
import type { Clock } from '../../util/clock.js';
import { hashWebPassword, webPasswordProblem } from '../../tenant/web-password.js';
import type { TenantContext } from '../../tenant/tenant-context.js';
import { ApiError, notFound, validationError, type RouteDef } from '../api-types.js';
import { ROLES_WITH_USER } from './tenant-resource-kit.js';

export interface WebPasswordDeps {
  tenant(tenantId: string): TenantContext | undefined;
  clock: Clock;
  /** After the change: end the extension's other console sessions (console-sessions.ts passwordChanged). */
  passwordChanged?(tenantId: string, ext: string, hash: string, byTokenId: string): void;
  /** Who configures the tenant: a file-managed tenant's webAdmin comes from its YAML. */
  managedBy?(tenantId: string): 'file' | 'api' | undefined;
}

const WEB_LOGIN = {
  type: 'object',
  required: ['ext', 'webPassword', 'webAdmin'],
  additionalProperties: false,
  properties: {
    ext: { type: 'string' },
    webPassword: { type: 'boolean', description: 'Whether a web password is set (the extension can log in to the console)' },
    webAdmin: { type: 'boolean', description: "Whether it logs in as its tenant's admin" },
  },
};

export function webPasswordRoutes(d: WebPasswordDeps): RouteDef[] {
  const put: RouteDef<{ password: string }> = {
    method: 'PUT',
    path: '/tenants/{tenantId}/extensions/{ext}/web-password',
    roles: ROLES_WITH_USER,
    tag: 'extensions',
    summary: "Set the extension's console (web) password, 8-128 characters; a user token: its own",
    body: {
      type: 'object',
      required: ['password'],
      additionalProperties: false,
      properties: { password: { type: 'string', minLength: 1, maxLength: 1024, description: 'The new web password (8-128 characters)' } },
    },
    response: { status: 204, description: 'Set; the other console sessions of the extension have ended' },
    handler(req) {
      const tenantId = req.params['tenantId'] ?? '';
      const ext = req.params['ext'] ?? '';
      const t = d.tenant(tenantId);
      if (!t || !t.store.getExtension(ext)) throw notFound();
      const problem = webPasswordProblem(req.body.password);
      if (problem !== undefined) throw validationError([{ path: '/password', message: problem }]);
      const hash = hashWebPassword(req.body.password);
      const now = d.clock.now();
      t.store.webLogins.setPasswordHash(ext, hash, now);
      t.store.appendAudit({ actor: req.principal.tokenId, action: 'extension.web-password', target: ext, at: now });
      d.passwordChanged?.(t.id, ext, hash, req.principal.tokenId);
      return { status: 204 };
    },
  };
  const get: RouteDef = {
    method: 'GET',
    path: '/tenants/{tenantId}/extensions/{ext}/web-login',
    roles: ROLES_WITH_USER,
    tag: 'extensions',
    summary: "The extension's console login: whether it has a web password, whether it is a tenant admin",
    response: { status: 200, schema: WEB_LOGIN },
    handler(req) {
      const t = d.tenant(req.params['tenantId'] ?? '');
      const ext = req.params['ext'] ?? '';
      if (!t || !t.store.getExtension(ext)) throw notFound();
      const w = t.store.webLogins.get(ext);
      return { body: { ext, webPassword: w?.passwordHash !== undefined, webAdmin: w?.webAdmin ?? false } };
    },
  };
  const patch: RouteDef<{ webAdmin: boolean }> = {
    method: 'PATCH',
    path: '/tenants/{tenantId}/extensions/{ext}/web-login',
    roles: ['provider', 'tenant-admin'],
    tag: 'extensions',
    summary: "Make the extension its tenant's console admin or not (409 managed_by_file: set webAdmin in the tenant YAML)",
    body: { type: 'object', required: ['webAdmin'], additionalProperties: false, properties: { webAdmin: { type: 'boolean' } } },
    response: { status: 200, schema: WEB_LOGIN, description: "The login; the extension's sessions end (their role changed)" },
    handler(req) {
      const tenantId = req.params['tenantId'] ?? '';
      const t = d.tenant(tenantId);
      const ext = req.params['ext'] ?? '';
      if (!t || !t.store.getExtension(ext)) throw notFound();
      if (d.managedBy?.(tenantId) === 'file') throw new ApiError(409, 'managed_by_file', `tenant ${tenantId} is configured by its YAML file: set webAdmin there`);
      const now = d.clock.now();
      t.store.webLogins.setWebAdmin(ext, req.body.webAdmin, now);
      t.store.appendAudit({ actor: req.principal.tokenId, action: 'extension.web-admin', target: ext, details: { webAdmin: req.body.webAdmin }, at: now });
      const w = t.store.webLogins.get(ext);
      return { body: { ext, webPassword: w?.passwordHash !== undefined, webAdmin: w?.webAdmin ?? false } };
    },
  };
  return [put as RouteDef, get, patch as RouteDef];
}
