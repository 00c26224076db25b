/**
 * A caller's leg that the PBX answers itself to run a call application (voicemail, IVR,
 * feature code, play-then-hang-up), and that can then be bridged to a destination's
 * targets without a second answer to the caller (AppChannel.continueTo).
 *
 * Leg A is our UAS dialog with the caller: 200 with an SDP of leg A of the call's media
 * session (conference-answer.ts chooses the codec), 2xx retransmitted until the ACK (RFC
 * 3261 §13.3.1.4), BYE, in-dialog re-INVITE/UPDATE answered here with the same SDP (the
 * media does not move) and an RFC 4028 session timer. Leg B is our UAC dialog with whoever
 * answers the bridge: one INVITE per target of a stage (fork.ts), the first 2xx wins, the
 * worker relays or transcodes between the legs (useCodecs with leg A's codec as answered
 * and leg B's as the callee chose). While it rings the caller hears ringback (the tenant's
 * music on hold, else the built-in ring tone prompt).
 */
import { AppLateOffer } from './app-late-offer.js';
import { Dialog } from '../sip/dialog/dialog.js';
import { answerSessionTimer, refreshFailureEndsSession, SessionTimer, sessionTimerFromResponse, sessionTimerRefreshHeaders, type NegotiatedTimer } from '../sip/dialog/session-timer.js';
import { createResponse } from '../sip/message/response.js';
import { getHeader } from '../sip/message/headers.js';
import type { SipRequest, SipResponse } from '../sip/message/types.js';
import type { ServerTransaction } from '../sip/transaction/types.js';
import type { Target } from '../sip/transport/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { TimerHandle } from '../util/clock.js';
import { newCallId, newTag } from '../util/ids.js';
import type { AppCaller } from '../apps/app-channel.js';
import type { AppLegDeps } from './app-leg-deps.js';
import { answerOffer } from './conference-answer.js';
import { dialogKey, type Side } from './call-registry.js';
import { DigitReader } from './digit-reader.js';
import { parseDtmfInfo } from './dtmf-info-body.js';
import { farEndAddress, type CallStage } from './fork-targets.js';
import { Fork, type ForkOwner } from './fork.js';
import { answerCaller, buildForkInvite } from './messages.js';
import type { CallMediaSession, CallRecord, Disposition, HangupSide, MediaCodec } from './ports.js';
import { browserCaller } from './webrtc-legs.js';
import { SdpBridge } from './sdp-bridge.js';
import { pickFinalFailure, type ForkFailure } from './status-mapping.js';
import type { RingFailure } from './destination-router.js';
import { reasonPhrase } from '../sip/message/reason-phrases.js';

/** What to ring when an application continues to an extension, a ring group or an outside number. */
export interface BridgePlan {
  stages: CallStage[];
  /** The callee as the record names it: an extension, a group name or the number. */
  label: string;
  calleeUri: string;
  /** Give up after this long (the extension's no-answer time, a group's ring time); default calls.noAnswerSeconds. */
  noAnswerMs?: number;
  /** Called once when no target answered; the leg then goes on to what the callback decides. */
  onFail(why: RingFailure, status: number, reason: string): void;
  /** Called once when a target answered and the caller is bridged to it. */
  onBridged?(fork: Fork): void;
  /** Release trunk channels taken for this bridge (outside numbers). */
  release?(): void;
  /** Record fields for a bridge to an outside number. */
  outbound?: { trunk: string; toNumber?: string; fromNumber?: string };
}

export interface AppLegInput {
  tenant: TenantContext;
  invite: SipRequest;
  inviteTx: ServerTransaction;
  callerTarget: Target;
  callerSourceAddress: string;
  callerExt?: string;
  caller: AppCaller;
  dialled: string;
  /** The caller's SDP offer (checked). */
  offer: Buffer;
  callerTimer: { timer: NegotiatedTimer | undefined; headers: Array<[string, string]> };
  releaseLimit(): void;
  record: { direction: 'internal' | 'inbound' | 'outbound'; trunk?: string; did?: string; fromNumber?: string; toNumber?: string };
  /** A call that rang first and was not answered hands its id, tag, start and media over (one record). */
  handover?: { id: string; aTag: string; startedAt: number; media: CallMediaSession; early?: { body: Buffer; codec: MediaCodec } };
  /** Forwards this call has taken so far (calls.maxForwardHops). */
  hops: number;
}

