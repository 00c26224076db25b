/**
 * The voicemail of one tenant (issue 11, point 2): its boxes and the index of their
 * messages. A message's audio is a WAV file in the tenant's folder
 * (`voicemail/<box>/<id>.wav`, both parts built by the PBX: a box is digits, an id is
 * generated, see voicemail-ids in src/apps/voicemail); `file` is relative to the tenant's folder.
 *
 * Life of a message row: 'recording' is written BEFORE the recorder opens the file, then
 * 'new' once the deposit is kept (or the row and file go when it is dropped: too short,
 * silence), 'old' once listened to or saved. A row left 'recording' by a crash is finished
 * at start from the file's WAV header (voicemail-recovery.ts).
 */
import type Database from 'better-sqlite3';

export type VoicemailFolder = 'recording' | 'new' | 'old';
export type MwiMode = 'subscribe' | 'unsolicited' | 'both';

/** One box as stored: settings from the tenant file, the PIN as its scrypt hash. */
export interface VoicemailBoxRow {
  box: string;
  /** The extension whose box this is (box === ext); absent for a shared box. */
  ownerExt?: string;
  name?: string;
  /** voicemail-pin.ts hash; absent: no PIN set (only the owner's own phone may log in, if allowed). */
  pinHash?: string;
  email?: string;
  enabled: boolean;
  maxMessages?: number;
  maxSeconds?: number;
  allowNoPinFromOwnPhone: boolean;
  mwi?: MwiMode;
  /** Extensions of a shared box (its users: API, MWI). */
  members?: string[];
  /** Where 0 during a deposit goes (a destination as JSON of the routing plan's shape). */
  operator?: unknown;
}

export interface VoicemailMessageRow {
  id: string;
  box: string;
  callerNumber?: string;
  callerName?: string;
  receivedAt: number;
  durationMs: number;
  folder: VoicemailFolder;
  bytes: number;
  /** Relative to the tenant's folder. */
  file: string;
}

export interface VoicemailCounts {
  new: number;
  old: number;
}

interface BoxSql {
  box: string;
  owner_ext: string | null;
  name: string | null;
  pin_hash: string | null;
  email: string | null;
  enabled: number;
  max_messages: number | null;
  max_seconds: number | null;
  allow_no_pin: number;
  mwi: string | null;
  members: string | null;
  operator: string | null;
}

interface MessageSql {
  id: string;
  box: string;
  caller_number: string | null;
  caller_name: string | null;
  received_at: number;
  duration_ms: number;
  folder: string;
  bytes: number;
  file: string;
}

const BOX_COLS = 'box, owner_ext, name, pin_hash, email, enabled, max_messages, max_seconds, allow_no_pin, mwi, members, operator';
const MSG_COLS = 'id, box, caller_number, caller_name, received_at, duration_ms, folder, bytes, file';

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function boxFromSql(r: BoxSql): VoicemailBoxRow {
  const members = parseJson(r.members);
  const operator = parseJson(r.operator);
  return {
    box: r.box,
    ...(r.owner_ext !== null ? { ownerExt: r.owner_ext } : {}),
    ...(r.name !== null ? { name: r.name } : {}),
    ...(r.pin_hash !== null ? { pinHash: r.pin_hash } : {}),
    ...(r.email !== null ? { email: r.email } : {}),
    enabled: r.enabled === 1,
    ...(r.max_messages !== null ? { maxMessages: r.max_messages } : {}),
    ...(r.max_seconds !== null ? { maxSeconds: r.max_seconds } : {}),
    allowNoPinFromOwnPhone: r.allow_no_pin === 1,
    ...(r.mwi === 'subscribe' || r.mwi === 'unsolicited' || r.mwi === 'both' ? { mwi: r.mwi } : {}),
    ...(Array.isArray(members) ? { members: members.filter((m): m is string => typeof m === 'string') } : {}),
    ...(operator !== undefined ? { operator } : {}),
  };
}

function boxToParams(b: VoicemailBoxRow): Array<string | number | null> {
  return [
    b.box,
    b.ownerExt ?? null,
    b.name ?? null,
    b.pinHash ?? null,
    b.email ?? null,
    b.enabled ? 1 : 0,
    b.maxMessages ?? null,
    b.maxSeconds ?? null,
    b.allowNoPinFromOwnPhone ? 1 : 0,
    b.mwi ?? null,
    b.members ? JSON.stringify(b.members) : null,
    b.operator !== undefined ? JSON.stringify(b.operator) : null,
  ];
}

function messageFromSql(r: MessageSql): VoicemailMessageRow {
  return {
    id: r.id,
    box: r.box,
    ...(r.caller_number !== null ? { callerNumber: r.caller_number } : {}),
    ...(r.caller_name !== null ? { callerName: r.caller_name } : {}),
    receivedAt: r.received_at,
    durationMs: r.duration_ms,
    folder: r.folder === 'new' || r.folder === 'old' ? r.folder : 'recording',
    bytes: r.bytes,
    file: r.file,
  };
}

export class VoicemailTable {
  private readonly st;
  private readonly replaceTx: (boxes: readonly VoicemailBoxRow[]) => boolean;

