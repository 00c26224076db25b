import { SipError } from '../../util/errors.js';
import { canonicalName } from '../message/header-names.js';
import { cseqOf, fromOf, getHeader, tagOf, toOf, topVia } from '../message/headers.js';
import { parseNameAddr, serializeNameAddr } from '../message/name-addr.js';
import { createResponse as createMessageResponse } from '../message/response.js';
import { isToken, SyntaxError400 } from '../message/scan.js';
import type { Header, SipMessage, SipRequest, SipResponse } from '../message/types.js';
import { serializeUri } from '../message/uri.js';
import { keyOfDialogId, type DialogId } from './dialog-key.js';
import { viaValue, type LocalVia } from './local-via.js';
import { contactUri } from './remote-target.js';
import { nextHopUri, requestTarget, routeSetOf, type RouteEntry } from './route-set.js';
import { reasonPhrase, sipError } from '../message/reason-phrases.js';

export type DialogState = 'early' | 'confirmed' | 'terminated';

/** The part we played in the transaction that created the dialog. */
export type DialogRole = 'uac' | 'uas';

export interface InDialogRequestOptions {
  via: LocalVia;
  /**
   * Our Contact URI (or a full name-addr). When omitted, target refresh requests (INVITE,
   * UPDATE) carry the dialog's local contact (§12.2.1.1 SHOULD) and other requests none.
   */
  contact?: string;
  /**
   * More headers. The ones the dialog writes itself (Via, Max-Forwards, Route,
   * Record-Route, From, To, Call-ID, CSeq, Content-Length, and Contact or Content-Type
   * when the dialog writes them) are dropped from this list.
   */
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: Buffer;
  contentType?: string;
  /** Default 70 (§8.1.1.6); 0..255. A B2BUA may pass the other leg's value less one. */
  maxForwards?: number;
}

export interface InDialogResponseOptions {
  reason?: string;
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: Buffer;
  contentType?: string;
}

/** What to do with a request received in a dialog: go on, or answer with this status. */
export type RequestVerdict = 'ok' | { status: number; reason: string };

/** RFC 3261 §12.2: requests that may change the remote target (RFC 3311 §5.2 adds UPDATE). */
const TARGET_REFRESH: ReadonlySet<string> = new Set(['INVITE', 'UPDATE']);

/** Headers the dialog writes itself; the same names in caller-supplied headers are dropped. */
const OWNED: ReadonlySet<string> = new Set(['via', 'max-forwards', 'route', 'record-route', 'from', 'to', 'call-id', 'cseq', 'content-length']);

const MAX_CSEQ = 0xffffffff;
const EMPTY = Buffer.alloc(0);

interface DialogInit {
  id: DialogId;
  role: DialogRole;
  state: DialogState;
  localUri: string;
  remoteUri: string;
  fromValue: string;
  toValue: string;
  localSeq: number | undefined;
  remoteSeq: number | undefined;
  remoteTarget: string;
  routes: RouteEntry[];
  secure: boolean;
  localContact: string | undefined;
  inviteSeq: number | undefined;
}

/**
 * RFC 3261 §12 dialog state: the id (Call-ID, local tag, remote tag), local and remote
 * URI, local and remote CSeq, remote target, route set and secure flag, in one of three
 * states. It builds the requests we send inside the dialog (§12.2.1.1) and checks the
 * ones we receive (§12.2.2); it sends nothing itself and owns no timer.
 *
 * A B2BUA holds one as UAS towards the caller (asUas) and one as UAC per fork towards
 * the callee (asUac: each To tag of the forked INVITE's responses is its own dialog).
 */
export class Dialog {
  readonly id: DialogId;
  readonly role: DialogRole;
  /** URI of our From in requests we send (§12.1.1: the To of the request for a UAS). */
  readonly localUri: string;
  /** URI of our To in requests we send. */
  readonly remoteUri: string;
  /** §12.1.1: TLS and a SIPS Request-URI. The request's transport, as its top Via says. */
  readonly secure: boolean;
  /** Our Contact for target refresh requests and for responses that need one. */
  localContact: string | undefined;
  private st: DialogState;
  private readonly fromValue: string;
  private readonly toValue: string;
  private lSeq: number | undefined;
  private rSeq: number | undefined;
  private target: string;
  private routes: RouteEntry[];
  /** The CSeq of the INVITE that created a UAC dialog; its 2xx confirms the dialog. */
  private readonly inviteSeq: number | undefined;