type LegState = 'setup' | 'app' | 'ringing' | 'bridged' | 'ended';

export class AppLeg implements ForkOwner {
  readonly id: string;
  readonly aTag: string;
  readonly aLegCallId: string;
  readonly startedAt: number;
  state: LegState = 'setup';
  hops: number;
  aDialog: Dialog | undefined;
  winner: Fork | undefined;
  media: CallMediaSession | undefined;
  /** What the record names as the callee and why (an app's box or menu, 'voicemail', 'ivr'). */
  toExt: string;
  appCause: string | undefined;
  readonly digits: DigitReader;
  private answeredAt: number | undefined;
  private answering: Promise<boolean> | undefined;
  private aCodec: MediaCodec | undefined;
  private aAnswer: Buffer | undefined;
  /** A late-offer caller: our offer and its answer (app-late-offer.ts); the answer stands in for its offer. */
  private late: AppLateOffer | undefined;
  private callerSdp: Buffer | undefined;
  /** A browser caller's offer as plain RTP/AVP (browserCaller): what a bridge's offer to the callee is made from. */
  private callerPlain: Buffer | undefined;
  private okTimer: TimerHandle | undefined;
  private readonly timers: Record<Side, SessionTimer | undefined> = { a: undefined, b: undefined };
  private readonly negotiated: Record<Side, NegotiatedTimer | undefined> = { a: undefined, b: undefined };
  private hangupListeners: Array<() => void> = [];
  private offDigits: (() => void) | undefined;
  private end: { disposition: Disposition; cause: string; side: HangupSide } | undefined;
  // the bridge
  private bridge: BridgePlan | undefined;
  private forks: Fork[] = [];
  private stageForks: Fork[] = [];
  private stageFailures: ForkFailure[] = [];
  private failures: ForkFailure[] = [];
  private stageIndex = -1;
  private stageTimer: TimerHandle | undefined;
  private noAnswerTimer: TimerHandle | undefined;
  private calleeOffer: Buffer | undefined;
  private sdp: SdpBridge | undefined;
  private bridgedTo: { aor?: string; trunk?: string; bLegCallId?: string } = {};
  private outbound: BridgePlan['outbound'];

  constructor(
    private readonly d: AppLegDeps,
    readonly input: AppLegInput,
  ) {
    this.id = input.handover?.id ?? newCallId();
    this.aTag = input.handover?.aTag ?? newTag();
    this.startedAt = input.handover?.startedAt ?? d.clock.now();
    this.aLegCallId = getHeader(input.invite, 'call-id') ?? '';
    this.media = input.handover?.media;
    this.hops = input.hops;
    this.toExt = input.dialled;
    this.digits = new DigitReader(d.clock);
  }

  get tenant(): TenantContext {
    return this.input.tenant;
  }

  get hungUp(): boolean {
    return this.state === 'ended';
  }

  get answered(): boolean {
    return this.aDialog !== undefined;
  }

  /** Every branch a bridge tried (app-leg-activity.ts). */
  get branches(): readonly Fork[] {
    return this.forks;
  }

  /** 100 Trying and the record's start, for a leg that did not ring first. */
  begin(): void {
    if (this.input.handover) return;
    this.input.inviteTx.respond(answerCaller(this.input.invite, 100, { toTag: this.aTag }));
    this.d.recorder.started({
      callId: this.id,
      aLegCallId: this.aLegCallId,
      fromUri: getHeader(this.input.invite, 'from') ?? '',
      ...(this.input.callerExt !== undefined ? { fromExt: this.input.callerExt } : {}),
      toUri: this.input.invite.uri,
      toExt: this.input.dialled,
      ...this.recordFields(),
      startedAt: this.startedAt,
    });
  }

  onHangup(cb: () => void): void {
    if (this.state === 'ended') cb();
    else this.hangupListeners.push(cb);
  }

