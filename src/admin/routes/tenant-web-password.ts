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
import { notFound, validationError, type RouteDef } from '../api-types.js';
import { ROLES_WITH_USER } from './tenant-resource-kit.js';

export interface WebPasswordDeps {
  tenant(tenantId: string): TenantContext | undefined;
  clock: Clock;
  /** After the change: end the extension's other console sessions (console-sessions.ts passwordChanged). */
  passwordChanged?(tenantId: string, ext: string, hash: string, byTokenId: string): void;
}

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
  return [put as RouteDef];
}