  private constructor(i: DialogInit) {
    this.id = i.id;
    this.role = i.role;
    this.st = i.state;
    this.localUri = i.localUri;
    this.remoteUri = i.remoteUri;
    this.fromValue = i.fromValue;
    this.toValue = i.toValue;
    this.lSeq = i.localSeq;
    this.rSeq = i.remoteSeq;
    this.target = i.remoteTarget;
    this.routes = i.routes;
    this.secure = i.secure;
    this.localContact = i.localContact;
    this.inviteSeq = i.inviteSeq;
  }

  /**
   * The dialog of a received INVITE, on our side as UAS (§12.1.1), in state early: call
   * confirm() when the 2xx goes out, terminate() on a final non-2xx. The route set is the
   * INVITE's Record-Route in order, the remote target its Contact, the remote CSeq its
   * CSeq; the local CSeq starts empty. `localContact` is our Contact URI.
   *
   * Throws SipError 400 when the INVITE's From, To, Call-ID, CSeq, Contact or
   * Record-Route is missing or malformed.
   */
  static asUas(invite: SipRequest, localTag: string, localContact: string): Dialog {
    if (localTag.length === 0) throw sipError(500, { detail: 'a UAS dialog needs a local tag' });
    return asBadRequest(() => {
      const callId = requiredHeader(invite, 'call-id');
      const fromText = requiredHeader(invite, 'from');
      const toText = requiredHeader(invite, 'to');
      const remoteTarget = contactUri(invite);
      if (remoteTarget === undefined) throw new SyntaxError400('INVITE without Contact');
      return new Dialog({
        id: { callId, localTag, remoteTag: tagOf(fromText) ?? '' },
        role: 'uas',
        state: 'early',
        localUri: serializeUri(toOf(invite).uri),
        remoteUri: serializeUri(fromOf(invite).uri),
        fromValue: withTag(toText, localTag),
        toValue: fromText,
        localSeq: undefined,
        remoteSeq: cseqOf(invite).seq,
        remoteTarget,
        routes: routeSetOf(invite, false),
        secure: isSecure(invite),
        localContact,
        inviteSeq: undefined,
      });
    });
  }

  /**
   * The dialog our INVITE created with one UAS (§12.1.2), from a 101–199 response with a
   * To tag (state early) or a 2xx (state confirmed). The route set is the response's
   * Record-Route reversed, the remote target its Contact, the local CSeq the INVITE's.
   * A provisional response without Contact is common in the wild; the INVITE's
   * Request-URI stands in as remote target until the 2xx brings one.
   *
   * Throws SipError 400 when the response is malformed, 500 when it cannot create a
   * dialog (a 100, a final non-2xx, a provisional response without To tag).
   */
  static asUac(invite: SipRequest, response: SipResponse): Dialog {
    const s = response.status;
    if (s <= 100 || s >= 300) throw sipError(500, { detail: `a ${s} response creates no dialog` });
    return asBadRequest(() => {
      const callId = requiredHeader(invite, 'call-id');
      if (getHeader(response, 'call-id') !== callId) throw new SyntaxError400('response Call-ID differs from the INVITE');
      const fromText = requiredHeader(invite, 'from');
      const localTag = tagOf(fromText);
      if (localTag === undefined) throw sipError(500, { detail: 'our INVITE has no From tag' });
      const toText = requiredHeader(response, 'to');
      const remoteTag = tagOf(toText);
      // §12.1.2: a 2xx from an RFC 2543 UAS may lack the tag (remote tag null); a
      // provisional response without one creates no dialog.
      if (remoteTag === undefined && s < 200) throw sipError(500, { detail: 'a provisional response without To tag creates no dialog' });
      const inviteSeq = cseqOf(invite).seq;
      return new Dialog({
        id: { callId, localTag, remoteTag: remoteTag ?? '' },
        role: 'uac',
        state: s >= 200 ? 'confirmed' : 'early',
        localUri: serializeUri(fromOf(invite).uri),
        remoteUri: serializeUri(toOf(response).uri),
        fromValue: fromText,
        toValue: toText,
        localSeq: inviteSeq,
        remoteSeq: undefined,
        remoteTarget: contactUri(response) ?? invite.uri,
        routes: routeSetOf(response, true),
        secure: isSecure(invite),
        localContact: contactUri(invite),
        inviteSeq,
      });
    });
  }

