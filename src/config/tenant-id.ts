/** Tenant ids (DESIGN.md, "Tenant isolation"): they name folders, so nothing else is allowed. */
import { FIELDS } from '../model/field-rules.js';

export const TENANT_ID_RE = new RegExp(FIELDS.tenantId.pattern, 'u');