  // ---- answering ------------------------------------------------------------------------

  /** Our 200 with leg A's SDP; resolves false when the caller is gone or nothing can be answered. */
  answer(): Promise<boolean> {
    if (this.aDialog) return Promise.resolve(true);
    if (this.state === 'ended') return Promise.resolve(false);
    this.answering ??= this.doAnswer();
    return this.answering;
  }

  private async doAnswer(): Promise<boolean> {
    let media = this.media;
    if (!media) {
      try {
        media = await this.d.media.createSession(this.id);
      } catch (e) {
        this.d.logger.warn('no media session for an application', { call: this.id, error: e });
        this.refuse(503, reasonPhrase(503), 'media unavailable');
        return false;
      }
      this.media = media;
      if (this.isEnded()) {
        void media.release();
        return false;
      }
    }
    media.onTimeout(() => this.hangupSystem('RTP timeout'));
    media.onEnded((reason) => this.hangupSystem(`media ended: ${reason}`));
    // An INVITE without SDP (and no early answer from a ring before): we offer, the ACK answers.
    if (this.input.offer.length === 0 && !this.input.handover?.early) return this.answerLate(media);
    // A browser caller: its offer as plain RTP/AVP, our answer dressed for it (webrtc-legs.ts).
    const browser = this.d.webrtcIdentity ? browserCaller(this.input.offer, this.d.webrtcIdentity) : undefined;
    const answered = answerOffer(browser?.plain ?? this.input.offer, media.legA, this.id, this.input.callerSourceAddress);
    this.callerPlain = browser?.plain;
    const fresh = answered && browser ? { ...answered, body: browser.answer(answered.body, this.d.mediaAddress, media.legA.rtpPort, media) } : answered;
    if (!fresh) {
      this.refuse(488, reasonPhrase(488), 'no codec the PBX can play');
      return false;
    }
    // RFC 3261 §13.2.1: a caller that got an answer in a 18x (early media of the ring before)
    // keeps that one; our 200 repeats it and leg A carries its codec.
    const early = this.input.handover?.early;
    const answer = early ? { ...fresh, body: early.body, codec: early.codec } : fresh;
    try {
      await media.setRemote('a', answer.remote);
      await media.useCodecs?.({ a: answer.codec, b: answer.codec });
      await media.setDtmf?.({ a: answer.codec.telephoneEvent !== undefined ? { mode: 'rfc4733' } : { mode: 'inband', detectInband: true }, b: { mode: 'none' } });
    } catch (e) {
      this.d.logger.warn('application media not set up', { call: this.id, error: e });
      this.refuse(503, reasonPhrase(503), 'media not set up');
      return false;
    }
    if (this.isEnded()) return false;
    this.offDigits = media.onDigit?.((e) => {
      if (e.leg === 'a') this.digits.push(e.digit);
    });
    this.aCodec = answer.codec;
    this.aAnswer = answer.body;
    const contact = this.d.io.contactFor(this.input.callerTarget.protocol);
    const ok = answerCaller(this.input.invite, 200, { toTag: this.aTag, contact, body: answer.body, headers: this.input.callerTimer.headers });
    this.input.inviteTx.respond(ok);
    this.answeredAt = this.d.clock.now();
    this.d.recorder.answered(this.id, this.answeredAt);
    this.aDialog = Dialog.asUas(this.input.invite, this.aTag, contact);
    this.d.dialogUp(this, dialogKey(this.aDialog.id.callId, this.aDialog.id.localTag, this.aDialog.id.remoteTag), 'a');
    this.retransmitOk(ok);
    this.startSessionTimer('a', this.input.callerTimer.timer);
    this.d.activity?.(this);
    return true;
  }