  get state(): DialogState {
    return this.st;
  }

  /** dialogKey() of this dialog's id. */
  get key(): string {
    return keyOfDialogId(this.id);
  }

  /** The last CSeq number we used; undefined while a UAS dialog has sent nothing. */
  get localSeq(): number | undefined {
    return this.lSeq;
  }

  /** The last CSeq number received from the peer; undefined while a UAC dialog has received nothing. */
  get remoteSeq(): number | undefined {
    return this.rSeq;
  }

  /** The peer's Contact URI, exactly as it sent it (GRUU, `;ob` and all). */
  get remoteTarget(): string {
    return this.target;
  }

  /** The Route values our requests carry, in order, as the proxies wrote them. */
  get routeSet(): readonly string[] {
    return this.routes.map((r) => r.value);
  }

  /** The URI to resolve to send a request in this dialog (§8.1.2): the first route, else the remote target. */
  get nextHop(): string {
    return nextHopUri(this.target, this.routes);
  }

  /** The 2xx to the INVITE went out (UAS) or came in (UAC, done by receiveResponse). */
  confirm(): void {
    if (this.st === 'early') this.st = 'confirmed';
  }

  /** BYE, a final non-2xx to the creating INVITE, or a 481/408 (§12.3, §12.2.1.2). */
  terminate(): void {
    this.st = 'terminated';
  }

  /**
   * Whether a received message belongs to this dialog: Call-ID and tags, our tag being
   * To's in a request and From's in a response. A missing tag reads as empty.
   */
  matches(msg: SipMessage): boolean {
    if (getHeader(msg, 'call-id') !== this.id.callId) return false;
    const from = tagOf(getHeader(msg, 'from')) ?? '';
    const to = tagOf(getHeader(msg, 'to')) ?? '';
    return msg.kind === 'request'
      ? to === this.id.localTag && from === this.id.remoteTag
      : from === this.id.localTag && to === this.id.remoteTag;
  }

  /**
   * A request in this dialog (§12.2.1.1): Request-URI and Route from the remote target
   * and route set (loose routing, and strict routing per route-set.ts), From and To with
   * the tags, the Call-ID, the next local CSeq, a fresh Via branch, Max-Forwards 70.
   * ACK and CANCEL have rules of their own: use createAck() and createCancel().
   *
   * Throws SipError 500 for ACK, CANCEL, a method that is not a token, or a local CSeq
   * past 2**32-1. The state is not checked: a BYE may be built after terminate().
   */
  createRequest(method: string, opts: InDialogRequestOptions): SipRequest {
    if (method === 'ACK' || method === 'CANCEL') {
      throw sipError(500, { detail: `${method} is built by ${method === 'ACK' ? 'createAck' : 'createCancel'}` });
    }
    if (!isToken(method)) throw sipError(500, { detail: 'method is not a token' });
    // §12.2.1.1: the local CSeq goes up by one per request; a UAS dialog starts from
    // empty and picks an initial value (§8.1.1.5: below 2**31).
    const seq = this.lSeq === undefined ? 1 : this.lSeq + 1;
    if (seq > MAX_CSEQ) throw sipError(500, { detail: 'local CSeq exhausted' });
    this.lSeq = seq;
    const contact = opts.contact ?? (TARGET_REFRESH.has(method) ? this.localContact : undefined);
    return this.build(method, seq, opts, contact);
  }

