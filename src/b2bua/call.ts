import type { Dialog } from '../sip/dialog/dialog.js';
import { getHeader } from '../sip/message/headers.js';
import type { SipRequest, SipResponse } from '../sip/message/types.js';
import type { ServerTransaction } from '../sip/transaction/types.js';
import type { Target } from '../sip/transport/types.js';
import type { TimerHandle } from '../util/clock.js';
import { newCallId, newTag } from '../util/ids.js';
import type { CallContext } from './call-context.js';
import type { Side } from './call-registry.js';
import { dialogKey } from './call-registry.js';
import { farEndAddress, type CallStage } from './fork-targets.js';
import { Fork, type ForkOwner } from './fork.js';
import { answerCaller, buildForkInvite } from './messages.js';
import type { CallMediaSession, CallRecord, Disposition, HangupSide, LegCodecs, MediaCodec } from './ports.js';
import { SdpBridge } from './sdp-bridge.js';
import { SrtpLegs } from './srtp-legs.js';
import { WebrtcLegs } from './webrtc-legs.js';
import type { SrtpPolicy } from './srtp-policy.js';
import { CallDtmf } from './call-dtmf.js';
import { parseSdp } from '../sdp/parse.js';
import { restrictCodecs } from '../sdp/restrict-codecs.js';
import { serializeSdp } from '../sdp/serialize.js';
import { dispositionOf, pickFinalFailure, type ForkFailure } from './status-mapping.js';
import { refreshFailureEndsSession, SessionTimer, sessionTimerFromResponse, sessionTimerRefreshHeaders, type NegotiatedTimer } from '../sip/dialog/session-timer.js';
import { MusicOnHold } from './music-on-hold.js';
import { AckAnswers } from './ack-answer.js';
import { CallerEarlyLeg } from './caller-early-leg.js';
import { LateOffer } from './late-offer.js';
import { cseqOf } from '../sip/message/headers.js';
import { DirectMedia } from './direct-media.js';
import { reasonPhrase } from '../sip/message/reason-phrases.js';

export type CallState = 'routing' | 'proceeding' | 'answered' | 'ending' | 'ended';

export interface CallInput {
  invite: SipRequest;
  inviteTx: ServerTransaction;
  /** Where requests to the caller go: the address and connection its INVITE came from. */
  callerTarget: Target;
  callerSourceAddress: string;
  /** The calling extension; absent for a call that came in from a trunk. */
  callerExt?: string;
  calleeExt: string;
  calleeUri: string;
  /** The plan: stages tried one after the other; the targets of a stage ring at once. */
  stages: CallStage[];
  /** SDES-SRTP policy of each leg (srtp-policy.ts); absent: optional (on TLS). */
  srtp?: { caller?: SrtpPolicy; callee?: SrtpPolicy };
  /** What the call record says about where the call went. */
  record: { direction: 'internal' | 'inbound' | 'outbound'; trunk?: string; did?: string; fromNumber?: string; toNumber?: string };
  /** Release the call-limit slot; called once when the call ends. */
  releaseLimit: () => void;
  /** RFC 4028 towards the caller, as answered to its INVITE: headers for our 200, then the timer. */
  callerTimer: { timer: NegotiatedTimer | undefined; headers: Array<[string, string]> };
  /** Ring this long before giving up (an extension's no-answer forward); default calls.noAnswerSeconds. */
  noAnswerMs?: number;
  /** Nobody answered (busy, no answer, unavailable): true when the caller was taken over (forward, voicemail: app-calls.ts). */
  onUnanswered?(why: UnansweredCause, handover: { id: string; aTag: string; startedAt: number; media: CallMediaSession; early?: { body: Buffer; codec: MediaCodec } }): boolean;
}

export type UnansweredCause = 'busy' | 'noanswer' | 'unavailable';

/**
 * One call through the B2BUA: the caller's INVITE (leg A, our UAS dialog), one fork per
 * registered contact of the callee (leg B, our UAC dialogs), one media session relaying
 * between them, and the call record. The first 2xx wins; the other forks are cancelled.
 */
