import type { Trunk as TrunkConfig } from '../model/routing-plan.js';
import { buildAuthorization, pickChallenge } from '../sip/auth/client-digest.js';
import { cseqOf, getHeaderValues, hasHeader } from '../sip/message/headers.js';
import type { Header, SipRequest, SipResponse } from '../sip/message/types.js';
import { parseVia, serializeVia } from '../sip/message/via.js';
import { sourceOf as rememberedSource } from '../sip/transport/response-source.js';
import type { Endpoint } from '../sip/transport/types.js';
import { newBranch } from '../util/ids.js';

/** Why a challenge was not answered. */
export type ChallengeRefusal =
  /** Not a 401/407, or a response to another request. */
  | 'not-a-challenge'
  /** The response did not come from the trunk (or its source is unknown): its credentials are never offered. */
  | 'not-from-trunk'
  /** The trunk has no username or password. */
  | 'no-credentials'
  /** The request already carried credentials: a second challenge means they were refused. */
  | 'already-answered'
  /** No Digest challenge we can answer (algorithm, qop), or the request cannot be re-sent. */
  | 'unusable-challenge';

export type ChallengeAnswer =
  | { ok: true; request: SipRequest; /** The new request's CSeq number (the old one plus one). */ cseq: number }
  | { ok: false; reason: ChallengeRefusal; detail: string };

export interface ChallengeContext {
  trunk: TrunkConfig;
  /** TrunkResolver.isFromTrunk, or anything that answers the same question. */
  isFromTrunk: (trunk: TrunkConfig, address: string) => boolean;
  /** Where the response came from; default: what the edge remembered (response-source.ts). */
  sourceOf?: (res: SipResponse) => Endpoint | undefined;
}

const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization'] as const;

/**
 * Answer a trunk's 401/407 to one of our own requests (RFC 3261 §22.2, §22.3; §8.1.3.5):
 * the same request again with CSeq + 1, a new branch, and Authorization (401, from
 * WWW-Authenticate) or Proxy-Authorization (407, from Proxy-Authenticate).
 *
 * Only when (a) the response came from the trunk's own address, (b) the trunk has
 * credentials and (c) the request carried none yet: a challenge to credentials we
 * already sent means they were refused, and answering again would loop. Credentials
 * never go in answer to a challenge from anyone else, whoever manages to put a
 * response in front of our transaction.
 *
 * The caller sends the result in a new client transaction to the same target; for an
 * INVITE it also takes the new CSeq as the dialog's local sequence number (and a CANCEL
 * then refers to the new INVITE).
 */
export function answerChallenge(request: SipRequest, response: SipResponse, ctx: ChallengeContext): ChallengeAnswer {
  const status = response.status;
  if (status !== 401 && status !== 407) return refuse('not-a-challenge', `status ${status}`);
  let seq: number;
  try {
    const sent = cseqOf(request);
    const got = cseqOf(response);
    if (got.seq !== sent.seq || got.method !== sent.method) return refuse('not-a-challenge', 'CSeq does not match the request');
    seq = sent.seq;
  } catch {
    return refuse('not-a-challenge', 'no usable CSeq');
  }
  const source = (ctx.sourceOf ?? rememberedSource)(response);
  if (!source) return refuse('not-from-trunk', 'source of the response is unknown');
  if (!ctx.isFromTrunk(ctx.trunk, source.address)) return refuse('not-from-trunk', `challenge from ${source.address}, not trunk ${ctx.trunk.name}`);
  const username = ctx.trunk.authUsername ?? ctx.trunk.username;
  const password = ctx.trunk.password;
  if (!username || !password) return refuse('no-credentials', `trunk ${ctx.trunk.name} has no credentials`);
  if (CREDENTIAL_HEADERS.some((h) => hasHeader(request, h))) return refuse('already-answered', `credentials refused (${status})`);
  // RFC 4475-style hostility: a CSeq at the 32-bit limit cannot be incremented (§20.16).
  if (seq >= 0xffffffff) return refuse('unusable-challenge', 'CSeq cannot be incremented');
  const challenge = pickChallenge(getHeaderValues(response, status === 401 ? 'www-authenticate' : 'proxy-authenticate'));
  if (!challenge) return refuse('unusable-challenge', 'no Digest challenge with a supported algorithm');
  const auth = buildAuthorization({ challenge, username, password, method: request.method, uri: request.uri });
  if (!auth.ok) return refuse('unusable-challenge', auth.error);
  const headers = rebuildHeaders(request, seq + 1);
  if (!headers) return refuse('unusable-challenge', 'request has no usable Via');
  headers.push({ name: status === 401 ? 'authorization' : 'proxy-authorization', value: auth.value });
  return { ok: true, request: { kind: 'request', method: request.method, uri: request.uri, headers, body: request.body }, cseq: seq + 1 };
}

/** A copy of the headers with a new top Via branch (§8.1.1.7) and the CSeq number given. */
function rebuildHeaders(request: SipRequest, seq: number): Header[] | undefined {
  const out: Header[] = [];
  let viaDone = false;
  for (const h of request.headers) {
    if (h.name === 'via' && !viaDone) {
      viaDone = true;
      const via = freshBranch(h.value);
      if (via === undefined) return undefined;
      out.push({ name: 'via', value: via });
    } else if (h.name === 'cseq') {
      out.push({ name: 'cseq', value: `${seq} ${request.method}` });
    } else {
      out.push({ name: h.name, value: h.value });
    }
  }
  return viaDone ? out : undefined;
}

function freshBranch(value: string): string | undefined {
  // Our own requests carry one Via per header line; only its branch changes.
  if (value.includes(',')) return undefined;
  try {
    const via = parseVia(value);
    via.params.branch = newBranch();
    return serializeVia(via);
  } catch {
    return undefined;
  }
}

function refuse(reason: ChallengeRefusal, detail: string): ChallengeAnswer {
  return { ok: false, reason, detail };
}
