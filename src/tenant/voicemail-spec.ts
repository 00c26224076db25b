/**
 * A tenant's voicemail boxes as declared (tenant file or API) and as the store keeps them:
 * every extension has a box of its number unless its `voicemail.enabled` is false, plus the
 * shared boxes of `voicemailBoxes`. Validated with the tenant spec (a PIN of letters is a
 * problem at its path); at apply the PIN becomes its scrypt hash, and a stored hash that
 * already verifies the declared PIN is kept (re-applying the same file changes nothing).
 * `pbx tenant export` writes the hash back as `pinHash`.
 */
import type { Destination } from '../model/routing-plan.js';
import { hashPin, isPinHash, isValidPin, verifyPin, VOICEMAIL_PIN_PROBLEM } from './voicemail-pin.js';
import type { MwiMode, VoicemailBoxRow } from '../store/voicemail-table.js';

export interface VoicemailSettingsSpec {
  enabled?: boolean;
  pin?: string;
  pinHash?: string;
  email?: string;
  maxMessages?: number;
  maxSeconds?: number;
  allowNoPinFromOwnPhone?: boolean;
  mwi?: MwiMode;
  operator?: Destination;
}

export interface VoicemailBoxSpec extends Omit<VoicemailSettingsSpec, 'enabled' | 'allowNoPinFromOwnPhone' | 'mwi'> {
  box: string;
  name?: string;
  members?: readonly string[];
}

/** A box ready to store, but for its PIN: `pin` in clear (hashed at apply) or a hash. */
export interface VoicemailBoxDecl {
  row: Omit<VoicemailBoxRow, 'pinHash'>;
  pin?: string;
  pinHash?: string;
}

const BOX_RE = /^[0-9]{1,32}$/;

function checkCommon(v: VoicemailSettingsSpec | VoicemailBoxSpec, at: string, bad: (path: string, message: string) => void): boolean {
  let ok = true;
  const fail = (p: string, m: string) => {
    ok = false;
    bad(`${at}.${p}`, m);
  };
  if (v.pin !== undefined && !isValidPin(v.pin)) fail('pin', `a voicemail PIN ${VOICEMAIL_PIN_PROBLEM}`);
  if (v.pinHash !== undefined && !isPinHash(v.pinHash)) fail('pinHash', 'must be a PIN hash as pbx tenant export writes it');
  if (v.pin !== undefined && v.pinHash !== undefined) fail('pinHash', 'give either pin or pinHash, not both');
  if (v.email !== undefined && (typeof v.email !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.email) || v.email.length > 254)) fail('email', 'not an e-mail address');
  if (v.maxMessages !== undefined && (!Number.isInteger(v.maxMessages) || v.maxMessages < 1 || v.maxMessages > 10_000)) fail('maxMessages', 'must be a whole number from 1 to 10000');
  if (v.maxSeconds !== undefined && (!Number.isInteger(v.maxSeconds) || v.maxSeconds < 5 || v.maxSeconds > 3600)) fail('maxSeconds', 'must be a whole number from 5 to 3600');
  return ok;
}