export class Call implements ForkOwner {
  /** The PBX's own id for the call, the key of its record. */
  readonly id: string;
  /** The caller's Call-ID, as received. */
  readonly aLegCallId: string;
  state: CallState = 'routing';
  readonly aTag = newTag();
  aDialog: Dialog | undefined;
  winner: Fork | undefined;
  private forks: Fork[] = [];
  private stageForks: Fork[] = [];
  private stageFailures: ForkFailure[] = [];
  private stageIndex = -1;
  private stageTimer: TimerHandle | undefined;
  private offerForCallee: Buffer | undefined;
  private failures: ForkFailure[] = [];
  private media: CallMediaSession | undefined;
  private readonly sdp: SdpBridge;
  private moh: MusicOnHold | undefined;
  private noAnswerTimer: TimerHandle | undefined;
  private okRetransmit: { timer: TimerHandle | undefined; interval: number; elapsed: number; response: SipResponse } | undefined;
  private earlyMediaFork: Fork | undefined;
  /** The SDP answer the caller got in a 18x (RFC 3261 §13.2.1: its first answer is THE answer), for a handover. */
  private earlyAnswer: { body: Buffer; codec: MediaCodec } | undefined;
  readonly startedAt: number;
  answeredAt: number | undefined;
  private endInfo: { disposition: Disposition; cause: string; side: HangupSide } | undefined;
  /** In-dialog transactions being relayed, to refuse a second re-INVITE at once (RFC 3261 §14.2: 491). */
  pendingReinvite: Side | undefined;
  /** RFC 4028 per leg: each of our two dialogs has its own session timer. */
  private readonly sessionTimers: Record<Side, SessionTimer | undefined> = { a: undefined, b: undefined };
  readonly negotiated: Record<Side, NegotiatedTimer | undefined> = { a: undefined, b: undefined };
  /** DTMF interworking between the legs (RFC 4733, SIP INFO, in-band). */
  readonly dtmf: CallDtmf;
  /** Our 2xx that carried an offer, waiting for the answer in the ACK (late offer, re-INVITE without SDP). */
  readonly ackAnswers: AckAnswers;
  /** RFC 3262 reliable provisionals, PRACK and early UPDATE towards the caller. */
  readonly callerEarly: CallerEarlyLeg;
  /** The caller sent no SDP: the PBX makes both offers (late-offer.ts). */
  private late: LateOffer | undefined;
  /** The SDP of the early-media fork's 18x: the answer when its 200 carries none (RFC 3262 §5). */
  private earlySdp: Buffer | undefined;
  /** What each leg carries, as last told to the media path. */
  private legCodecs: LegCodecs | undefined;
  /** Leg A after a transfer put a party of our own calling on it (replaceLeg); ext: its extension, if one. */
  private aLeg: { target: Target; ext: string | undefined; client?: string } | undefined;
  /** Leg B after a transfer put a party there that is not a registered contact (attended transfer). */
  private bExt: { ext: string | undefined } | undefined;
  /** A side whose party left (dropLeg: a transferor, a parker) gets no BYE when the call ends. */
  private readonly legGone: Record<Side, boolean> = { a: false, b: false };
  /** Direct media (direct-media.ts): the PBX steps out of the RTP path when the tenant's policy allows. */
  readonly direct: DirectMedia;

  constructor(
    private readonly ctx: CallContext,
    readonly input: CallInput,
  ) {
    this.id = newCallId();
    this.aLegCallId = getHeader(input.invite, 'call-id') ?? '';
    this.startedAt = ctx.clock.now();
    this.sdp = new SdpBridge(ctx.mediaAddress, ctx.ownAddresses);
    this.sdp.srtp = new SrtpLegs({ ...input.srtp, callerTls: input.callerTarget.protocol === 'tls' });
    if (ctx.webrtcIdentity) this.sdp.webrtc = new WebrtcLegs(ctx.webrtcIdentity);
    const legs = { dialog: (s: Side) => (s === 'a' ? this.aDialog : this.winner?.dialog), target: (s: Side) => (s === 'a' ? this.callerTarget : this.winner?.target.target) };
    this.dtmf = new CallDtmf(ctx.io, legs, ctx.logger, this.id);
    this.dtmf.noteAllow('a', input.invite);
    this.ackAnswers = new AckAnswers(ctx.clock, ctx.settings);
    this.callerEarly = new CallerEarlyLeg(this, ctx);
    this.direct = new DirectMedia(this, ctx);
  }

  /** Every branch tried so far (for call-activity.ts). */
  get branches(): readonly Fork[] {
    return this.forks;
  }

  get callerTarget(): Target {
    return this.aLeg?.target ?? this.input.callerTarget;
  }

  /** Where leg A's signalling comes from (its media may come only from there or its SDP's address). */
  get callerSourceAddress(): string {
    return this.aLeg ? (this.aLeg.client ?? this.aLeg.target.address) : this.input.callerSourceAddress;
  }

  /** The party on one side left during a transfer (its BYE was answered): its dialog and session timer go. */
  dropLeg(side: Side): void {
    this.direct.legChanged(side);
    this.legGone[side] = true;
    const old = side === 'a' ? this.aDialog : this.winner?.dialog;
    if (old) this.ctx.registry.removeDialog(dialogKey(old.id.callId, old.id.localTag, old.id.remoteTag));
    this.sessionTimers[side]?.stop();
  }

