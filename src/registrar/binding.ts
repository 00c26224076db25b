import type { BindingRow } from '../store/binding-row.js';
import type { TenantStore } from '../store/tenant-store.js';

/**
 * One registered contact of an address-of-record. The registrar works on the tenant
 * store's rows directly: the AOR, the Contact URI, RFC 5626 instance/reg-id, Call-ID and
 * CSeq for ordering, expiry, and where the REGISTER really came from (the address a
 * phone behind NAT is reached at).
 */
export type Binding = BindingRow;

/** What the registrar needs of a tenant store. */
export type BindingStore = Pick<TenantStore, 'getBindings' | 'replaceBindings'>;