  /** A caller without SDP: our offer in the 200, its answer from the ACK (app-late-offer.ts). */
  private async answerLate(media: CallMediaSession): Promise<boolean> {
    const late = (this.late = new AppLateOffer(this.d.mediaAddress, this.d.ownAddresses()));
    const offer = late.offer(media);
    this.aAnswer = offer;
    const contact = this.d.io.contactFor(this.input.callerTarget.protocol);
    const ok = answerCaller(this.input.invite, 200, { toTag: this.aTag, contact, body: offer, headers: this.input.callerTimer.headers });
    this.input.inviteTx.respond(ok);
    this.answeredAt = this.d.clock.now();
    this.d.recorder.answered(this.id, this.answeredAt);
    this.aDialog = Dialog.asUas(this.input.invite, this.aTag, contact);
    this.d.dialogUp(this, dialogKey(this.aDialog.id.callId, this.aDialog.id.localTag, this.aDialog.id.remoteTag), 'a');
    this.retransmitOk(ok);
    // §13.3.1.4: no ACK within 64*T1 on any transport: no answer (UDP also ends in retransmitOk).
    const noAck = this.d.clock.setTimeout(() => late.acked(undefined), 64 * this.d.settings().t1);
    this.startSessionTimer('a', this.input.callerTimer.timer);
    const r = await late.answer(this.input.callerSourceAddress);
    this.d.clock.clearTimeout(noAck);
    if (this.isEnded()) return false;
    if (!r) {
      this.hangupSystem('no answer to our offer in the ACK');
      return false;
    }
    try {
      await media.setRemote('a', r.remote);
      if (r.moved) await media.resetLatch('a');
      await media.useCodecs?.({ a: r.codec, b: r.codec });
      await media.setDtmf?.({ a: r.codec.telephoneEvent !== undefined ? { mode: 'rfc4733' } : { mode: 'inband', detectInband: true }, b: { mode: 'none' } });
    } catch (e) {
      this.d.logger.warn('application media not set up', { call: this.id, error: e });
      this.hangupSystem('media not set up');
      return false;
    }
    if (this.isEnded()) return false;
    this.offDigits = media.onDigit?.((e) => {
      if (e.leg === 'a') this.digits.push(e.digit);
    });
    this.aCodec = r.codec;
    this.callerSdp = r.body;
    return true;
  }

  /** The caller's ACK for our 2xx: stop retransmitting it; a late-offer caller's carries its answer. */
  onAck(ack?: SipRequest): void {
    this.d.clock.clearTimeout(this.okTimer);
    this.okTimer = undefined;
    this.late?.acked(ack?.body ?? Buffer.alloc(0));
  }

  private retransmitOk(ok: SipResponse): void {
    if (this.input.callerTarget.protocol !== 'udp') return;
    const { t1, t2 } = this.d.settings();
    const step = (interval: number, elapsed: number) => {
      this.okTimer = this.d.clock.setTimeout(() => {
        if (this.isEnded() || this.okTimer === undefined) return;
        if (elapsed + interval >= 64 * t1) {
          this.okTimer = undefined;
          this.hangupSystem('no ACK for 200');
          return;
        }
        this.d.sendToCaller(ok, this.input.inviteTx.target);
        step(Math.min(interval * 2, t2), elapsed + interval);
      }, interval);
    };
    step(t1, 0);
  }

  // ---- in-dialog ------------------------------------------------------------------------