  /**
   * A transfer (call-transfer.ts) put a new party on one side: its answered fork becomes
   * that side's dialog, the old one is forgotten (the transfer BYEs it), the session timer
   * starts over with what the new leg negotiated.
   */
  replaceLeg(side: Side, fork: Fork, timer: NegotiatedTimer | undefined, ext: string | undefined = fork.target.trunk === undefined ? fork.target.binding?.aor : undefined): void {
    this.direct.legChanged(side);
    this.legGone[side] = false;
    const old = side === 'a' ? this.aDialog : this.winner?.dialog;
    if (old) this.ctx.registry.removeDialog(dialogKey(old.id.callId, old.id.localTag, old.id.remoteTag));
    if (side === 'a') {
      this.aDialog = fork.dialog;
      this.aLeg = { target: fork.target.target, ext, ...(fork.target.client !== undefined ? { client: fork.target.client } : {}) };
    } else {
      this.winner = fork;
      this.bExt = { ext };
    }
    this.pendingReinvite = undefined;
    if (fork.dialog) this.ctx.registry.addDialog(dialogKey(fork.dialog.id.callId, fork.dialog.id.localTag, fork.dialog.id.remoteTag), this, side);
    this.startSessionTimer(side, timer);
    this.ctx.activity?.(this);
  }

  /** The extension on one side now (after transfers); undefined for a trunk or an outside party. */
  partyExt(side: Side): string | undefined {
    if (side === 'a') return this.aLeg ? this.aLeg.ext : this.input.callerExt;
    if (this.bExt) return this.bExt.ext;
    return this.winner?.target.trunk === undefined ? this.winner?.target.binding?.aor : undefined;
  }

  /** End the call without a BYE to anyone (both parties already left or moved to another call). */
  leave(cause: string): void {
    if (this.state === 'answered') this.finish('answered', cause, 'system');
  }

  get mediaSession(): CallMediaSession | undefined {
    return this.media;
  }

  get sdpBridge(): SdpBridge {
    return this.sdp;
  }

  /** Direction, trunk (the one that answered, on failover), DID and numbers for the call record. */
  private recordTrunkFields(): Pick<CallRecord, 'direction' | 'trunk' | 'did' | 'fromNumber' | 'toNumber'> {
    const r = this.input.record;
    const trunk = this.winner?.target.trunk ?? r.trunk;
    return {
      direction: r.direction,
      ...(trunk !== undefined ? { trunk } : {}),
      ...(r.did !== undefined ? { did: r.did } : {}),
      ...(r.fromNumber !== undefined ? { fromNumber: r.fromNumber } : {}),
      ...(r.toNumber !== undefined ? { toNumber: r.toNumber } : {}),
    };
  }

  /** Route the call: media first, then one INVITE per contact. Never throws. */
  async start(offer: Buffer): Promise<void> {
    const { invite, inviteTx } = this.input;
    inviteTx.respond(answerCaller(invite, 100, { toTag: this.aTag }));
    this.ctx.recorder.started({
      callId: this.id,
      aLegCallId: this.aLegCallId,
      fromUri: getHeader(invite, 'from') ?? '',
      ...(this.input.callerExt !== undefined ? { fromExt: this.input.callerExt } : {}),
      toUri: this.input.calleeUri,
      // An outbound call's callee is a number (toNumber), not an extension.
      ...(this.input.record.direction !== 'outbound' ? { toExt: this.input.calleeExt } : {}),
      ...this.recordTrunkFields(),
      startedAt: this.startedAt,
    });
    try {
      this.media = await this.ctx.media.createSession(this.id);
    } catch (e) {
      this.ctx.logger.error('no media session for a call', { call: this.id, error: e });
      this.failCaller(503, reasonPhrase(503), 'media unavailable');
      return;
    }
    this.media.onTimeout(() => this.hangupBoth('system', 'RTP timeout'));
    this.media.onEnded((reason) => this.hangupBoth('system', `media ended: ${reason}`));
    this.dtmf.attach(this.media);
    if (this.state !== 'routing') {
      // cancelled while the media session was being set up
      void this.media.release();
      return;
    }
    if (offer.length === 0) {
      this.late = new LateOffer(this.sdp, this.input.callerSourceAddress, (m, f) => this.ctx.logger.warn(m, { call: this.id, ...f }));
      this.offerForCallee = this.late.offerToCallee(this.media);
    } else {
      const bOffer = this.sdp.offerToCallee(offer, this.media, this.input.callerSourceAddress);
      if (bOffer.callerRemote.latchOnly) {
        this.ctx.logger.warn("caller's SDP names an address it does not signal from; no media is sent there until the caller's own media arrives", { call: this.id, sdpAddress: bOffer.callerRemote.address, source: this.input.callerSourceAddress });
      }
      void this.media.setRemote('a', bOffer.callerRemote).catch((e: unknown) => this.ctx.logger.warn('setRemote failed', { call: this.id, error: e }));
      this.offerForCallee = bOffer.body;
    }
    this.state = 'proceeding';
    this.noAnswerTimer = this.ctx.clock.setTimeout(() => this.onNoAnswer(), this.input.noAnswerMs ?? this.ctx.settings.noAnswerMs);
    this.startStage(0);
  }