  /**
   * The ACK for a 2xx to an INVITE of this dialog (§13.2.2.4): built like any request
   * in the dialog (remote target, route set, a fresh branch: it is a transaction of its
   * own) but with the CSeq number of the INVITE it acknowledges, and the local CSeq is
   * left as it is. The body, if any, is the answer to an offer in the 2xx.
   */
  createAck(inviteCSeq: number, opts: InDialogRequestOptions): SipRequest {
    if (!Number.isInteger(inviteCSeq) || inviteCSeq < 0 || inviteCSeq > MAX_CSEQ) {
      throw sipError(500, { detail: 'bad INVITE CSeq for ACK' });
    }
    return this.build('ACK', inviteCSeq, opts, opts.contact);
  }

  /**
   * A response from our side to a request of this dialog, or to the INVITE that created a
   * UAS dialog: the To carries our tag (§12.1.1, §8.2.6.2). A 101–299 to an INVITE copies
   * the request's Record-Route values, in order (§12.1.1), and carries our Contact, as
   * does a 2xx to an UPDATE (§12.2.2, RFC 3311 §5.2).
   */
  createResponse(req: SipRequest, status: number, opts: InDialogResponseOptions = {}): SipResponse {
    const headers: Array<[string, string]> = [];
    const isInvite = req.method === 'INVITE';
    if (isInvite && status > 100 && status < 300) {
      for (const h of req.headers) if (h.name === 'record-route') headers.push(['record-route', h.value]);
    }
    const withContact = (isInvite && status > 100 && status < 300) || (status >= 200 && status < 300 && TARGET_REFRESH.has(req.method));
    if (withContact && this.localContact !== undefined) headers.push(['contact', contactValue(this.localContact)]);
    for (const [n, v] of opts.headers ?? []) {
      const name = canonicalName(n);
      if (name === 'to' || name === 'from' || name === 'call-id' || name === 'cseq' || name === 'via' || name === 'content-length') continue;
      if ((name === 'contact' && withContact) || (name === 'content-type' && opts.contentType !== undefined)) continue;
      headers.push([name, v]);
    }
    if (opts.contentType !== undefined) headers.push(['content-type', opts.contentType]);
    return createMessageResponse(req, status, {
      toTag: this.id.localTag,
      reason: opts.reason,
      headers,
      body: opts.body ?? EMPTY,
    });
  }

  /**
   * Check a request the peer sent in this dialog (§12.2.2) and take its CSeq as the
   * remote CSeq. ACK and CANCEL carry the number of the request they belong to and are
   * not checked. Any other request must have a higher CSeq than the last one seen: a
   * lower or equal one is out of order and gets 500 (retransmissions never get here,
   * their transaction absorbs them). A target refresh with a malformed Contact gets 400;
   * its remote target changes only when it succeeds (applyTargetRefresh).
   */
  receiveRequest(req: SipRequest): RequestVerdict {
    if (!this.matches(req) || this.st === 'terminated') return { status: 481, reason: reasonPhrase(481) };
    let seq: number;
    try {
      seq = cseqOf(req).seq;
    } catch {
      return { status: 400, reason: reasonPhrase(400) };
    }
    if (req.method === 'ACK' || req.method === 'CANCEL') return 'ok';
    if (this.rSeq !== undefined && seq <= this.rSeq) return { status: 500, reason: reasonPhrase(500) };
    this.rSeq = seq;
    if (TARGET_REFRESH.has(req.method)) {
      try {
        contactUri(req);
      } catch {
        return { status: 400, reason: reasonPhrase(400) };
      }
    }
    return 'ok';
  }

  /**
   * The target refresh request `req` (re-INVITE, UPDATE) from the peer succeeded (we sent
   * a 2xx): its Contact becomes the remote target (§12.2.2). Returns whether it changed.
   */
  applyTargetRefresh(req: SipRequest): boolean {
    if (!TARGET_REFRESH.has(req.method)) return false;
    return this.takeTarget(req);
  }

