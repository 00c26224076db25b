/** A tenant id that does not match `^[a-z0-9][a-z0-9-]{0,62}$`; nothing of it reached a path. */
export class InvalidTenantIdError extends Error {
  constructor(readonly id: unknown) {
    super(`invalid tenant id ${JSON.stringify(typeof id === 'string' ? id.slice(0, 80) : String(id))}`);
    this.name = 'InvalidTenantIdError';
  }
}

/** A domain is already owned by another tenant; nothing was changed. */
export class DomainConflictError extends Error {
  constructor(
    readonly domain: string,
    readonly owner: string,
    readonly tenantId: string,
  ) {
    super(`domain ${domain} belongs to tenant ${owner}, not ${tenantId}`);
    this.name = 'DomainConflictError';
  }
}

/** A DID (E.164) is already owned by another tenant; nothing was changed. */
export class DidConflictError extends Error {
  constructor(
    readonly number: string,
    readonly owner: string,
    readonly tenantId: string,
  ) {
    super(`DID ${number} belongs to tenant ${owner}, not ${tenantId}`);
    this.name = 'DidConflictError';
  }
}

/** One problem in a tenant spec; `path` names the field, e.g. `extensions[2].password`. */
export interface SpecProblem {
  path: string;
  message: string;
}

/** A tenant spec that cannot be applied; lists every problem found. Nothing was changed. */
export class TenantSpecError extends Error {
  constructor(
    readonly tenantId: string | undefined,
    readonly problems: readonly SpecProblem[],
  ) {
    super(`tenant ${tenantId ?? '?'}: ` + problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    this.name = 'TenantSpecError';
  }
}