  /** Ring the targets of one stage of the plan (all at once). */
  private startStage(index: number): void {
    this.ctx.clock.clearTimeout(this.stageTimer);
    this.stageIndex = index;
    const stage = this.input.stages[index];
    if (!stage) {
      if (this.handOver(unansweredCause(this.failures))) return;
      const final = pickFinalFailure(this.failures);
      this.failCaller(final.status, final.reason, `${final.status} ${final.reason}`);
      return;
    }
    const invite = this.input.invite;
    const offer = this.offerForCallee ?? Buffer.alloc(0);
    const refused: ForkFailure[] = [];
    const forks: Fork[] = [];
    stage.targets.forEach((t, i) => {
      // A trunk that takes only some codecs is offered only those (and none: 488, RFC 3261 §21.4.26).
      const full = t.codecs ? offerWithCodecs(offer, t.codecs) : offer;
      const sdes = full && this.sdp.srtp ? this.sdp.srtp.forTarget(full, t.target.protocol) : full; // no SDES keys over UDP/TCP
      const body = sdes && this.sdp.webrtc ? this.sdp.webrtc.forTarget(sdes, t.target.protocol) : sdes; // a browser behind a WebSocket
      if (!body) {
        refused.push({ status: 488, reason: reasonPhrase(488) });
        return;
      }
      forks.push(
        new Fork(
          this.forks.length + i,
          t,
          buildForkInvite({
            requestUri: t.requestUri,
            fromValue: t.fromValue ?? (getHeader(invite, 'from') ?? '').replace(/;\s*tag=[^;]*/i, ''),
            toUri: t.toUri ?? this.input.calleeUri,
            via: this.ctx.viaFor(t.target.protocol),
            contact: this.ctx.contactFor(t.target.protocol),
            body,
            extraHeaders: [...this.ctx.forkHeaders(), ...(t.headers ?? [])],
          }),
          this,
          this.ctx.forkIo,
        ),
      );
    });
    this.stageForks = forks;
    this.forks.push(...forks);
    this.stageFailures = [...refused];
    this.failures.push(...refused);
    this.ctx.logger.debug('call stage', { call: this.id, from: this.input.callerExt, to: this.input.calleeExt, stage: index, forks: forks.length });
    if (stage.timeoutMs !== undefined && index + 1 < this.input.stages.length) {
      this.stageTimer = this.ctx.clock.setTimeout(() => {
        if (this.state !== 'proceeding' || this.stageIndex !== index) return;
        for (const f of forks) f.cancel('SIP;cause=480;text="No answer"');
        this.startStage(index + 1);
      }, stage.timeoutMs);
    }
    if (forks.length === 0) {
      this.onStageFailed();
      return;
    }
    for (const f of forks) f.start();
    this.ctx.activity?.(this);
  }

  private onStageFailed(): void {
    const stage = this.input.stages[this.stageIndex];
    const goOn = stage?.continueAfter ? stage.continueAfter(this.stageFailures) : true;
    if (goOn && this.stageIndex + 1 < this.input.stages.length) {
      this.startStage(this.stageIndex + 1);
      return;
    }
    const final = pickFinalFailure(goOn ? this.failures : this.stageFailures);
    if (this.handOver(unansweredCause(this.failures))) return;
    this.failCaller(final.status, final.reason, `${final.status} ${final.reason}`);
  }

  // ---- forks -------------------------------------------------------------------------

  onProvisional(fork: Fork, res: SipResponse): void {
    if (this.state !== 'proceeding') return;
    this.ctx.activity?.(this);
    let body: Buffer | undefined;
    this.sdp.srtp?.noteTransport('b', fork.target.target.protocol); // SDES only from a TLS callee
    // Early media from one fork only: the first to bring SDP (RFC 3960 gateway model).
    if (this.late && res.body.length > 0 && this.media && !this.earlyMediaFork && this.late.calleeAnswered(res.body, this.media, farEndAddress(fork.target))) {
      this.earlyMediaFork = fork;
      this.earlySdp = res.body;
    } else if (!this.late && res.body.length > 0 && this.media && (!this.earlyMediaFork || this.earlyMediaFork === fork)) {
      const answer = this.sdp.answerToCaller(res.body, this.media, farEndAddress(fork.target));
      if (answer) {
        this.earlyMediaFork = fork;
        this.earlySdp = res.body;
        body = answer.body;
        if (answer.codecs) this.earlyAnswer = { body: answer.body, codec: answer.codecs.a };
        this.dtmf.noteAllow('b', res);
        void this.media.setRemote('b', answer.calleeRemote).catch(() => undefined);
        this.useCodecs(answer.codecs);
      }
    }
    const status = res.status === 183 && !body ? 180 : res.status;
    this.callerEarly.sendProvisional(answerCaller(this.input.invite, status, { toTag: this.aTag, contact: this.ctx.contactFor(this.input.callerTarget.protocol), reason: res.reason, ...(body ? { body } : {}) }), body ? fork : undefined);
  }

