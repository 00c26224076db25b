import { parseMessage, type ParseLimits } from '../message/parse.js';
import { createResponse } from '../message/response.js';
import { reasonPhrase } from '../message/reason-phrases.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/types.js';
import { stampTopVia, stampTopViaOf } from './via-stamp.js';

/** What became of a datagram or a framed message. */
export type InboundResult =
  | { kind: 'message'; message: SipMessage }
  /** Malformed, but a stateless error response could be built; `request` carries the stamped Via. */
  | { kind: 'reply'; request: SipRequest; response: SipResponse; error: string }
  | { kind: 'drop'; error: string };

export interface InboundContext {
  /** Stream transports hand over exactly one framed message. */
  framed: boolean;
  limits: ParseLimits;
  sourceAddress: string;
  sourcePort: number;
  /** Product string for the Server header of stateless error responses. */
  serverHeader?: string;
}

/**
 * Parse what a transport read, stamp the top Via of a request with its real source
 * (RFC 3261 §18.2.1, RFC 3581 §4), and turn a malformed request into a stateless
 * 400/505/513 when it holds enough to answer. Never throws.
 */
export function readInbound(data: Buffer, ctx: InboundContext): InboundResult {
  const r = parseMessage(data, { framed: ctx.framed, limits: ctx.limits });
  if (!r.ok) return rejectMalformed(r.status, r.error, r.request, ctx);
  if (r.message.kind === 'request') {
    try {
      stampTopViaOf(r.message, ctx.sourceAddress, ctx.sourcePort);
    } catch {
      return { kind: 'drop', error: 'unreadable top Via' }; // the parser validated it; never expected
    }
  }
  return { kind: 'message', message: r.message };
}

/**
 * A stream whose framing failed (RFC 4475 §3.1.2.3, §3.3.9: a bad or conflicting
 * Content-Length ends the stream). `header` is the header section the framer kept, so
 * the 400 (513 for an oversized body) can go out before the connection closes.
 */
export function readFramingError(reason: string, header: Buffer | undefined, ctx: InboundContext): InboundResult {
  if (!header) return { kind: 'drop', error: reason };
  const status = reason === 'body too large' ? 513 : 400;
  const r = parseMessage(header, { framed: false, limits: ctx.limits });
  const request = r.ok ? (r.message.kind === 'request' ? r.message : undefined) : r.request;
  return rejectMalformed(status, reason, request, ctx);
}

function rejectMalformed(status: number, error: string, request: SipRequest | undefined, ctx: InboundContext): InboundResult {
  if (!request) return { kind: 'drop', error };
  // RFC 3261 §17.1.1.3 / §17.2.1: an ACK is never answered.
  if (request.method === 'ACK') return { kind: 'drop', error };
  try {
    if (!stampTopVia(request.headers, ctx.sourceAddress, ctx.sourcePort)) return { kind: 'drop', error };
  } catch {
    return { kind: 'drop', error }; // no usable Via: nowhere to route a response
  }
  const reason = `${reasonPhrase(status)} (${reasonText(error)})`;
  const headers: Array<[string, string]> = ctx.serverHeader ? [['server', ctx.serverHeader]] : [];
  const response = createResponse(request, status, { reason, headers });
  return { kind: 'reply', request, response, error };
}

/** RFC 3261 §25.1 Reason-Phrase: printable text only, and short. */
function reasonText(error: string): string {
  return error.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}
