import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { Binding } from './binding.js';

/** What a temporary GRUU names once opened: one instance of one AOR, as of one registration. */
export interface TempGruuClaim {
  aor: string;
  instance: string;
  /** A hash of the Call-ID of the REGISTER that minted it. */
  callId: string;
  /** The CSeq of that REGISTER. */
  cseq: number;
}

/** The user part of every temporary GRUU starts with this (RFC 5627 §3.2 leaves the form to the registrar). */
export const TEMP_GRUU_PREFIX = 'tgruu.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * RFC 5627 GRUUs, issued without storage:
 *
 * - the public GRUU is the AOR with `gr=<instance id>` (§3.1): stable, and it tells who it is;
 * - a temporary GRUU (§3.2) is `tgruu.<token>` in the tenant's domain, the token the AOR,
 *   instance, Call-ID hash and CSeq of the REGISTER sealed with AES-256-GCM under a key
 *   derived from the server secret, with the tenant id as associated data: nobody can read
 *   who it names (§3.2: not correlatable with the AOR), forge one, or use one minted in
 *   another tenant. A fresh random IV makes each REGISTER's temp GRUU new (§5.2: a new one
 *   at each refresh).
 *
 * A temporary GRUU stays valid while the registration that minted it lives on: a binding
 * of that AOR and instance with the same Call-ID and a CSeq at least the token's (every
 * refresh since then). When the binding goes (expiry, removal) or the phone registers with
 * a new Call-ID (a reboot), every earlier temporary GRUU stops working (§5.2).
 */
export class GruuIssuer {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'pbx rfc5627 temp-gruu v1', 32));
  }

  /** `sip:<aor>@<domain>;gr=<instance>` (RFC 5627 §3.1). */
  publicGruu(aorUser: string, domain: string, instance: string): string {
    return `sip:${escapeUser(aorUser)}@${domain};gr=${instance}`;
  }

  /** A new temporary GRUU for this binding of this tenant, in `domain`. */
  tempGruu(tenantId: string, binding: Pick<Binding, 'aor' | 'instance' | 'callId' | 'cseq'>, domain: string): string {
    if (binding.instance === undefined) throw new RangeError('a GRUU needs an instance id');
    const plain = Buffer.from(JSON.stringify([binding.aor, binding.instance, callIdHash(binding.callId), binding.cseq]), 'utf8');
    const iv = randomBytes(IV_BYTES);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(tenantId, 'utf8'));
    const sealed = Buffer.concat([iv, c.update(plain), c.final(), c.getAuthTag()]);
    return `sip:${TEMP_GRUU_PREFIX}${sealed.toString('base64url')}@${domain};gr`;
  }

  /** Opens the user part of a temporary GRUU of this tenant; undefined for anything else (forged, another tenant's, garbage). */
  openTemp(tenantId: string, user: string): TempGruuClaim | undefined {
    if (!user.startsWith(TEMP_GRUU_PREFIX)) return undefined;
    const token = user.slice(TEMP_GRUU_PREFIX.length);
    if (token.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
    const sealed = Buffer.from(token, 'base64url');
    if (sealed.length <= IV_BYTES + TAG_BYTES) return undefined;
    let plain: Buffer;
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, IV_BYTES));
      d.setAAD(Buffer.from(tenantId, 'utf8'));
      d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      plain = Buffer.concat([d.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), d.final()]);
    } catch {
      return undefined;
    }
    let v: unknown;
    try {
      v = JSON.parse(plain.toString('utf8'));
    } catch {
      return undefined;
    }
    if (!Array.isArray(v) || v.length !== 4) return undefined;
    const [aor, instance, callId, cseq] = v as unknown[];
    if (typeof aor !== 'string' || typeof instance !== 'string' || typeof callId !== 'string' || typeof cseq !== 'number') return undefined;
    return { aor, instance, callId, cseq };
  }

  /** The live binding a temporary GRUU still reaches, if any (see the class comment). */
  liveBinding(claim: TempGruuClaim, bindings: readonly Binding[], now: number): Binding | undefined {
    return bindings.find((b) => b.aor === claim.aor && b.instance === claim.instance && b.expiresAt > now && callIdHash(b.callId) === claim.callId && b.cseq >= claim.cseq);
  }
}

/** RFC 5627 §5.1: a UA asks for GRUUs with `Supported: gruu`. */
export function wantsGruu(supported: readonly string[]): boolean {
  return supported.some((v) => v.split(',').some((t) => t.trim().toLowerCase() === 'gruu'));
}

function callIdHash(callId: string): string {
  return createHash('sha256').update(callId).digest('base64url').slice(0, 16);
}

/** RFC 3261 §25.1 user part: unreserved and user-unreserved stay, the rest is %-escaped. */
function escapeUser(user: string): string {
  return user.replace(/[^A-Za-z0-9\-_.!~*'()&=+$,;?/]/g, (ch) => [...Buffer.from(ch, 'utf8')].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join(''));
}