  onSuccess(fork: Fork, res: SipResponse): void {
    // ACK every 2xx at once: the offer was in our INVITE, so the ACK carries no SDP.
    this.ctx.ackFork(fork, res);
    if (this.state !== 'proceeding' || this.winner) {
      // Another branch won (or the caller left): this one is hung up (RFC 3261 §16.7 step 5 analog).
      this.ctx.byeFork(fork);
      return;
    }
    // After a reliable 18x with SDP the 200 need not repeat the answer (RFC 3262 §5).
    const calleeSdp = res.body.length > 0 || this.earlyMediaFork !== fork ? res.body : (this.earlySdp ?? res.body);
    if (!this.answerWith(fork, calleeSdp, res, sessionTimerFromResponse(fork.invite, res))) {
      // A 2xx without a usable answer: the session cannot be set up (RFC 3264 §6).
      this.ctx.byeFork(fork);
      this.failCaller(488, reasonPhrase(488), 'callee answered without usable SDP');
    }
  }

  /** The forks still ringing: the extensions a call pickup can take this call from (call-pickup.ts). */
  get ringingForks(): readonly Fork[] {
    return this.state === 'proceeding' && !this.winner ? this.forks.filter((f) => !f.done) : [];
  }

  /** The offer sent to the callee's forks (call-pickup.ts answers it for the picking phone); undefined for a late offer. */
  get calleeOffer(): Buffer | undefined {
    return this.late ? undefined : this.offerForCallee;
  }

  /** Who took this ringing call by call pickup: the call record says so. */
  pickedUpBy: string | undefined;

  /**
   * Call pickup (call-pickup.ts): a phone that dialled the pickup code answers this call
   * while it rings. `leg` (its INVITE, answered by the PBX) becomes the callee's leg, the
   * forks are cancelled, the caller gets its 200. False (nothing changed) when the call
   * rings no more or `calleeSdp` is no answer to our offer.
   */
  pickUp(leg: Fork, calleeSdp: Buffer, allowFrom: SipRequest, by: string, legB: (c: MediaCodec) => MediaCodec): boolean {
    if (this.state !== 'proceeding' || this.winner || this.late) return false;
    if (!this.answerWith(leg, calleeSdp, allowFrom, undefined)) return false;
    this.pickedUpBy = by;
    // The picking phone numbers its payload types its own way.
    if (this.legCodecs) this.useCodecs({ ...this.legCodecs, b: legB(this.legCodecs.b) });
    return true;
  }

  /** `fork` answered with `calleeSdp`: the caller gets its 200 and the call is up. False: no usable answer, nothing changed. */
  private answerWith(fork: Fork, calleeSdp: Buffer, allowFrom: SipRequest | SipResponse, timerB: NegotiatedTimer | undefined): boolean {
    let body: Buffer | undefined;
    this.sdp.srtp?.noteTransport('b', fork.target.target.protocol);
    if (this.late && this.media) {
      if (this.late.calleeAnswered(calleeSdp, this.media, farEndAddress(fork.target))) {
        this.dtmf.noteAllow('b', allowFrom);
        body = this.late.offerToCaller(this.media);
      }
    } else if (this.media) {
      const answer = this.sdp.answerToCaller(calleeSdp, this.media, farEndAddress(fork.target));
      if (answer) {
        body = answer.body;
        this.dtmf.noteAllow('b', allowFrom);
        void this.media.setRemote('b', answer.calleeRemote).catch(() => undefined);
        this.useCodecs(answer.codecs);
      }
    }
    if (!body) return false;
    this.winner = fork;
    this.state = 'answered';
    this.answeredAt = this.ctx.clock.now();
    this.ctx.clock.clearTimeout(this.noAnswerTimer);
    this.ctx.clock.clearTimeout(this.stageTimer);
    for (const f of this.forks) if (f !== fork) f.cancel();
    this.callerEarly.stop();
    const ok = answerCaller(this.input.invite, 200, {
      toTag: this.aTag,
      contact: this.ctx.contactFor(this.input.callerTarget.protocol),
      body,
      headers: [...this.ctx.answerHeaders(this.input.invite), ...this.input.callerTimer.headers],
    });
    this.input.inviteTx.respond(ok);
    if (this.late && this.media) {
      const [late, media] = [this.late, this.media];
      this.ackAnswers.expect('a', cseqOf(this.input.invite).seq, { answered: (b) => late.callerAnswered(b, media, (c) => this.useCodecs(c)), failed: (cause) => this.hangupBoth('system', cause) });
    }
    this.startSessionTimer('a', this.input.callerTimer.timer);
    this.startSessionTimer('b', timerB);
    // The early dialog goes on confirmed when it carried requests (its CSeqs go on, RFC 3261 §12.2).
    this.aDialog = this.callerEarly.confirmedDialog() ?? this.ctx.uasDialog(this.input.invite, this.aTag, this.ctx.contactFor(this.input.callerTarget.protocol));
    this.ctx.registry.addDialog(dialogKey(this.aDialog.id.callId, this.aDialog.id.localTag, this.aDialog.id.remoteTag), this, 'a');
    if (fork.dialog) this.ctx.registry.addDialog(dialogKey(fork.dialog.id.callId, fork.dialog.id.localTag, fork.dialog.id.remoteTag), this, 'b');
    this.ctx.recorder.answered(this.id, this.answeredAt);
    this.retransmitOk(ok);
    this.ctx.onAnswered(this);
    return true;
  }

