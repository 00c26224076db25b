import { join } from 'node:path';
import { FIELDS } from '../model/field-rules.js';
import { InvalidTenantIdError } from '../model/tenant-errors.js';

/** DESIGN.md: tenant ids are the only tenant-derived text that becomes part of a path. */
export const TENANT_ID_PATTERN = new RegExp(FIELDS.tenantId.pattern, 'u');

export function isValidTenantId(id: unknown): id is string {
  // JS `$` (no m flag) matches only at the very end, so "acme\n" is refused too.
  return typeof id === 'string' && TENANT_ID_PATTERN.test(id);
}

export function assertTenantId(id: unknown): string {
  if (!isValidTenantId(id)) throw new InvalidTenantIdError(id);
  return id;
}

/** `<dataDir>/tenants/<id>`; the id is validated first, so it can never climb out of dataDir. */
export function tenantDir(dataDir: string, id: string): string {
  return join(dataDir, 'tenants', assertTenantId(id));
}

/** `<dataDir>/tenants/<id>/tenant.sqlite`. */
export function tenantDbFile(dataDir: string, id: string): string {
  return join(tenantDir(dataDir, id), 'tenant.sqlite');
}