  /** A request on one of our dialogs (already checked by the dialog). */
  inDialog(side: Side, req: SipRequest, tx: ServerTransaction): void {
    if (req.method === 'BYE') {
      tx.respond(createResponse(req, 200));
      if (side === 'a') {
        if (this.winner) this.byeB();
        this.finish('answered', 'BYE from caller', 'caller');
      } else {
        this.byeA();
        this.finish('answered', 'BYE from callee', 'callee');
      }
      return;
    }
    if (req.method === 'INVITE' || req.method === 'UPDATE') {
      // RFC 4028: a refresh; the media stays where it is, so the answer is the SDP we sent before.
      const st = answerSessionTimer(req, this.d.io.sessionPolicy, this.negotiated[side]);
      if (st.kind === 'reject') {
        tx.respond(createResponse(req, st.error.status, { reason: st.error.reason, headers: st.error.headers }));
        return;
      }
      const target = side === 'a' ? this.input.callerTarget : this.winner?.target.target;
      const last = side === 'a' ? this.aAnswer : this.calleeOffer;
      const headers: Array<[string, string]> = [...st.headers];
      if (target) headers.push(['Contact', `<${this.d.io.contactFor(target.protocol)}>`]);
      const withSdp = last !== undefined && (req.method === 'INVITE' || req.body.length > 0);
      if (withSdp) headers.push(['Content-Type', 'application/sdp']);
      tx.respond(createResponse(req, 200, { headers, ...(withSdp ? { body: last } : {}) }));
      (side === 'a' ? this.aDialog : this.winner?.dialog)?.applyTargetRefresh(req);
      if (req.body.length > 0) void this.media?.resetLatch(side).catch(() => undefined);
      this.startSessionTimer(side, st.timer);
      return;
    }
    if (req.method === 'INFO' && side === 'a') {
      const info = parseDtmfInfo(getHeader(req, 'content-type'), getHeader(req, 'content-encoding'), req.body);
      if (info.kind === 'refuse') {
        tx.respond(createResponse(req, info.status, { reason: info.reason }));
        return;
      }
      if (info.kind === 'digit') {
        // Through the media session's listeners, so a recording's stop digit sees it too.
        if (this.media?.reportDigit) this.media.reportDigit({ leg: 'a', digit: info.digit, durationMs: info.durationMs, source: 'info' });
        else this.digits.push(info.digit);
      }
    }
    tx.respond(createResponse(req, 200));
  }

  // ---- session timers -------------------------------------------------------------------

  private startSessionTimer(side: Side, timer: NegotiatedTimer | undefined): void {
    if (this.isEnded()) return;
    this.negotiated[side] = timer;
    let t = this.timers[side];
    if (!t) {
      t = new SessionTimer(this.d.clock, { onRefresh: () => this.refresh(side), onExpire: () => this.hangupSystem(`session timer expired on leg ${side}`) }, this.d.logger);
      this.timers[side] = t;
    }
    t.start(timer);
  }

  /** We refresh: an UPDATE without SDP (RFC 4028 §7.4, §9). */
  private refresh(side: Side): void {
    const timer = this.negotiated[side];
    const dialog = side === 'a' ? this.aDialog : this.winner?.dialog;
    const target = side === 'a' ? this.input.callerTarget : this.winner?.target.target;
    if (!timer || !dialog || !target || this.isEnded()) return;
    const req = dialog.createRequest('UPDATE', { via: this.d.io.viaFor(target.protocol), contact: this.d.io.contactFor(target.protocol), headers: sessionTimerRefreshHeaders(timer, this.d.io.sessionPolicy.minSE) });
    this.d.io.sendRequest(req, target, {
      onResponse: (res) => {
        if (res.status < 200) return;
        if (res.status < 300) this.startSessionTimer(side, sessionTimerFromResponse(req, res) ?? timer);
        else if (refreshFailureEndsSession(res.status)) this.hangupSystem(`session refresh failed: ${res.status}`);
      },
      onTimeout: () => this.hangupSystem('session refresh timed out'),
      onTransportError: () => this.hangupSystem('session refresh not sent'),
    });
  }

  // ---- the bridge (continueTo an extension, a group, a number) ---------------------------

  /** Ring a destination's targets; on the first 2xx the caller talks to that callee. */
  async ring(plan: BridgePlan): Promise<void> {
    if (this.isEnded()) {
      plan.release?.();
      return;
    }
    if (!(await this.answer()) || !this.media) {
      plan.release?.();
      return;
    }
    this.bridge = plan;
    this.state = 'ringing';
    this.failures = [];
    this.sdp = new SdpBridge(this.d.mediaAddress, this.d.ownAddresses());
    try {
      this.calleeOffer = this.sdp.offerToCallee(this.callerSdp ?? this.callerPlain ?? this.input.offer, this.media, this.input.callerSourceAddress).body;
    } catch {
      return this.bridgeFailed('unavailable', 488, reasonPhrase(488));
    }
    const ringback = this.d.ringback(this.tenant);
    if (ringback.length > 0) void this.media.play?.('a', ringback, { loop: true, bargeIn: false })?.catch(() => undefined);
    this.noAnswerTimer = this.d.clock.setTimeout(() => this.onNoAnswer(), plan.noAnswerMs ?? this.d.settings().noAnswerMs);
    this.startStage(0);
  }

