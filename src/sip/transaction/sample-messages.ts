import { displayName } from '../message/header-names.js';
import { parseMessage } from '../message/parse.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/types.js';
import type { Endpoint, Inbound, Target } from '../transport/types.js';

/** Requests and responses for transaction tests, written as wire text and parsed. */
export interface RequestSpec {
  method?: string;
  uri?: string;
  /** The top Via branch; null for none (an RFC 2543 peer). */
  branch?: string | null;
  /** sent-by of the top Via. */
  sentBy?: string;
  transport?: string;
  callId?: string;
  cseq?: number;
  fromTag?: string;
  toTag?: string;
  routes?: string[];
  /** More Via values below the top one. */
  lowerVias?: string[];
  body?: string;
}

export function requestText(s: RequestSpec = {}): string {
  const method = s.method ?? 'INVITE';
  const branch = s.branch === undefined ? 'z9hG4bKtest1' : s.branch;
  const via = `SIP/2.0/${s.transport ?? 'UDP'} ${s.sentBy ?? '192.0.2.10:5060'}${branch === null ? '' : ';branch=' + branch}`;
  const lines = [
    `${method} ${s.uri ?? 'sip:1002@acme.example'} SIP/2.0`,
    `Via: ${via}`,
    ...(s.lowerVias ?? []).map((v) => `Via: ${v}`),
    'Max-Forwards: 70',
    ...(s.routes ?? []).map((r) => `Route: ${r}`),
    `From: "Alice" <sip:1001@acme.example>;tag=${s.fromTag ?? 'from1'}`,
    `To: <sip:1002@acme.example>${s.toTag ? ';tag=' + s.toTag : ''}`,
    `Call-ID: ${s.callId ?? 'call-1@192.0.2.10'}`,
    `CSeq: ${s.cseq ?? 1} ${method}`,
    'Contact: <sip:1001@192.0.2.10:5060>',
  ];
  const body = s.body ?? '';
  if (body) lines.push('Content-Type: application/sdp');
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

export function parse(text: string): SipMessage {
  const r = parseMessage(Buffer.from(text));
  if (!r.ok) throw new Error(`test message does not parse: ${r.error}`);
  return r.message;
}

export function request(s: RequestSpec = {}): SipRequest {
  return parse(requestText(s)) as SipRequest;
}

/** A response as a peer would send it to one of our requests: Via, From, To, Call-ID, CSeq copied. */
export function responseTo(req: SipRequest, status: number, opts: { toTag?: string; reason?: string } = {}): SipResponse {
  const copy = (n: string) => req.headers.filter((h) => h.name === n).map((h) => `${displayName(n)}: ${h.value}`);
  const to = req.headers.find((h) => h.name === 'to')!.value;
  const lines = [
    `SIP/2.0 ${status} ${opts.reason ?? 'Whatever'}`,
    ...copy('via'),
    ...copy('from'),
    `To: ${opts.toTag && !/;tag=/.test(to) ? `${to};tag=${opts.toTag}` : to}`,
    ...copy('call-id'),
    ...copy('cseq'),
    'Content-Length: 0',
  ];
  return parse(lines.join('\r\n') + '\r\n\r\n') as SipResponse;
}

export const PEER: Endpoint = { protocol: 'udp', address: '192.0.2.10', port: 5060 };
export const LOCAL: Endpoint = { protocol: 'udp', address: '127.0.0.1', port: 5060 };

export function inbound(message: SipMessage, source: Endpoint = PEER, receivedAt = 0): Inbound {
  return { message, source, local: { ...LOCAL, protocol: source.protocol }, receivedAt };
}

export function targetOf(e: Endpoint = PEER): Target {
  return { protocol: e.protocol, address: e.address, port: e.port };
}