  onSuccessRetransmission(fork: Fork, res: SipResponse): void {
    // RFC 3261 §13.2.2.4: every 2xx retransmission gets the same ACK again.
    this.ctx.ackFork(fork, res);
  }

  onFailure(fork: Fork, status: number, reason: string): void {
    this.ctx.logger.debug('fork failed', { call: this.id, fork: fork.index, status, reason });
    this.failures.push({ status, reason });
    this.ctx.activity?.(this);
    if (this.state !== 'proceeding' || !this.stageForks.includes(fork)) return;
    this.stageFailures.push({ status, reason });
    if (!this.stageForks.every((f) => f.done)) return;
    this.onStageFailed();
  }

  // ---- caller side -------------------------------------------------------------------

  /**
   * An offer from `offerer` was answered (re-INVITE or UPDATE): a hold (sendonly/inactive)
   * plays music on hold to the other party, a resume stops it (music-on-hold.ts).
   */
  holdAnswered(offerer: Side, hold: boolean): void {
    if (!this.media) return;
    this.moh ??= new MusicOnHold(this.media, {
      files: () => this.ctx.musicOnHold?.(),
      warn: (message, fields) => this.ctx.logger.warn(message, { call: this.id, ...fields }),
    });
    this.moh.offerAnswered(offerer, hold);
    this.direct.relayedOffer(hold);
  }

  /** Whether music on hold plays to `side` now (its party is held). */
  isHeld(side: Side): boolean {
    return this.moh?.isHeld(side) ?? false;
  }

  /** What each leg carries, as last told to the media path. */
  get codecs(): LegCodecs | undefined {
    return this.legCodecs;
  }

  /** One leg now carries another codec (an answer to our own offer on that leg); the other leg's stays. */
  useLegCodec(side: Side, codec: LegCodecs['a']): void {
    const now = this.legCodecs;
    if (!now || (now[side].payloadType === codec.payloadType && now[side].name === codec.name)) return;
    this.useCodecs({ ...now, [side]: codec });
  }

  /** Tell the media path what each leg carries (relay or transcode); a failure is logged, the call goes on. */
  useCodecs(codecs: LegCodecs | undefined): void {
    if (codecs) this.legCodecs = codecs;
    if (!codecs || !this.media?.useCodecs) return;
    this.media.useCodecs(codecs).catch((e: unknown) => this.ctx.logger.warn('media codecs not applied', { call: this.id, error: e }));
    this.dtmf.configure(codecs);
  }

  /** The caller's CANCEL (RFC 3261 §9.2): 487 to the INVITE, cancel every branch. */
  cancelByCaller(): void {
    if (this.state !== 'routing' && this.state !== 'proceeding') return;
    for (const f of this.forks) f.cancel('SIP;cause=487;text="Request Terminated"');
    this.input.inviteTx.respond(answerCaller(this.input.invite, 487, { toTag: this.aTag }));
    this.finish('cancelled', '487 Request Terminated', 'caller');
  }

  /** The caller's ACK for our 2xx: stop retransmitting it (RFC 3261 §13.3.1.4). */
  onCallerAck(): void {
    if (this.okRetransmit) this.ctx.clock.clearTimeout(this.okRetransmit.timer);
    this.okRetransmit = undefined;
    this.direct.join();
  }

  private onNoAnswer(): void {
    if (this.state !== 'proceeding') return;
    for (const f of this.forks) f.cancel('SIP;cause=480;text="No answer"');
    if (this.handOver('noanswer')) return;
    this.input.inviteTx.respond(answerCaller(this.input.invite, 480, { toTag: this.aTag, reason: 'No Answer' }));
    this.finish('no_answer', '480 No Answer', 'system');
  }

