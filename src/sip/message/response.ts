import { newTag } from '../../util/ids.js';
import { canonicalName } from './header-names.js';
import { tagOf } from './headers.js';
import { REASON_PHRASES, reasonPhrase } from './reason-phrases.js';
import { rememberParsed, shareParsed } from './parsed-headers.js';
import type { NameAddr } from './name-addr.js';
import { PARSED, type Header, type SipRequest, type SipResponse } from './types.js';

/** The reason-phrase table (reason-phrases.ts), under its old name. */
export const REASONS = REASON_PHRASES;

export interface ResponseOptions {
  reason?: string;
  /** To-tag to add when the request's To has none (RFC 3261 §8.2.6.2). Generated for non-100 when omitted. */
  toTag?: string;
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: Buffer;
}

/**
 * Build a response to a request (RFC 3261 §8.2.6): copy Via (all, in order), From,
 * To, Call-ID and CSeq; add a To tag unless the status is 100 or one is present.
 */
export function createResponse(req: SipRequest, status: number, opts: ResponseOptions = {}): SipResponse {
  const headers: Header[] = [];
  let toTag: string | undefined;
  for (const h of req.headers) {
    switch (h.name) {
      case 'via':
      case 'from':
      case 'call-id':
      case 'cseq':
        headers.push({ name: h.name, value: h.value });
        break;
      case 'to': {
        let value = h.value;
        if (status !== 100 && tagOf(value) === undefined) {
          toTag = opts.toTag ?? newTag();
          value += ';tag=' + toTag;
        }
        headers.push({ name: 'to', value });
        break;
      }
      default:
        break;
    }
  }
  // RFC 3261 §8.2.6.1: a 100 Trying copies Timestamp.
  if (status === 100) {
    for (const h of req.headers) if (h.name === 'timestamp') headers.push({ name: 'timestamp', value: h.value });
  }
  if (opts.headers) for (const [n, v] of opts.headers) headers.push({ name: canonicalName(n), value: v });
  const res: SipResponse = {
    kind: 'response',
    status,
    reason: opts.reason ?? reasonPhrase(status),
    headers,
    body: opts.body ?? Buffer.alloc(0),
    [PARSED]: undefined,
  };
  // Parse once: the copied headers are the request's text, so are their parses.
  shareParsed(req, res, toTag === undefined ? ['via', 'from', 'to', 'cseq'] : ['via', 'from', 'cseq']);
  const to = req[PARSED]?.to;
  if (toTag !== undefined && to !== undefined) {
    const toValue = headers.find((h) => h.name === 'to');
    if (toValue !== undefined && to.key + ';tag=' + toTag === toValue.value) rememberParsed(res, 'to', toValue.value, withTag(to.value, toTag));
  }
  return res;
}

/** The To parse with its new tag, built field by field (a spread and an Object.assign cost more on every response). */
function withTag(to: NameAddr, tag: string): NameAddr {
  const params = Object.create(null) as NameAddr['params'];
  for (const k in to.params) {
    const v = to.params[k];
    if (v !== undefined) params[k] = v;
  }
  params['tag'] = tag;
  const out: NameAddr = { uri: to.uri, params };
  if (to.displayName !== undefined) out.displayName = to.displayName;
  return out;
}
