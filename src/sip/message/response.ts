import { newTag } from '../../util/ids.js';
import { canonicalName } from './header-names.js';
import { tagOf } from './headers.js';
import { rememberParsed, shareParsed } from './parsed-headers.js';
import { PARSED, type Header, type SipRequest, type SipResponse } from './types.js';

export const REASONS: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  200: 'OK',
  202: 'Accepted',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  423: 'Interval Too Brief',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  491: 'Request Pending',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  505: 'Version Not Supported',
  513: 'Message Too Large',
  603: 'Decline',
};

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
    reason: opts.reason ?? REASONS[status] ?? 'Unknown',
    headers,
    body: opts.body ?? Buffer.alloc(0),
    [PARSED]: undefined,
  };
  // Parse once: the copied headers are the request's text, so are their parses.
  shareParsed(req, res, toTag === undefined ? ['via', 'from', 'to', 'cseq'] : ['via', 'from', 'cseq']);
  const to = req[PARSED]?.to;
  if (toTag !== undefined && to !== undefined) {
    const toValue = headers.find((h) => h.name === 'to');
    const params = Object.assign(Object.create(null) as typeof to.value.params, to.value.params, { tag: toTag });
    if (toValue !== undefined && to.key + ';tag=' + toTag === toValue.value) rememberParsed(res, 'to', toValue.value, { ...to.value, params });
  }
  return res;
}
