/** Tenant ids (DESIGN.md, "Tenant isolation"): they name folders, so nothing else is allowed. */
export const TENANT_ID_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
