import { X509Certificate } from 'node:crypto';
import { CipherContext, HashAlgorithm, NamedCurveAlgorithm, SignatureAlgorithm } from 'werift-dtls/lib/dtls/src/index.js';

/** The PBX's DTLS certificate for browser legs: self-signed, made at start (RFC 5763 §5: the SDP fingerprint is what binds it). */
export interface DtlsIdentity {
  certPem: string;
  keyPem: string;
  /** RFC 8122 a=fingerprint value: "sha-256 AB:CD:…". */
  fingerprint: string;
}

/** A fresh ECDSA P-256 certificate and key (werift's generator), with its SHA-256 fingerprint. */
export async function createDtlsIdentity(): Promise<DtlsIdentity> {
  const { certPem, keyPem } = await CipherContext.createSelfSignedCertificateWithKey(
    { signature: SignatureAlgorithm.ecdsa_3, hash: HashAlgorithm.sha256_4 },
    NamedCurveAlgorithm.secp256r1_23,
  );
  return { certPem, keyPem, fingerprint: `sha-256 ${new X509Certificate(certPem).fingerprint256}` };
}

/** The SHA-256 fingerprint of a DER certificate, as a=fingerprint writes it (upper-case hex pairs with colons). */
export function fingerprintOfDer(der: Buffer): string {
  return new X509Certificate(der).fingerprint256;
}
