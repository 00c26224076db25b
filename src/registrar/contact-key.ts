import { isSipUri, parseUri, type SipUri } from '../sip/message/uri.js';

/**
 * The identity of a binding (RFC 3261 §10.3 step 7, §19.1.4; RFC 5626 §6).
 * With +sip.instance and reg-id the flow identity is (instance, reg-id); otherwise the
 * Contact URI compared the §19.1.4 way: scheme, user and password case-sensitive,
 * host case-insensitive, port explicit, and the transport/user/ttl/method/maddr
 * parameters significant; other parameters ignored.
 */
export function bindingKey(contact: string, instance?: string, regId?: number): string {
  if (instance !== undefined && regId !== undefined) return `outbound|${instance}|${regId}`;
  return 'uri|' + comparableUri(contact);
}

const SIGNIFICANT = ['transport', 'user', 'ttl', 'method', 'maddr'];

export function comparableUri(text: string): string {
  let u;
  try {
    u = parseUri(text);
  } catch {
    return text;
  }
  if (!isSipUri(u)) return text;
  return comparableSipUri(u);
}

function comparableSipUri(u: SipUri): string {
  let out = `${u.scheme}:${u.user ?? ''}${u.password !== undefined ? ':' + u.password : ''}@${u.host.toLowerCase()}:${u.port ?? ''}`;
  for (const p of SIGNIFICANT) {
    const v = u.params[p];
    if (v !== undefined) out += `;${p}=${(v ?? '').toLowerCase()}`;
  }
  return out;
}
