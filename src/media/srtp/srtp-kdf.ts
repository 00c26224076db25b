import { createCipheriv } from 'node:crypto';

/** Key derivation labels (RFC 3711 §4.3.1, §4.3.2). */
export const LABEL_RTP_ENCRYPTION = 0x00;
export const LABEL_RTP_AUTH = 0x01;
export const LABEL_RTP_SALT = 0x02;
export const LABEL_RTCP_ENCRYPTION = 0x03;
export const LABEL_RTCP_AUTH = 0x04;
export const LABEL_RTCP_SALT = 0x05;

/**
 * The AES-CM PRF of RFC 3711 §4.3.1/§4.3.3 with key_derivation_rate 0 (the SDES default,
 * RFC 4568 §6.3.3: keys are derived once, "r" = 0): x = label·2^48 XOR master_salt,
 * and the session key is the AES-CM keystream under the master key with IV = x·2^16,
 * cut to `length` bytes. Runs once per stream at setup, never per packet.
 */
export function deriveSessionKey(masterKey: Uint8Array, masterSalt: Uint8Array, label: number, length: number): Buffer {
  if (masterKey.length !== 16) throw new RangeError('SRTP master key must be 16 bytes');
  if (masterSalt.length !== 14) throw new RangeError('SRTP master salt must be 14 bytes');
  const iv = Buffer.alloc(16);
  iv.set(masterSalt, 0);
  // key_id = label || r (r = 0, 48 bits): label sits at byte 7 of the 14-byte salt (bits 48..55).
  iv[7] ^= label;
  const cipher = createCipheriv('aes-128-ctr', masterKey, iv);
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

/** The three session keys of one direction (RTP or RTCP). */
export interface SessionKeys {
  cipherKey: Buffer;
  cipherSalt: Buffer;
  authKey: Buffer;
}

export function deriveSessionKeys(masterKey: Uint8Array, masterSalt: Uint8Array, rtcp: boolean): SessionKeys {
  return {
    cipherKey: deriveSessionKey(masterKey, masterSalt, rtcp ? LABEL_RTCP_ENCRYPTION : LABEL_RTP_ENCRYPTION, 16),
    cipherSalt: deriveSessionKey(masterKey, masterSalt, rtcp ? LABEL_RTCP_SALT : LABEL_RTP_SALT, 14),
    // n_a = 160 bits for HMAC-SHA1 (RFC 3711 §8.2).
    authKey: deriveSessionKey(masterKey, masterSalt, rtcp ? LABEL_RTCP_AUTH : LABEL_RTP_AUTH, 20),
  };
}