  private startStage(index: number): void {
    const plan = this.bridge;
    if (!plan || this.state !== 'ringing') return;
    this.d.clock.clearTimeout(this.stageTimer);
    this.stageIndex = index;
    const stage = plan.stages[index];
    if (!stage) return this.stagesExhausted();
    const invite = this.input.invite;
    const forks = stage.targets.map(
      (t, i) =>
        new Fork(
          this.forks.length + i,
          t,
          buildForkInvite({
            requestUri: t.requestUri,
            fromValue: t.fromValue ?? (getHeader(invite, 'from') ?? '').replace(/;\s*tag=[^;]*/i, ''),
            toUri: t.toUri ?? plan.calleeUri,
            via: this.d.io.viaFor(t.target.protocol),
            contact: this.d.io.contactFor(t.target.protocol),
            body: this.calleeOffer ?? Buffer.alloc(0),
            extraHeaders: [...this.d.forkHeaders(), ...(t.headers ?? [])],
          }),
          this,
          this.d.forkIo,
        ),
    );
    this.stageForks = forks;
    this.stageFailures = [];
    this.forks.push(...forks);
    if (stage.timeoutMs !== undefined && index + 1 < plan.stages.length) {
      this.stageTimer = this.d.clock.setTimeout(() => {
        if (this.state !== 'ringing' || this.stageIndex !== index) return;
        for (const f of forks) f.cancel('SIP;cause=480;text="No answer"');
        this.startStage(index + 1);
      }, stage.timeoutMs);
    }
    if (forks.length === 0) return this.stagesExhausted();
    for (const f of forks) f.start();
    this.d.activity?.(this);
  }

  private stagesExhausted(): void {
    const final = pickFinalFailure(this.failures);
    const busy = this.failures.length > 0 && this.failures.every((f) => f.status === 486 || f.status === 600);
    const noAnswer = this.failures.some((f) => f.status === 480 || f.status === 408 || f.status === 487);
    this.bridgeFailed(busy ? 'busy' : noAnswer ? 'noanswer' : 'unavailable', final.status, final.reason);
  }

  private onNoAnswer(): void {
    if (this.state !== 'ringing') return;
    for (const f of this.forks) f.cancel('SIP;cause=480;text="No answer"');
    this.bridgeFailed('noanswer', 480, 'No Answer');
  }

  private bridgeFailed(why: RingFailure, status: number, reason: string): void {
    const plan = this.bridge;
    this.d.clock.clearTimeout(this.noAnswerTimer);
    this.d.clock.clearTimeout(this.stageTimer);
    for (const f of this.forks) f.cancel();
    this.bridge = undefined;
    plan?.release?.();
    if (this.isEnded()) return;
    this.state = 'app';
    void this.media?.stopPlay?.('a').catch(() => undefined);
    this.d.logger.info('bridge not answered', { call: this.id, why, status, reason });
    plan?.onFail(why, status, reason);
  }

  onProvisional(): void {
    // The caller was answered by the PBX and hears ringback: nothing to relay; lamps may change.
    this.d.activity?.(this);
  }

