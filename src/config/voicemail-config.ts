/**
 * Voicemail in a tenant file (issue 11, point 2): per extension
 *   voicemail: { enabled, pin, email, maxMessages, maxSeconds, allowNoPinFromOwnPhone, mwi, operator }
 * (every extension has a box by default, numbered as the extension), and shared boxes
 *   voicemailBoxes: [ { box: "800", name, pin, email, members: [exts], ... } ]
 * A PIN is 4 to 16 digits (quoted: "0123" keeps its zero); `pinHash` (what `pbx tenant
 * export` writes) stands in for it. Pure: the hashing happens at apply (src/tenant).
 */
import { destination } from './destination.js';
import { bool, int, list, object, oneOf, reject, str, strOrNumber, type Schema } from './schema.js';
import type { VoicemailBoxConfig, VoicemailSettingsConfig } from './types.js';

const PIN_RE = /^[0-9]{4,16}$/;
const PIN_HASH_RE = /^scrypt\$[0-9]{1,7}\$[A-Za-z0-9+/]{22,24}={0,2}\$[A-Za-z0-9+/]{43}=?$/;

const pin = () => strOrNumber().to((p) => (PIN_RE.test(p) ? p : reject('a voicemail PIN must be 4 to 16 digits (0-9), nothing else; quote it to keep leading zeros')));
const pinHash = () => str().to((h) => (PIN_HASH_RE.test(h) ? h : reject('must be a PIN hash as pbx tenant export writes it (scrypt$N$salt$hash)')));
const email = () => str({ minLength: 3, maxLength: 254 }).to((e) => (/^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/.test(e) ? e : reject(`'${e}' is not an e-mail address`)));
const boxNumber = () => strOrNumber({ minLength: 1, maxLength: 32 }).to((b) => (/^[0-9]{1,32}$/.test(b) ? b : reject('a box number is 1 to 32 digits')));

const common = {
  pin: pin().optional(),
  pinHash: pinHash().optional(),
  email: email().optional(),
  maxMessages: int({ min: 1, max: 10_000 }).optional(),
  maxSeconds: int({ min: 5, max: 3600 }).optional(),
  /** Where 0 goes during a deposit. */
  operator: destination().optional(),
};

export function voicemailSettings(): Schema<VoicemailSettingsConfig> {
  return object({
    enabled: bool().default(true),
    ...common,
    allowNoPinFromOwnPhone: bool().optional(),
    mwi: oneOf(['subscribe', 'unsolicited', 'both']).optional(),
  }).check((v, where) => {
    if (v.pin !== undefined && v.pinHash !== undefined) where.at('pinHash').report('give either pin or pinHash, not both');
  }) as Schema<VoicemailSettingsConfig>;
}

const shared = object({
  box: boxNumber(),
  name: str({ minLength: 1, maxLength: 100 }).optional(),
  ...common,
  members: list(strOrNumber({ minLength: 1, maxLength: 32 }), { max: 1000, unique: { key: (m) => m, what: 'member' } }).optional(),
}).check((v, where) => {
  if (v.pin !== undefined && v.pinHash !== undefined) where.at('pinHash').report('give either pin or pinHash, not both');
  if (v.pin === undefined && v.pinHash === undefined) where.at('pin').report('a shared box needs a pin (4 to 16 digits)');
});

export function voicemailBoxList(): Schema<VoicemailBoxConfig[]> {
  return list(shared, { max: 10_000, unique: { key: (b) => b.box, what: 'voicemail box', at: 'box' } }) as Schema<VoicemailBoxConfig[]>;
}
