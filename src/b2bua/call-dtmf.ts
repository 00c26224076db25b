/**
 * DTMF interworking for one call (issue 10, item 3): a digit arriving one way leaves the
 * other leg the way that leg negotiated (dtmf-mode.ts).
 * - The media worker hears RFC 4733 and in-band digits and converts between those two by
 *   itself; towards an INFO-only leg this object sends SIP INFO (application/dtmf-relay),
 *   one at a time per leg, from the worker's `dtmf` events.
 * - A DTMF INFO from a leg is parsed (dtmf-info-body.ts; a bad body gets 400 or 415) and
 *   reported as a digit with source 'info'; towards an INFO leg it is relayed as it is
 *   (the ordinary in-dialog relay), towards an RFC 4733 or in-band leg it is answered 200
 *   here and played by the worker.
 * Every digit, whichever way it came, reaches the media session's digit listeners (apps).
 */
import { createResponse } from '../sip/message/response.js';
import { getHeader } from '../sip/message/headers.js';
import type { SipRequest } from '../sip/message/types.js';
import type { ServerTransaction } from '../sip/transaction/types.js';
import type { Dialog } from '../sip/dialog/dialog.js';
import type { Target } from '../sip/transport/types.js';
import type { Logger } from '../util/logger.js';
import type { B2buaIo } from './b2bua-io.js';
import type { Side } from './call-registry.js';
import { dtmfRelayBody, parseDtmfInfo } from './dtmf-info-body.js';
import { allowsInfo, dtmfSettings } from './dtmf-mode.js';
import type { CallDigit, CallMediaSession, LegCodecs, LegDtmfSettings } from './ports.js';

/** INFO requests waiting for a leg (one is outstanding at a time); more are dropped and counted. */
const MAX_QUEUED_INFO = 32;

/** What the call gives: its two dialogs and where each leg's requests go. */
export interface DtmfCallLegs {
  dialog(side: Side): Dialog | undefined;
  target(side: Side): Target | undefined;
}

export class CallDtmf {
  private media: CallMediaSession | undefined;
  private readonly infoAllowed: Record<Side, boolean> = { a: false, b: false };
  private settings: { a: LegDtmfSettings; b: LegDtmfSettings } | undefined;
  private readonly queue: Record<Side, CallDigit[]> = { a: [], b: [] };
  private readonly sending: Record<Side, boolean> = { a: false, b: false };
  /** INFO digits not sent: the queue was full. */
  infoDropped = 0;

  constructor(
    private readonly io: B2buaIo,
    private readonly legs: DtmfCallLegs,
    private readonly logger: Logger,
    private readonly callId: string,
  ) {}

  /** The call's media session: its digits are interworked from now on. */
  attach(media: CallMediaSession): void {
    this.media = media;
    media.onDigit?.((d) => this.onMediaDigit(d));
  }

  /** The INVITE (caller) or the answer (callee) of a leg: does it take INFO? */
  noteAllow(side: Side, msg: SipRequest | { headers: SipRequest['headers'] }): void {
    this.infoAllowed[side] = allowsInfo(msg);
  }

  /** After each answer: tell the worker how each leg takes digits. */
  configure(codecs: LegCodecs): void {
    this.settings = dtmfSettings(codecs, this.infoAllowed);
    this.media?.setDtmf?.(this.settings).catch((e: unknown) => this.logger.warn('dtmf settings not applied', { call: this.callId, error: e }));
  }

  modeOf(side: Side): LegDtmfSettings['mode'] | undefined {
    return this.settings?.[side].mode;
  }

  /**
   * An INFO from a leg. Returns true when it was answered here (a DTMF digit for a leg that
   * takes RFC 4733 or tones, or a bad DTMF body); false: relay it as it is.
   */
  onInfo(side: Side, req: SipRequest, tx: ServerTransaction): boolean {
    const parsed = parseDtmfInfo(getHeader(req, 'content-type'), getHeader(req, 'content-encoding'), req.body);
    if (parsed.kind === 'not-dtmf') return false;
    if (parsed.kind === 'refuse') {
      tx.respond(createResponse(req, parsed.status, { reason: parsed.reason }));
      return true;
    }
    const digit: CallDigit = { leg: side, digit: parsed.digit, durationMs: parsed.durationMs, source: 'info' };
    this.media?.reportDigit?.(digit);
    const other: Side = side === 'a' ? 'b' : 'a';
    const mode = this.settings?.[other].mode;
    if (mode === undefined || mode === 'info') return false; // an INFO leg gets the INFO itself
    tx.respond(createResponse(req, 200));
    if ((mode === 'rfc4733' || mode === 'inband') && this.media?.sendDigit) {
      this.media.sendDigit(other, parsed.digit, parsed.durationMs).catch((e: unknown) => this.logger.warn('dtmf digit not played', { call: this.callId, leg: other, error: e }));
    } else {
      this.logger.debug('dtmf digit has no way to the other leg', { call: this.callId, from: side, digit: parsed.digit });
    }
    return true;
  }

  /** A digit the worker heard (RFC 4733 or in-band): towards an INFO leg, an INFO. */
  private onMediaDigit(d: CallDigit): void {
    if (d.source === 'info') return;
    const other: Side = d.leg === 'a' ? 'b' : 'a';
    if (this.settings?.[other].mode !== 'info') return;
    const q = this.queue[other];
    if (q.length >= MAX_QUEUED_INFO) {
      this.infoDropped++;
      return;
    }
    q.push(d);
    this.pump(other);
  }

  /** RFC 6086 §4.2.2 practice: one INFO outstanding per dialog; the next when it is answered. */
  private pump(side: Side): void {
    if (this.sending[side]) return;
    const d = this.queue[side].shift();
    if (!d) return;
    const dialog = this.legs.dialog(side);
    const target = this.legs.target(side);
    if (!dialog || !target) {
      this.queue[side].length = 0;
      return;
    }
    this.sending[side] = true;
    const req = dialog.createRequest('INFO', {
      via: this.io.viaFor(target.protocol),
      contact: this.io.contactFor(target.protocol),
      headers: [],
      body: dtmfRelayBody(d.digit, d.durationMs),
      contentType: 'application/dtmf-relay',
    });
    const next = (): void => {
      this.sending[side] = false;
      this.pump(side);
    };
    this.io.sendRequest(req, target, {
      onResponse: (res) => {
        if (res.status < 200) return;
        if (res.status >= 300) this.logger.debug('dtmf INFO refused', { call: this.callId, leg: side, status: res.status });
        next();
      },
      onTimeout: next,
      onTransportError: next,
    });
  }
}