  private failCaller(status: number, reason: string, cause: string, headers?: ReadonlyArray<readonly [string, string]>): void {
    if (this.state === 'ended' || this.state === 'ending') return;
    for (const f of this.forks) f.cancel();
    this.input.inviteTx.respond(answerCaller(this.input.invite, status, { toTag: this.aTag, reason, ...(headers ? { headers } : {}) }));
    this.finish(status >= 500 && status < 600 ? 'failed' : dispositionOf(status), cause, status === 487 ? 'caller' : 'callee');
  }

  /**
   * Nobody answered: the caller, its media session and its record go on elsewhere (a
   * forward, voicemail) when onUnanswered takes them; this Call then ends without a record.
   */
  private handOver(why: UnansweredCause): boolean {
    if (!this.input.onUnanswered || this.state !== 'proceeding' || !this.media) return false;
    for (const f of this.forks) f.cancel('SIP;cause=480;text="Forwarded"');
    const handover = { id: this.id, aTag: this.aTag, startedAt: this.startedAt, media: this.media, ...(this.earlyAnswer ? { early: this.earlyAnswer } : {}) };
    if (!this.input.onUnanswered(why, handover)) return false;
    this.state = 'ended';
    this.ctx.clock.clearTimeout(this.noAnswerTimer);
    this.ctx.clock.clearTimeout(this.stageTimer);
    this.ctx.onEnded(this);
    return true;
  }

  /** RFC 3261 §13.3.1.4: the UAS core retransmits its 2xx until the ACK (UDP only). */
  private retransmitOk(ok: SipResponse): void {
    if (this.input.callerTarget.protocol !== 'udp') return;
    const t1 = this.ctx.settings.t1;
    const step = (interval: number, elapsed: number) => {
      this.okRetransmit = {
        response: ok,
        interval,
        elapsed,
        timer: this.ctx.clock.setTimeout(() => {
          if (!this.okRetransmit || this.state !== 'answered') return;
          if (elapsed + interval >= 64 * t1) {
            // No ACK within 64*T1: the dialog is confirmed but broken; end it with BYE.
            this.okRetransmit = undefined;
            this.hangupBoth('system', 'no ACK for 200');
            return;
          }
          this.ctx.sendToCaller(this, ok);
          step(Math.min(interval * 2, this.ctx.settings.t2), elapsed + interval);
        }, interval),
      };
    };
    step(t1, 0);
  }

  // ---- session timers (RFC 4028) ------------------------------------------------------

  /** (Re)start a leg's session timer with what was negotiated on it; undefined = none. */
  startSessionTimer(side: Side, timer: NegotiatedTimer | undefined): void {
    if (this.state !== 'answered') return;
    this.negotiated[side] = timer;
    let t = this.sessionTimers[side];
    if (!t) {
      t = new SessionTimer(
        this.ctx.clock,
        {
          onRefresh: () => this.refreshSession(side),
          // §10: no refresh in time: the session is over.
          onExpire: () => this.hangupBoth('system', `session timer expired on the ${side === 'a' ? 'caller' : 'callee'} leg`),
        },
        this.ctx.logger,
      );
      this.sessionTimers[side] = t;
    }
    t.start(timer);
  }

  /** We are the refresher on this leg: an UPDATE without SDP carries the refresh (§7.4, §9). */
  private refreshSession(side: Side): void {
    const timer = this.negotiated[side];
    const dialog = side === 'a' ? this.aDialog : this.winner?.dialog;
    const target = side === 'a' ? this.callerTarget : this.winner?.target.target;
    if (!timer || !dialog || !target || this.state !== 'answered') return;
    const req = dialog.createRequest('UPDATE', {
      via: this.ctx.io.viaFor(target.protocol),
      contact: this.ctx.io.contactFor(target.protocol),
      headers: sessionTimerRefreshHeaders(timer, this.ctx.sessionPolicy.minSE),
    });
    this.ctx.io.sendRequest(req, target, {
      onResponse: (res) => {
        if (res.status < 200) return;
        if (res.status < 300) {
          this.startSessionTimer(side, sessionTimerFromResponse(req, res) ?? timer);
        } else if (refreshFailureEndsSession(res.status)) {
          this.hangupBoth('system', `session refresh failed: ${res.status}`);
        }
      },
      onTimeout: () => this.hangupBoth('system', 'session refresh timed out'),
      onTransportError: () => this.hangupBoth('system', 'session refresh not sent'),
    });
  }

  // ---- teardown ----------------------------------------------------------------------