  onSuccess(fork: Fork, res: SipResponse): void {
    this.d.ackFork(fork, res);
    if (this.state !== 'ringing' || this.winner || !this.bridge || !this.media || !this.sdp) {
      this.d.byeFork(fork);
      return;
    }
    const answer = this.sdp.answerToCaller(res.body, this.media, farEndAddress(fork.target));
    if (!answer) {
      this.d.byeFork(fork);
      this.failures.push({ status: 488, reason: reasonPhrase(488) });
      return;
    }
    this.winner = fork;
    this.state = 'bridged';
    this.d.clock.clearTimeout(this.noAnswerTimer);
    this.d.clock.clearTimeout(this.stageTimer);
    for (const f of this.forks) if (f !== fork) f.cancel();
    const media = this.media;
    const aCodec = this.aCodec!;
    const bCodec = answer.codecs?.b ?? aCodec;
    void (async () => {
      await media.stopPlay?.('a');
      await media.setRemote('b', answer.calleeRemote);
      // Leg A keeps the codec the PBX answered with; the worker transcodes when B's differs.
      await media.useCodecs?.({ a: aCodec, b: bCodec });
      await media.setDtmf?.({ a: aCodec.telephoneEvent !== undefined ? { mode: 'rfc4733' } : { mode: 'inband', detectInband: true }, b: bCodec.telephoneEvent !== undefined ? { mode: 'rfc4733' } : { mode: 'inband' } });
    })().catch((e: unknown) => this.d.logger.warn('bridge media not set up', { call: this.id, error: e }));
    if (fork.dialog) this.d.dialogUp(this, dialogKey(fork.dialog.id.callId, fork.dialog.id.localTag, fork.dialog.id.remoteTag), 'b');
    this.startSessionTimer('b', sessionTimerFromResponse(fork.invite, res));
    this.bridgedTo = {
      ...(fork.target.binding ? { aor: fork.target.binding.aor } : {}),
      ...(fork.target.trunk !== undefined ? { trunk: fork.target.trunk } : {}),
      bLegCallId: getHeader(fork.invite, 'call-id') ?? '',
    };
    this.toExt = fork.target.binding?.aor ?? this.bridge.label;
    this.outbound = this.bridge.outbound;
    this.appCause = undefined;
    this.d.logger.info('application leg bridged', { call: this.id, to: this.toExt });
    this.bridge.onBridged?.(fork);
    this.d.activity?.(this);
  }

  onSuccessRetransmission(fork: Fork, res: SipResponse): void {
    this.d.ackFork(fork, res);
  }

  onFailure(fork: Fork, status: number, reason: string): void {
    this.failures.push({ status, reason });
    this.d.activity?.(this);
    if (this.state !== 'ringing' || !this.stageForks.includes(fork)) return;
    this.stageFailures.push({ status, reason });
    if (!this.stageForks.every((f) => f.done)) return;
    const stage = this.bridge?.stages[this.stageIndex];
    const goOn = stage?.continueAfter ? stage.continueAfter(this.stageFailures) : true;
    if (goOn && this.bridge && this.stageIndex + 1 < this.bridge.stages.length) this.startStage(this.stageIndex + 1);
    else this.stagesExhausted();
  }

  // ---- ending -----------------------------------------------------------------------------

  /** The caller's CANCEL before we answered. */
  cancelByCaller(): void {
    if (this.aDialog || this.isEnded()) return;
    this.input.inviteTx.respond(answerCaller(this.input.invite, 487, { toTag: this.aTag }));
    this.finish('cancelled', '487 Request Terminated', 'caller');
  }

  /** The PBX (or the application) hangs up: BYE, or a final response when not answered yet. */
  hangup(cause: string, reason?: string, side: HangupSide = 'system'): void {
    if (this.isEnded()) return;
    const headers: Array<[string, string]> | undefined = reason ? [['Reason', reason]] : undefined;
    if (this.aDialog) {
      this.byeA(headers);
      if (this.winner) this.byeB(headers);
      this.finish('answered', cause, side);
    } else {
      for (const f of this.forks) f.cancel();
      this.input.inviteTx.respond(answerCaller(this.input.invite, 480, { toTag: this.aTag, ...(headers ? { headers } : {}) }));
      this.finish('failed', cause, side);
    }
  }

  /** Refuse the caller (not answered yet) with a final status. */
  refuse(status: number, reason: string, cause: string): void {
    if (this.isEnded()) return;
    if (this.aDialog) {
      this.hangup(cause);
      return;
    }
    for (const f of this.forks) f.cancel();
    this.input.inviteTx.respond(answerCaller(this.input.invite, status, { toTag: this.aTag, reason }));
    this.finish(status === 486 || status === 600 ? 'busy' : status === 480 || status === 408 ? 'no_answer' : 'failed', `${status} ${cause}`, 'system');
  }

  hangupSystem(cause: string): void {
    this.hangup(cause);
  }

