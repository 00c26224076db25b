/**
 * The SDES a=crypto attribute (RFC 4568 §4, §9.1), for the suites of RFC 4568 §6.2.1/6.2.2:
 *
 *   a=crypto:<tag> <crypto-suite> <key-params> [<session-params>]
 *   key-params = "inline:" base64(master key || master salt) ["|" lifetime] ["|" MKI ":" length]
 *
 * Only what the PBX can honour is read: one key (RFC 4568 §6.1 allows several, with MKIs),
 * no MKI, no session parameters (KDR, UNENCRYPTED_SRTP, ...: §6.3 says a parameter not
 * understood makes the line unusable), a 30-byte key||salt. Any other line is skipped,
 * and the next one considered (§7.1.2: the answerer picks one it supports).
 */
export type SdesSuite = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';

export const SDES_SUITES: readonly SdesSuite[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];

export interface SdesCrypto {
  /** 1*9DIGIT (§9.1). */
  tag: number;
  suite: SdesSuite;
  /** master key (16) || master salt (14). */
  keySalt: Buffer;
}

const KEY_SALT_BYTES = 30;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The value of one a=crypto line, or undefined when it is not one this PBX can use. */
export function parseSdesCrypto(value: string | undefined): SdesCrypto | undefined {
  if (value === undefined || value.length > 512) return undefined;
  const f = value.trim().split(/[ \t]+/);
  if (f.length !== 3) return undefined; // a session parameter we do not know, or a malformed line
  const [tagText, suiteText, keyParams] = f as [string, string, string];
  if (!/^[0-9]{1,9}$/.test(tagText)) return undefined;
  const suite = SDES_SUITES.find((s) => s === suiteText);
  if (!suite) return undefined;
  if (keyParams.includes(';')) return undefined; // several keys (§6.1): each needs an MKI
  if (!/^inline:/i.test(keyParams)) return undefined;
  const parts = keyParams.slice('inline:'.length).split('|');
  const b64 = parts[0]!;
  if (parts.length > 2) return undefined; // an MKI
  if (parts.length === 2 && (parts[1]!.includes(':') || !/^(2\^[0-9]{1,2}|[0-9]{1,20})$/.test(parts[1]!))) return undefined;
  if (b64.length !== 40 || !BASE64.test(b64)) return undefined;
  const keySalt = Buffer.from(b64, 'base64');
  if (keySalt.length !== KEY_SALT_BYTES) return undefined;
  return { tag: Number(tagText), suite, keySalt };
}

/** The value of an a=crypto line carrying `keySalt` (never logged: it is the key). */
export function formatSdesCrypto(c: SdesCrypto): string {
  if (c.keySalt.length !== KEY_SALT_BYTES) throw new RangeError('SDES key||salt must be 30 bytes');
  return `${c.tag} ${c.suite} inline:${c.keySalt.toString('base64')}`;
}