  /** BYE from one side: the other side gets our BYE; the call ends. */
  hangupFrom(side: Side, cause: string): void {
    if (this.state !== 'answered') return;
    if (side === 'a') {
      if (this.winner && !this.legGone.b) this.ctx.byeFork(this.winner);
      this.finish('answered', cause, 'caller');
    } else {
      if (!this.legGone.a) this.ctx.byeCaller(this);
      this.finish('answered', cause, 'callee');
    }
  }

  /**
   * The system ends the call (RTP timeout, session timer, no ACK, drain, an administrator).
   * `reason`: an RFC 3326 Reason header value for the BYEs (or the final answer to the caller).
   */
  hangupBoth(side: HangupSide, cause: string, reason?: string): void {
    const headers: Array<[string, string]> | undefined = reason === undefined ? undefined : [['Reason', reason]];
    if (this.state === 'answered') {
      if (!this.legGone.a) this.ctx.byeCaller(this, headers);
      if (this.winner && !this.legGone.b) this.ctx.byeFork(this.winner, headers);
      this.finish('answered', cause, side);
    } else if (this.state === 'routing' || this.state === 'proceeding') {
      this.failCaller(503, reasonPhrase(503), cause, headers);
    }
  }

  private finish(disposition: Disposition, cause: string, side: HangupSide): void {
    if (this.state === 'ending' || this.state === 'ended') return;
    this.ctx.logger.debug('call ended', { call: this.id, disposition, cause, side });
    this.state = 'ending';
    this.ctx.activity?.(this);
    this.endInfo = { disposition, cause, side };
    this.ctx.clock.clearTimeout(this.noAnswerTimer);
    this.ctx.clock.clearTimeout(this.stageTimer);
    if (this.okRetransmit) this.ctx.clock.clearTimeout(this.okRetransmit.timer);
    this.okRetransmit = undefined;
    this.sessionTimers.a?.stop();
    this.sessionTimers.b?.stop();
    this.ackAnswers.stop();
    this.callerEarly.stop();
    this.direct.stop();
    if (this.aDialog) this.ctx.registry.removeDialog(dialogKey(this.aDialog.id.callId, this.aDialog.id.localTag, this.aDialog.id.remoteTag));
    const d = this.winner?.dialog;
    if (d) this.ctx.registry.removeDialog(dialogKey(d.id.callId, d.id.localTag, d.id.remoteTag));
    this.input.releaseLimit();
    const endedAt = this.ctx.clock.now();
    const write = (media: unknown) => {
      this.state = 'ended';
      const info = this.endInfo!;
      try {
        this.ctx.recorder.ended({
          callId: this.id,
          aLegCallId: this.aLegCallId,
          ...(this.winner ? { bLegCallId: getHeader(this.winner.invite, 'call-id') ?? '' } : {}),
          fromUri: getHeader(this.input.invite, 'from') ?? '',
          ...(this.input.callerExt !== undefined ? { fromExt: this.input.callerExt } : {}),
          toUri: this.input.calleeUri,
          // The extension that answered (a ring group's member), else the one called.
          ...(this.winner?.target.binding ? { toExt: this.winner.target.binding.aor } : this.input.record.direction !== 'outbound' ? { toExt: this.input.calleeExt } : {}),
          ...this.recordTrunkFields(),
          startedAt: this.startedAt,
          ...(this.answeredAt !== undefined ? { answeredAt: this.answeredAt } : {}),
          endedAt,
          disposition: info.disposition,
          hangupCause: this.pickedUpBy !== undefined ? `${info.cause} (picked up by ${this.pickedUpBy})` : info.cause,
          hangupSide: info.side,
          ...(media !== undefined ? { media } : {}),
        });
      } catch (e) {
        this.ctx.logger.error('call record not written', { call: this.id, error: e });
      }
      this.ctx.onEnded(this);
    };
    if (this.media) {
      this.media.release().then(write, () => write(undefined));
    } else {
      write(undefined);
    }
  }

  /** For drain and stats: whether the call is still up in any sense. */
  get live(): boolean {
    return this.state !== 'ended';
  }
}

/** Why nobody answered: every branch busy (486/600), else no answer, else unavailable. */
function unansweredCause(failures: ReadonlyArray<{ status: number }>): UnansweredCause {
  if (failures.length > 0 && failures.every((f) => f.status === 486 || f.status === 600)) return 'busy';
  if (failures.length === 0 || failures.some((f) => f.status === 480 || f.status === 408 || f.status === 487)) return 'noanswer';
  return 'unavailable';
}

/** The offer cut down to the codecs a trunk takes; undefined when none of them is in it. */
function offerWithCodecs(offer: Buffer, codecs: readonly string[]): Buffer | undefined {
  if (offer.length === 0) return offer;
  try {
    const sd = restrictCodecs(parseSdp(offer), codecs);
    return sd ? Buffer.from(serializeSdp(sd)) : undefined;
  } catch {
    return undefined;
  }
}
