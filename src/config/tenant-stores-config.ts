/**
 * pbx.yaml `tenantStores:`: how many tenant SQLite files the server keeps open, and for
 * how long an unused one stays open (src/store/store-pool.ts). Idle tenants then hold no
 * file handle, so ten thousand tenants cost what the active ones cost.
 */
import { int, object } from './schema.js';

export const tenantStoresSchema = object({
  /** At most this many tenant stores open at once; one more closes the least recently used. */
  maxOpen: int({ min: 1, max: 100_000 }).default(256),
  /** A tenant store unused this long is closed (and opened again on its next use). */
  idleSeconds: int({ min: 1, max: 86_400 }).default(300),
});

export interface TenantStoresConfig {
  maxOpen: number;
  idleSeconds: number;
}
