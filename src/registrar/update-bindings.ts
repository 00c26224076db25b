import { SipError } from '../util/errors.js';
import type { Binding } from './binding.js';
import { bindingKey } from './contact-key.js';
import type { RegistrarPolicy } from './policy.js';
import type { RequestedContacts } from './register-request.js';
import { sipError } from '../sip/message/reason-phrases.js';

export interface BindingUpdate {
  aor: string;
  contacts: RequestedContacts;
  /** Expires header, seconds. */
  expiresHeader?: number;
  callId: string;
  cseq: number;
  source: Binding['source'];
  path?: string[];
  userAgent?: string;
  now: number;
}

export interface BindingUpdateResult {
  /** The complete set of live bindings after the update. */
  bindings: Binding[];
  /** Whether anything must be written. */
  changed: boolean;
}

/**
 * The registrar's rules (RFC 3261 §10.3 steps 6–8, RFC 5626 §6), as a pure function of
 * the current bindings and the request. Throws SipError for a request that must fail;
 * the caller then writes nothing.
 */
export function updateBindings(existing: readonly Binding[], u: BindingUpdate, policy: RegistrarPolicy): BindingUpdateResult {
  // Expired bindings are gone whether or not the sweeper has run yet.
  const live = existing.filter((b) => b.expiresAt > u.now);
  let changed = live.length !== existing.length;

  if (u.contacts.kind === 'fetch') return { bindings: live, changed };

  if (u.contacts.kind === 'star') {
    for (const b of live) checkOrder(b, u);
    return { bindings: [], changed: changed || live.length > 0 };
  }

  const byKey = new Map<string, Binding>();
  for (const b of live) byKey.set(bindingKey(b.contact, b.instance, b.regId), b);

  for (const c of u.contacts.contacts) {
    let expires = c.expires ?? u.expiresHeader ?? policy.defaultExpires;
    // RFC 3261 §10.3 step 7: refuse a non-zero interval below the minimum with 423.
    if (expires > 0 && expires < policy.minExpires) {
      throw sipError(423, { headers: [['Min-Expires', String(policy.minExpires)]] });
    }
    if (expires > policy.maxExpires) expires = policy.maxExpires;
    const key = bindingKey(c.uri, c.instance, c.regId);
    const prior = byKey.get(key);
    if (prior) checkOrder(prior, u);
    if (expires === 0) {
      if (prior) {
        byKey.delete(key);
        changed = true;
      }
      continue;
    }
    const b: Binding = {
      aor: u.aor,
      contact: c.uri,
      callId: u.callId,
      cseq: u.cseq,
      expiresAt: u.now + expires * 1000,
      source: u.source,
      updatedAt: u.now,
    };
    if (c.instance !== undefined) b.instance = c.instance;
    if (c.regId !== undefined) b.regId = c.regId;
    if (c.q !== undefined) b.q = c.q;
    if (u.path && u.path.length > 0) b.path = u.path;
    if (u.userAgent !== undefined) b.userAgent = u.userAgent;
    byKey.set(key, b);
    changed = true;
  }

  const bindings = [...byKey.values()];
  if (bindings.length > policy.maxContactsPerAor) {
    throw new SipError(403, 'Too Many Contacts', { detail: `at most ${policy.maxContactsPerAor} contacts per extension` });
  }
  return { bindings, changed };
}

/**
 * RFC 3261 §10.3 step 7: with the same Call-ID, only a higher CSeq may change a binding;
 * otherwise the whole update is aborted.
 */
function checkOrder(b: Binding, u: BindingUpdate): void {
  if (b.callId === u.callId && u.cseq <= b.cseq) {
    throw new SipError(400, 'Invalid CSeq Number', { detail: 'CSeq not higher than the stored binding' });
  }
}