  constructor(db: Database.Database) {
    this.st = {
      box: db.prepare<[string], BoxSql>(`SELECT ${BOX_COLS} FROM voicemail_boxes WHERE box = ?`),
      boxes: db.prepare<[], BoxSql>(`SELECT ${BOX_COLS} FROM voicemail_boxes ORDER BY box`),
      upsertBox: db.prepare(`INSERT OR REPLACE INTO voicemail_boxes (${BOX_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      deleteBox: db.prepare<[string]>('DELETE FROM voicemail_boxes WHERE box = ?'),
      setPin: db.prepare<[string, string]>('UPDATE voicemail_boxes SET pin_hash = ? WHERE box = ?'),
      insertMsg: db.prepare<[string, string, string | null, string | null, number, string]>(
        `INSERT INTO voicemail_messages (id, box, caller_number, caller_name, received_at, folder, file) VALUES (?, ?, ?, ?, ?, 'recording', ?)`,
      ),
      finishMsg: db.prepare<[number, number, string]>(`UPDATE voicemail_messages SET duration_ms = ?, bytes = ?, folder = 'new' WHERE id = ? AND folder = 'recording'`),
      msg: db.prepare<[string], MessageSql>(`SELECT ${MSG_COLS} FROM voicemail_messages WHERE id = ?`),
      msgsOf: db.prepare<[string], MessageSql>(`SELECT ${MSG_COLS} FROM voicemail_messages WHERE box = ? AND folder != 'recording' ORDER BY received_at, id`),
      setFolder: db.prepare<[string, string]>(`UPDATE voicemail_messages SET folder = ? WHERE id = ? AND folder != 'recording'`),
      deleteMsg: db.prepare<[string]>('DELETE FROM voicemail_messages WHERE id = ?'),
      counts: db.prepare<[string], { folder: string; n: number }>(`SELECT folder, COUNT(*) AS n FROM voicemail_messages WHERE box = ? GROUP BY folder`),
      unfinished: db.prepare<[], MessageSql>(`SELECT ${MSG_COLS} FROM voicemail_messages WHERE folder = 'recording'`),
      allFiles: db.prepare<[], string>('SELECT file FROM voicemail_messages').pluck(),
    };
    this.replaceTx = db.transaction((boxes: readonly VoicemailBoxRow[]) => {
      let changed = false;
      const keep = new Set(boxes.map((b) => b.box));
      for (const old of this.st.boxes.all()) {
        if (!keep.has(old.box)) {
          this.st.deleteBox.run(old.box);
          changed = true;
        }
      }
      for (const b of boxes) {
        const before = this.st.box.get(b.box);
        const params = boxToParams(b);
        if (before && JSON.stringify(boxToParams(boxFromSql(before))) === JSON.stringify(params)) continue;
        this.st.upsertBox.run(...params);
        changed = true;
      }
      return changed;
    });
  }

  box(box: string): VoicemailBoxRow | undefined {
    const r = this.st.box.get(box);
    return r ? boxFromSql(r) : undefined;
  }

  boxes(): VoicemailBoxRow[] {
    return this.st.boxes.all().map(boxFromSql);
  }

  /** Makes the boxes exactly these (apply of the tenant file); true when anything changed. Messages stay. */
  replaceBoxes(boxes: readonly VoicemailBoxRow[]): boolean {
    return this.replaceTx(boxes);
  }

  /** A PIN changed from the phone; false when there is no such box. */
  setPinHash(box: string, hash: string): boolean {
    return this.st.setPin.run(hash, box).changes === 1;
  }

  /** The row of a deposit about to be recorded (folder 'recording'). */
  startMessage(m: { id: string; box: string; callerNumber?: string; callerName?: string; receivedAt: number; file: string }): void {
    this.st.insertMsg.run(m.id, m.box, m.callerNumber ?? null, m.callerName ?? null, m.receivedAt, m.file);
  }

  /** The deposit is kept: folder 'new'. False when the row is not 'recording' (gone, or finished). */
  finishMessage(id: string, durationMs: number, bytes: number): boolean {
    return this.st.finishMsg.run(Math.max(0, Math.round(durationMs)), Math.max(0, Math.round(bytes)), id).changes === 1;
  }

  message(id: string): VoicemailMessageRow | undefined {
    const r = this.st.msg.get(id);
    return r ? messageFromSql(r) : undefined;
  }

  /** The finished messages of a box, oldest first. */
  messages(box: string): VoicemailMessageRow[] {
    return this.st.msgsOf.all(box).map(messageFromSql);
  }

  /** new/old of a finished message; false for a message still recording or gone. */
  setFolder(id: string, folder: 'new' | 'old'): boolean {
    return this.st.setFolder.run(folder, id).changes === 1;
  }

  deleteMessage(id: string): boolean {
    return this.st.deleteMsg.run(id).changes === 1;
  }

  /** Messages of a box by folder ('recording' ones count against maxMessages, not here). */
  counts(box: string): VoicemailCounts & { recording: number } {
    const c = { new: 0, old: 0, recording: 0 };
    for (const r of this.st.counts.all(box)) {
      if (r.folder === 'new' || r.folder === 'old' || r.folder === 'recording') c[r.folder] = r.n;
    }
    return c;
  }

  /** Rows left 'recording' (a crash), for recovery at start. */
  unfinished(): VoicemailMessageRow[] {
    return this.st.unfinished.all().map(messageFromSql);
  }

  /** Every indexed file (relative), for the start-up scan of files without a row. */
  indexedFiles(): Set<string> {
    return new Set(this.st.allFiles.all());
  }
}
