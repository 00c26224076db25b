/** The domain rule lives in src/model, shared with src/config (the tenant YAML). */
export { normalizeDomain } from '../model/domain-name.js';