  private byeA(headers?: Array<[string, string]>): void {
    if (!this.aDialog) return;
    const bye = this.aDialog.createRequest('BYE', { via: this.d.io.viaFor(this.input.callerTarget.protocol), ...(headers ? { headers } : {}) });
    this.d.io.sendRequest(bye, this.input.callerTarget, IGNORE);
  }

  private byeB(headers?: Array<[string, string]>): void {
    if (this.winner) this.d.byeFork(this.winner, headers);
  }

  private isEnded(): boolean {
    return this.state === 'ended';
  }

  private recordFields(): Pick<CallRecord, 'direction' | 'trunk' | 'did' | 'fromNumber' | 'toNumber'> {
    const r = this.input.record;
    return {
      direction: r.direction,
      ...(r.trunk !== undefined ? { trunk: r.trunk } : {}),
      ...(r.did !== undefined ? { did: r.did } : {}),
      ...(r.fromNumber !== undefined ? { fromNumber: r.fromNumber } : {}),
      ...(r.toNumber !== undefined ? { toNumber: r.toNumber } : {}),
    };
  }

  /**
   * Bridged to an outside number: an outbound record (counted in the daily outbound minutes)
   * naming the trunk it left through and the number.
   */
  private outboundFields(): Partial<CallRecord> {
    const o = this.outbound;
    if (!o || this.bridgedTo.trunk === undefined) return {};
    return { direction: 'outbound', trunk: this.bridgedTo.trunk, ...(o.toNumber !== undefined ? { toNumber: o.toNumber } : {}) };
  }

  private finish(disposition: Disposition, cause: string, side: HangupSide): void {
    if (this.isEnded()) return;
    this.state = 'ended';
    this.late?.acked(undefined);
    this.end = { disposition, cause, side };
    this.d.activity?.(this);
    this.d.clock.clearTimeout(this.okTimer);
    this.d.clock.clearTimeout(this.noAnswerTimer);
    this.d.clock.clearTimeout(this.stageTimer);
    this.timers.a?.stop();
    this.timers.b?.stop();
    this.offDigits?.();
    this.digits.close();
    // Branches still ringing for a bridge are cancelled (RFC 3261 §9.1).
    for (const f of this.forks) if (f !== this.winner) f.cancel('SIP;cause=487;text="Caller left"');
    const plan = this.bridge;
    this.bridge = undefined;
    plan?.release?.();
    this.input.releaseLimit();
    for (const cb of this.hangupListeners.splice(0)) {
      try {
        cb();
      } catch (e) {
        this.d.logger.warn('hangup listener failed', { call: this.id, error: e });
      }
    }
    const endedAt = this.d.clock.now();
    const write = (mediaStats: unknown) => {
      const info = this.end!;
      try {
        this.d.recorder.ended({
          callId: this.id,
          aLegCallId: this.aLegCallId,
          ...(this.bridgedTo.bLegCallId !== undefined ? { bLegCallId: this.bridgedTo.bLegCallId } : {}),
          fromUri: getHeader(this.input.invite, 'from') ?? '',
          ...(this.input.callerExt !== undefined ? { fromExt: this.input.callerExt } : {}),
          toUri: this.input.invite.uri,
          toExt: this.toExt,
          ...this.recordFields(),
          ...this.outboundFields(),
          startedAt: this.startedAt,
          ...(this.answeredAt !== undefined ? { answeredAt: this.answeredAt } : {}),
          endedAt,
          disposition: info.disposition,
          // An application's call says so: "ivr: BYE from caller", "voicemail: ...".
          hangupCause: this.appCause !== undefined ? `${this.appCause}: ${info.cause}` : info.cause,
          hangupSide: info.side,
          ...(mediaStats !== undefined ? { media: mediaStats } : {}),
        });
      } catch (e) {
        this.d.logger.error('call record not written', { call: this.id, error: e });
      }
      this.d.ended(this);
    };
    if (this.media) this.media.release().then(write, () => write(undefined));
    else write(undefined);
  }
}

const IGNORE = { onResponse: () => {}, onTimeout: () => {}, onTransportError: () => {} };