  /**
   * A response to a request we sent in this dialog (§12.2.1.2, §13.2.2.4). Returns false,
   * changing nothing, when it belongs to another dialog (another fork's To tag).
   * - early UAC dialog, response to the creating INVITE: a 2xx confirms the dialog and
   *   recomputes route set and remote target from the 2xx; a final non-2xx terminates it;
   * - a 2xx to a target refresh updates the remote target from its Contact;
   * - a 481 or 408 terminates the dialog.
   * A provisional response after the dialog is confirmed (a late 180) changes nothing.
   */
  receiveResponse(res: SipResponse): boolean {
    if (!this.matches(res)) return false;
    if (this.st === 'terminated') return true;
    let method: string;
    let seq: number;
    try {
      ({ method, seq } = cseqOf(res));
    } catch {
      return true;
    }
    const s = res.status;
    if (this.st === 'early' && this.role === 'uac' && method === 'INVITE' && seq === this.inviteSeq) {
      if (s >= 200 && s < 300) {
        // §13.2.2.4: the 2xx confirms the early dialog and its route set is recomputed
        // from it (§12.1.2); a malformed one keeps what the 1xx gave.
        try {
          const routes = routeSetOf(res, true);
          this.takeTarget(res);
          this.routes = routes;
        } catch {
          // keep the early dialog's route set and target
        }
        this.st = 'confirmed';
      } else if (s >= 300) {
        this.st = 'terminated';
      }
      return true;
    }
    if (s >= 200 && s < 300 && TARGET_REFRESH.has(method)) this.takeTarget(res);
    // §12.2.1.2: a 481 or 408 to a request in the dialog ends it.
    if (s === 481 || s === 408) this.st = 'terminated';
    return true;
  }

  private takeTarget(msg: SipMessage): boolean {
    let uri: string | undefined;
    try {
      uri = contactUri(msg);
    } catch {
      return false;
    }
    if (uri === undefined || uri === this.target) return false;
    this.target = uri;
    return true;
  }

  private build(method: string, seq: number, opts: InDialogRequestOptions, contact: string | undefined): SipRequest {
    const target = requestTarget(this.target, this.routes);
    const headers: Header[] = [
      { name: 'via', value: viaValue(opts.via) },
      { name: 'max-forwards', value: String(maxForwards(opts.maxForwards)) },
    ];
    for (const r of target.routes) headers.push({ name: 'route', value: r });
    headers.push(
      { name: 'from', value: this.fromValue },
      { name: 'to', value: this.toValue },
      { name: 'call-id', value: this.id.callId },
      { name: 'cseq', value: `${seq} ${method}` },
    );
    if (contact !== undefined) headers.push({ name: 'contact', value: contactValue(contact) });
    for (const [n, v] of opts.headers ?? []) {
      const name = canonicalName(n);
      if (OWNED.has(name)) continue;
      if ((name === 'contact' && contact !== undefined) || (name === 'content-type' && opts.contentType !== undefined)) continue;
      headers.push({ name, value: v });
    }
    if (opts.contentType !== undefined) headers.push({ name: 'content-type', value: opts.contentType });
    return { kind: 'request', method, uri: target.uri, headers, body: opts.body ?? EMPTY };
  }
}

/** §8.1.1.6: 70 unless told otherwise; a value that is not 0..255 is taken as 70. */
function maxForwards(v: number | undefined): number {
  return v !== undefined && Number.isInteger(v) && v >= 0 && v <= 255 ? v : 70;
}

/** A Contact value from a URI, or the name-addr as given. */
function contactValue(contact: string): string {
  return contact.includes('<') ? contact : `<${contact}>`;
}

/** The From/To text with our tag: as received when it has none (or already ours), else rewritten. */
function withTag(value: string, tag: string): string {
  const present = tagOf(value);
  if (present === undefined) return `${value};tag=${tag}`;
  if (present === tag) return value;
  const na = parseNameAddr(value);
  na.params['tag'] = tag;
  return serializeNameAddr(na);
}

function isSecure(req: SipRequest): boolean {
  if (!/^sips:/i.test(req.uri)) return false;
  try {
    return topVia(req).transport === 'TLS';
  } catch {
    return false;
  }
}

function requiredHeader(msg: SipMessage, name: string): string {
  const v = getHeader(msg, name);
  if (v === undefined) throw new SyntaxError400(`missing ${name}`);
  return v;
}

/** Run fn, turning the message helpers' SyntaxError400 into SipError 400. */
function asBadRequest<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SipError) throw e;
    throw sipError(400, { detail: e instanceof Error ? e.message : String(e), cause: e });
  }
}
