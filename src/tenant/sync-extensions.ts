import type Database from 'better-sqlite3';
import { algorithmsToSql } from '../model/auth-algorithms.js';
import type { ValidTenantSpec } from './tenant-spec.js';

export interface ExtensionChanges {
  added: string[];
  updated: string[];
  removed: string[];
  unchanged: number;
  /** Bindings dropped because their extension was removed or disabled. */
  bindingsRemoved: number;
}

interface CurrentRow {
  ext: string;
  name: string;
  enabled: number;
  max_contacts: number | null;
  ha1_md5: string;
  ha1_sha256: string;
  realm: string;
  class_of_service: string;
  caller_id: string | null;
  auth_algorithms: string | null;
  recording: string | null;
}

/**
 * Makes the extensions table in `schema` (an attached tenant database) match the
 * spec, inside the caller's transaction. Rows are updated in place, never
 * replaced, so an unchanged or re-passworded extension keeps its bindings; a
 * removed or disabled one loses them (a disabled extension must not be reached).
 */
export function syncExtensions(db: Database.Database, schema: string, spec: ValidTenantSpec, now: number): ExtensionChanges {
  const current = new Map<string, CurrentRow>();
  for (const r of db.prepare<[], CurrentRow>(`SELECT ext, name, enabled, max_contacts, ha1_md5, ha1_sha256, realm, class_of_service, caller_id, auth_algorithms, recording FROM ${schema}.extensions`).all()) {
    current.set(r.ext, r);
  }
  const insert = db.prepare(
    `INSERT INTO ${schema}.extensions (ext, name, enabled, max_contacts, ha1_md5, ha1_sha256, realm, class_of_service, caller_id, auth_algorithms, recording, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const update = db.prepare(
    `UPDATE ${schema}.extensions SET name = ?, enabled = ?, max_contacts = ?, ha1_md5 = ?, ha1_sha256 = ?, realm = ?, class_of_service = ?, caller_id = ?,
       auth_algorithms = ?, recording = ?, updated_at = ? WHERE ext = ?`,
  );
  const dropBindings = db.prepare(`DELETE FROM ${schema}.bindings WHERE aor = ?`);
  const remove = db.prepare(`DELETE FROM ${schema}.extensions WHERE ext = ?`);

  const out: ExtensionChanges = { added: [], updated: [], removed: [], unchanged: 0, bindingsRemoved: 0 };
  for (const x of spec.extensions) {
    const ha1 = x.ha1;
    const enabled = x.enabled ? 1 : 0;
    const maxContacts = x.maxContacts ?? null;
    const callerId = x.callerId ?? null;
    const algorithms = x.algorithms ? algorithmsToSql(x.algorithms) : null;
    // The file decides the extension's recording policy: absent is NULL (the tenant's).
    const recording = x.recording ?? null;
    const row = current.get(x.ext);
    current.delete(x.ext);
    if (!row) {
      insert.run(x.ext, x.name, enabled, maxContacts, ha1.MD5, ha1['SHA-256'], spec.realm, x.classOfService, callerId, algorithms, recording, now);
      out.added.push(x.ext);
      continue;
    }
    const same =
      row.name === x.name &&
      row.enabled === enabled &&
      row.max_contacts === maxContacts &&
      row.ha1_md5 === ha1.MD5 &&
      row.ha1_sha256 === ha1['SHA-256'] &&
      row.realm === spec.realm &&
      row.class_of_service === x.classOfService &&
      row.caller_id === callerId &&
      row.auth_algorithms === algorithms &&
      row.recording === recording;
    if (same) {
      out.unchanged++;
      continue;
    }
    update.run(x.name, enabled, maxContacts, ha1.MD5, ha1['SHA-256'], spec.realm, x.classOfService, callerId, algorithms, recording, now, x.ext);
    if (!enabled && row.enabled) out.bindingsRemoved += dropBindings.run(x.ext).changes;
    out.updated.push(x.ext);
  }
  for (const ext of current.keys()) {
    out.bindingsRemoved += dropBindings.run(ext).changes;
    remove.run(ext);
    out.removed.push(ext);
  }
  out.added.sort();
  out.updated.sort();
  out.removed.sort();
  return out;
}
