/**
 * Apply's step for voicemail boxes: the tenant's voicemail_boxes become exactly the
 * declared ones (inside apply's transaction, on the attached tenant file `t`). Messages are
 * not touched: a box dropped from the file keeps its messages on disk and in the index.
 */
import type Database from 'better-sqlite3';
import { boxRows, type VoicemailBoxDecl } from './voicemail-spec.js';

const COLS = 'box, owner_ext, name, pin_hash, email, enabled, max_messages, max_seconds, allow_no_pin, mwi, members, operator';

/** True when the stored boxes changed. */
export function syncVoicemail(db: Database.Database, t: string, decls: readonly VoicemailBoxDecl[]): boolean {
  const before = db.prepare<[], Record<string, unknown>>(`SELECT ${COLS} FROM ${t}.voicemail_boxes ORDER BY box`).all();
  const hashes = new Map(before.map((r) => [r['box'] as string, (r['pin_hash'] as string | null) ?? undefined]));
  const rows = boxRows(decls, (box) => hashes.get(box));
  const after = rows
    .map((b) => ({
      box: b.box,
      owner_ext: b.ownerExt ?? null,
      name: b.name ?? null,
      pin_hash: b.pinHash ?? null,
      email: b.email ?? null,
      enabled: b.enabled ? 1 : 0,
      max_messages: b.maxMessages ?? null,
      max_seconds: b.maxSeconds ?? null,
      allow_no_pin: b.allowNoPinFromOwnPhone ? 1 : 0,
      mwi: b.mwi ?? null,
      members: b.members ? JSON.stringify(b.members) : null,
      operator: b.operator !== undefined ? JSON.stringify(b.operator) : null,
    }))
    .sort((a, b) => (a.box < b.box ? -1 : a.box > b.box ? 1 : 0));
  if (JSON.stringify(before) === JSON.stringify(after)) return false;
  db.prepare(`DELETE FROM ${t}.voicemail_boxes`).run();
  const insert = db.prepare(`INSERT INTO ${t}.voicemail_boxes (${COLS}) VALUES (@box, @owner_ext, @name, @pin_hash, @email, @enabled, @max_messages, @max_seconds, @allow_no_pin, @mwi, @members, @operator)`);
  for (const r of after) insert.run(r);
  return true;
}
