/**
 * Who may log in to the console, and as what:
 *  - "1001@acme.example": extension 1001 of the tenant that owns the domain acme.example
 *    (any of its domains), with its web password (web_logins); role `tenant-admin` when the
 *    extension is marked webAdmin, else `user` (scoped to that extension);
 *  - a name without '@': a provider account of pbx.yaml `console.providers`.
 * A tenant that is deleted or disabled, a disabled or removed extension, an extension
 * without a web password: no account. Every lookup answers the same shape, so a wrong
 * name and a wrong password cannot be told apart (login-routes.ts verifies a dummy hash).
 */
import type { TenantStore } from '../store/tenant-store.js';
import type { SystemStore } from '../store/system-store.js';
import type { Principal } from './api-types.js';
import type { ConsoleAccount, ConsoleSession } from './console-sessions.js';

export interface ConsoleAccountsDeps {
  system: Pick<SystemStore, 'domainOwner' | 'getTenant'>;
  store(tenantId: string): Pick<TenantStore, 'getExtension' | 'webLogins'>;
  providers: () => ReadonlyArray<{ name: string; passwordHash: string }>;
}

/** An account as found: the principal a session gets, and the extension (also of a tenant admin). */
export type FoundAccount = ConsoleAccount;

const EXT_RE = /^[A-Za-z0-9+][A-Za-z0-9+._-]{0,31}$/;
const MAX_USERNAME = 320;

export class ConsoleAccounts {
  constructor(private readonly d: ConsoleAccountsDeps) {}

  /** The account of a username, or undefined (unknown, or not allowed to log in now). */
  lookup(username: string): FoundAccount | undefined {
    if (typeof username !== 'string' || username.length === 0 || username.length > MAX_USERNAME) return undefined;
    const at = username.lastIndexOf('@');
    if (at < 0) {
      const p = this.d.providers().find((x) => x.name === username);
      if (!p) return undefined;
      return { username, passwordHash: p.passwordHash, principal: { role: 'provider', tokenId: 'web' } };
    }
    const ext = username.slice(0, at);
    const domain = username.slice(at + 1).toLowerCase();
    if (!EXT_RE.test(ext)) return undefined;
    const tenantId = this.d.system.domainOwner(domain);
    if (tenantId === undefined) return undefined;
    const t = this.d.system.getTenant(tenantId);
    if (!t || t.status === 'deleted' || t.status === 'disabled') return undefined;
    const store = this.d.store(tenantId);
    const x = store.getExtension(ext);
    if (!x || !x.enabled) return undefined;
    const login = store.webLogins.get(ext);
    if (login?.passwordHash === undefined) return undefined;
    const principal: Principal = login.webAdmin ? { role: 'tenant-admin', tokenId: 'web', tenantId } : { role: 'user', tokenId: 'web', tenantId, ext };
    return { username: `${ext}@${domain}`, passwordHash: login.passwordHash, principal, ext };
  }

  /**
   * Whether a session may go on: its account still exists, allowed, with the same password
   * hash, role and scope (a changed password or webAdmin flag ends it; so does a tenant
   * deleted or disabled, a domain moved to another tenant, an extension removed).
   */
  stillValid(s: ConsoleSession): boolean {
    let now: FoundAccount | undefined;
    try {
      now = this.lookup(s.username);
    } catch {
      return false;
    }
    return (
      now !== undefined &&
      now.passwordHash === s.passwordHash &&
      now.principal.role === s.principal.role &&
      now.principal.tenantId === s.principal.tenantId &&
      now.principal.ext === s.principal.ext
    );
  }
}
