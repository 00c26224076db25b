/**
 * The SDES crypto suites this PBX speaks (RFC 4568 §6.2): AES in counter mode with a
 * 128-bit key and HMAC-SHA1 authentication, truncated to 80 or 32 bits for SRTP. SRTCP
 * always carries the 80-bit tag (RFC 4568 §6.2.2: "the SRTCP ... authentication tag
 * length is 80 bits" for AES_CM_128_HMAC_SHA1_32 too).
 */
export type SrtpSuiteName = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';

export interface SrtpSuite {
  name: SrtpSuiteName;
  /** Master key and master salt lengths in bytes (RFC 3711 §8.2 defaults). */
  keyBytes: 16;
  saltBytes: 14;
  /** SRTP authentication tag length in bytes. */
  rtpTagBytes: 10 | 4;
  /** SRTCP authentication tag length in bytes. */
  rtcpTagBytes: 10;
}

export const SRTP_SUITES: Readonly<Record<SrtpSuiteName, SrtpSuite>> = {
  AES_CM_128_HMAC_SHA1_80: { name: 'AES_CM_128_HMAC_SHA1_80', keyBytes: 16, saltBytes: 14, rtpTagBytes: 10, rtcpTagBytes: 10 },
  AES_CM_128_HMAC_SHA1_32: { name: 'AES_CM_128_HMAC_SHA1_32', keyBytes: 16, saltBytes: 14, rtpTagBytes: 4, rtcpTagBytes: 10 },
};

/** Our order of preference when we offer (the stronger tag first). */
export const SRTP_SUITE_ORDER: readonly SrtpSuiteName[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];

export function srtpSuite(name: string): SrtpSuite | undefined {
  return Object.hasOwn(SRTP_SUITES, name) ? SRTP_SUITES[name as SrtpSuiteName] : undefined;
}

/** The keys of one direction of one leg: master key || master salt (30 bytes), and its suite. */
export interface SrtpKeying {
  suite: SrtpSuiteName;
  /** Master key (16 bytes) followed by master salt (14 bytes). */
  keySalt: Uint8Array;
}