/** Every box of the tenant, or problems reported through `bad`. */
export function validateVoicemail(
  extensions: ReadonlyArray<{ ext: string; voicemail?: VoicemailSettingsSpec }>,
  shared: readonly VoicemailBoxSpec[] | undefined,
  bad: (path: string, message: string) => void,
): VoicemailBoxDecl[] {
  const out: VoicemailBoxDecl[] = [];
  const exts = new Set(extensions.map((e) => e?.ext));
  extensions.forEach((x, i) => {
    const v = x?.voicemail ?? {};
    const at = `extensions[${i}].voicemail`;
    if (typeof v !== 'object' || v === null) return bad(at, 'must be a mapping');
    if (!checkCommon(v, at, bad)) return;
    if (v.mwi !== undefined && !['subscribe', 'unsolicited', 'both'].includes(v.mwi)) return bad(`${at}.mwi`, 'must be subscribe, unsolicited or both');
    if (v.enabled === false) return;
    out.push({
      row: {
        box: x.ext,
        ownerExt: x.ext,
        enabled: true,
        allowNoPinFromOwnPhone: v.allowNoPinFromOwnPhone ?? true,
        ...(v.email !== undefined ? { email: v.email } : {}),
        ...(v.maxMessages !== undefined ? { maxMessages: v.maxMessages } : {}),
        ...(v.maxSeconds !== undefined ? { maxSeconds: v.maxSeconds } : {}),
        ...(v.mwi !== undefined ? { mwi: v.mwi } : {}),
        ...(v.operator !== undefined ? { operator: v.operator } : {}),
      },
      ...(v.pin !== undefined ? { pin: v.pin } : {}),
      ...(v.pinHash !== undefined ? { pinHash: v.pinHash } : {}),
    });
  });
  const seen = new Set<string>();
  (shared ?? []).forEach((b, i) => {
    const at = `voicemailBoxes[${i}]`;
    if (typeof b?.box !== 'string' || !BOX_RE.test(b.box)) return bad(`${at}.box`, 'a box number is 1 to 32 digits');
    if (exts.has(b.box)) return bad(`${at}.box`, `${b.box} is an extension of this tenant, which has its own box of that number`);
    if (seen.has(b.box)) return bad(`${at}.box`, `box ${b.box} is listed twice`);
    seen.add(b.box);
    if (!checkCommon(b, at, bad)) return;
    if (b.pin === undefined && b.pinHash === undefined) return bad(`${at}.pin`, 'a shared box needs a pin (4 to 16 digits)');
    const unknown = (b.members ?? []).findIndex((m) => !exts.has(m));
    if (unknown >= 0) return bad(`${at}.members[${unknown}]`, `${b.members![unknown]} is not an extension of this tenant`);
    out.push({
      row: {
        box: b.box,
        enabled: true,
        allowNoPinFromOwnPhone: false,
        ...(b.name !== undefined ? { name: b.name } : {}),
        ...(b.email !== undefined ? { email: b.email } : {}),
        ...(b.maxMessages !== undefined ? { maxMessages: b.maxMessages } : {}),
        ...(b.maxSeconds !== undefined ? { maxSeconds: b.maxSeconds } : {}),
        ...(b.members !== undefined ? { members: [...b.members] } : {}),
        ...(b.operator !== undefined ? { operator: b.operator } : {}),
      },
      ...(b.pin !== undefined ? { pin: b.pin } : {}),
      ...(b.pinHash !== undefined ? { pinHash: b.pinHash } : {}),
    });
  });
  return out;
}

/**
 * The rows to store: a declared PIN keeps the stored hash when that hash verifies it; a box
 * whose file declares no PIN at all keeps the PIN its owner set (phone menu or API), so a
 * re-apply (every start of a file-managed tenant) does not silently remove it. A PIN in
 * the file is the operator's and wins over one set since.
 */
export function boxRows(decls: readonly VoicemailBoxDecl[], stored: (box: string) => string | undefined): VoicemailBoxRow[] {
  return decls.map((d) => {
    const old = stored(d.row.box);
    const pinHash = d.pinHash ?? (d.pin !== undefined ? (old !== undefined && verifyPin(d.pin, old) ? old : hashPin(d.pin)) : old);
    return { ...d.row, ...(pinHash !== undefined ? { pinHash } : {}) };
  });
}

/** The stored boxes as the spec would declare them (export): per extension, and shared. */
export function voicemailSpecOf(rows: readonly VoicemailBoxRow[], extensions: readonly string[]): { perExtension: Map<string, VoicemailSettingsSpec>; shared: VoicemailBoxSpec[] } {
  const perExtension = new Map<string, VoicemailSettingsSpec>();
  const byBox = new Map(rows.map((r) => [r.box, r]));
  for (const ext of extensions) {
    const r = byBox.get(ext);
    if (!r || r.ownerExt !== ext) {
      perExtension.set(ext, { enabled: false });
      continue;
    }
    const v: VoicemailSettingsSpec = {};
    if (r.pinHash !== undefined) v.pinHash = r.pinHash;
    if (r.email !== undefined) v.email = r.email;
    if (r.maxMessages !== undefined) v.maxMessages = r.maxMessages;
    if (r.maxSeconds !== undefined) v.maxSeconds = r.maxSeconds;
    if (!r.allowNoPinFromOwnPhone) v.allowNoPinFromOwnPhone = false;
    if (r.mwi !== undefined) v.mwi = r.mwi;
    if (r.operator !== undefined) v.operator = r.operator as Destination;
    if (Object.keys(v).length > 0) perExtension.set(ext, v);
  }
  const shared: VoicemailBoxSpec[] = rows
    .filter((r) => r.ownerExt === undefined)
    .map((r) => ({
      box: r.box,
      ...(r.name !== undefined ? { name: r.name } : {}),
      ...(r.pinHash !== undefined ? { pinHash: r.pinHash } : {}),
      ...(r.email !== undefined ? { email: r.email } : {}),
      ...(r.maxMessages !== undefined ? { maxMessages: r.maxMessages } : {}),
      ...(r.maxSeconds !== undefined ? { maxSeconds: r.maxSeconds } : {}),
      ...(r.members !== undefined ? { members: [...r.members] } : {}),
      ...(r.operator !== undefined ? { operator: r.operator as Destination } : {}),
    }));
  return { perExtension, shared };
}
