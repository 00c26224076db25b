/**
 * A transfer the PBX performs itself inside an answered call (RFC 5589 §6 blind transfer,
 * with the PBX as the transfer target's caller): the party that stays (the transferee)
 * keeps its dialog and its leg of the call's media session; the PBX places a new leg to
 * the Refer-To target on the transferor's leg of the same media session (its port, its
 * side), the transferee hears music on hold meanwhile, and when the target answers the new
 * leg takes the transferor's side of the call (Call.replaceLeg), the transferor gets a
 * final NOTIFY and a BYE. When nobody answers, the music stops and the transferee talks to
 * the transferor again, or, when the transferor has already hung up, the owner decides
 * (call-transfers.ts: ring the transferor back, else end the call).
 */
import { getHeader } from '../sip/message/headers.js';
import type { SipResponse } from '../sip/message/types.js';
import { sessionTimerFromResponse } from '../sip/dialog/session-timer.js';
import type { TimerHandle } from '../util/clock.js';
import { newCallId } from '../util/ids.js';
import type { Call } from './call.js';
import type { CallContext } from './call-context.js';
import type { Side } from './call-registry.js';
import { farEndAddress, type CallStage } from './fork-targets.js';
import { Fork, type ForkOwner } from './fork.js';
import { buildForkInvite } from './messages.js';
import type { LegCodecs } from './ports.js';
import type { ReferNotifier } from './refer-notify.js';
import { pickFinalFailure, type ForkFailure } from './status-mapping.js';
import { sentHold, transferOffer } from './transfer-offer.js';
import { resumeParty } from './resume-party.js';
import { reasonPhrase } from '../sip/message/reason-phrases.js';

export interface TransferPlan {
  stages: CallStage[];
  /** The target as records and logs name it: an extension, a group, a number. */
  label: string;
  calleeUri: string;
  /** Release trunk channels taken for this leg (an outside number). */
  release(): void;
  /** Referred-By (RFC 3892) for the new leg's INVITE: who transferred. */
  referredBy?: string;
}

export type TransferOutcome = { kind: 'completed' } | { kind: 'failed'; status: number; reason: string; transferorLeft: boolean } | { kind: 'aborted' };

export class CallTransfer implements ForkOwner {
  readonly transferee: Side;
  private forks: Fork[] = [];
  private stageForks: Fork[] = [];
  private stageFailures: ForkFailure[] = [];
  private failures: ForkFailure[] = [];
  private stageIndex = -1;
  private stageTimer: TimerHandle | undefined;
  private noAnswerTimer: TimerHandle | undefined;
  private offer: Buffer | undefined;
  private lastProgress = 0;
  private state: 'ringing' | 'done' = 'ringing';
  /** The transferor hung up while the target rang (usual for a blind transfer, RFC 5589 §6.1). */
  transferorLeft = false;

  constructor(
    private readonly ctx: CallContext,
    readonly call: Call,
    /** The transferor's side: the side the new leg takes. */
    readonly side: Side,
    private readonly plan: TransferPlan,
    private readonly notifier: ReferNotifier | undefined,
    private readonly done: (outcome: TransferOutcome, t: CallTransfer) => void,
  ) {
    this.transferee = side === 'a' ? 'b' : 'a';
  }

  get label(): string {
    return this.plan.label;
  }

  get active(): boolean {
    return this.state === 'ringing';
  }

  start(): void {
    const media = this.call.mediaSession;
    this.offer = media ? transferOffer(this.call.sdpBridge, this.side, media) : undefined;
    if (!media || !this.offer) return this.fail(500, reasonPhrase(500));
    this.notifier?.progress(100, reasonPhrase(100));
    const files = this.ctx.musicOnHold?.() ?? [];
    if (files.length > 0) void media.play?.(this.transferee, files, { loop: true, bargeIn: false })?.catch(() => undefined);
    this.noAnswerTimer = this.ctx.clock.setTimeout(() => {
      if (this.state !== 'ringing') return;
      for (const f of this.forks) f.cancel('SIP;cause=480;text="No answer"');
      this.fail(480, reasonPhrase(480));
    }, this.ctx.settings.noAnswerMs);
    this.startStage(0);
  }

  /** Who the new leg says is calling: the transferee (RFC 5589 §6: the target sees the transferee). */
  private fromValue(): string {
    const a = getHeader(this.call.input.invite, 'from') ?? '';
    return this.transferee === 'a' ? a.replace(/;\s*tag=[^;]*/i, '') : `<${this.call.input.calleeUri}>`;
  }

  private startStage(index: number): void {
    if (this.state !== 'ringing') return;
    this.ctx.clock.clearTimeout(this.stageTimer);
    this.stageIndex = index;
    const stage = this.plan.stages[index];
    if (!stage) return this.exhausted();
    const forks = stage.targets.map(
      (t, i) =>
        new Fork(
          this.forks.length + i,
          t,
          buildForkInvite({
            requestUri: t.requestUri,
            fromValue: t.fromValue ?? this.fromValue(),
            toUri: t.toUri ?? this.plan.calleeUri,
            via: this.ctx.viaFor(t.target.protocol),
            contact: this.ctx.contactFor(t.target.protocol),
            body: this.offer!,
            extraHeaders: [...this.ctx.forkHeaders(), ...(t.headers ?? []), ...(this.plan.referredBy ? ([['Referred-By', this.plan.referredBy]] as Array<[string, string]>) : [])],
          }),
          this,
          this.ctx.forkIo,
        ),
    );
    this.stageForks = forks;
    this.stageFailures = [];
    this.forks.push(...forks);
    if (stage.timeoutMs !== undefined && index + 1 < this.plan.stages.length) {
      this.stageTimer = this.ctx.clock.setTimeout(() => {
        if (this.state !== 'ringing' || this.stageIndex !== index) return;
        for (const f of forks) f.cancel('SIP;cause=480;text="No answer"');
        this.startStage(index + 1);
      }, stage.timeoutMs);
    }
    if (forks.length === 0) return this.exhausted();
    for (const f of forks) f.start();
  }

  private exhausted(): void {
    const final = pickFinalFailure(this.failures);
    this.fail(final.status, final.reason);
  }

  // ---- ForkOwner -------------------------------------------------------------------------

  onProvisional(_fork: Fork, res: SipResponse): void {
    if (this.state !== 'ringing' || res.status <= this.lastProgress) return;
    this.lastProgress = res.status;
    this.notifier?.progress(res.status, res.reason);
  }

  onSuccess(fork: Fork, res: SipResponse): void {
    this.ctx.ackFork(fork, res);
    const media = this.call.mediaSession;
    if (this.state !== 'ringing' || this.call.state !== 'answered' || !media) {
      this.ctx.byeFork(fork);
      return;
    }
    const answer = this.call.sdpBridge.answerToOwnOffer(this.side, res.body, farEndAddress(fork.target));
    if (!answer) {
      this.ctx.byeFork(fork);
      this.failures.push({ status: 488, reason: reasonPhrase(488) });
      if (this.stageForks.every((f) => f.done || f === fork)) this.exhausted();
      return;
    }
    this.state = 'done';
    this.clearTimers();
    for (const f of this.forks) if (f !== fork) f.cancel();
    // RFC 3515 §2.4.5: the final status of the new call, then the transferor's leg goes (RFC 5589 §6.1).
    this.notifier?.final(200, reasonPhrase(200));
    this.segmentRecord();
    if (!this.transferorLeft) {
      if (this.side === 'a') this.ctx.byeCaller(this.call);
      else if (this.call.winner) this.ctx.byeFork(this.call.winner);
    }
    this.call.replaceLeg(this.side, fork, sessionTimerFromResponse(fork.invite, res));
    const side = this.side;
    void (async () => {
      await media.stopPlay?.(this.transferee);
      await media.setRemote(side, answer.remote);
      await media.resetLatch(side);
      await media.setHold(false);
    })().catch((e: unknown) => this.ctx.logger.warn('transfer media not moved', { call: this.call.id, error: e }));
    if (answer.codec) this.call.useLegCodec(side, answer.codec as LegCodecs['a']);
    this.ctx.logger.info('call transferred', { call: this.call.id, to: fork.target.binding?.aor ?? this.plan.label, transferee: this.transferee });
    if (sentHold(this.call.sdpBridge, this.transferee)) resumeParty(this.ctx, this.call, this.transferee, this.side);
    this.done({ kind: 'completed' }, this);
  }

  onSuccessRetransmission(fork: Fork, res: SipResponse): void {
    this.ctx.ackFork(fork, res);
  }

  onFailure(fork: Fork, status: number, reason: string): void {
    this.failures.push({ status, reason });
    if (this.state !== 'ringing' || !this.stageForks.includes(fork)) return;
    this.stageFailures.push({ status, reason });
    if (!this.stageForks.every((f) => f.done)) return;
    const stage = this.plan.stages[this.stageIndex];
    const goOn = stage?.continueAfter ? stage.continueAfter(this.stageFailures) : true;
    if (goOn && this.stageIndex + 1 < this.plan.stages.length) this.startStage(this.stageIndex + 1);
    else this.exhausted();
  }

  // ---- ends --------------------------------------------------------------------------------

  /** The call ended while the target rang (the transferee hung up, a timeout, the API). */
  abort(): void {
    if (this.state !== 'ringing') return;
    this.state = 'done';
    this.clearTimers();
    for (const f of this.forks) f.cancel('SIP;cause=487;text="Transferee left"');
    this.plan.release();
    this.notifier?.final(487, reasonPhrase(487));
    this.done({ kind: 'aborted' }, this);
  }

  private fail(status: number, reason: string): void {
    if (this.state !== 'ringing') return;
    this.state = 'done';
    this.clearTimers();
    for (const f of this.forks) f.cancel();
    this.plan.release();
    this.notifier?.final(status, reason);
    void this.call.mediaSession?.stopPlay?.(this.transferee)?.catch(() => undefined);
    this.ctx.logger.info('transfer failed', { call: this.call.id, to: this.plan.label, status, reason, transferorLeft: this.transferorLeft });
    this.done({ kind: 'failed', status, reason, transferorLeft: this.transferorLeft }, this);
  }

  private clearTimers(): void {
    this.ctx.clock.clearTimeout(this.noAnswerTimer);
    this.ctx.clock.clearTimeout(this.stageTimer);
  }

  /**
   * The record of the call before the transfer (README "Transfers"): its own id, the same
   * aLegCallId as the call that goes on, ended now with `transferred to <target>`. The call
   * that goes on keeps the PBX's call id and names the new party when it ends.
   */
  private segmentRecord(): void {
    const c = this.call;
    const r = c.input.record;
    const transferorExt = this.side === 'b' ? c.winner?.target.binding?.aor : c.input.callerExt;
    try {
      this.ctx.recorder.ended({
        callId: newCallId(),
        aLegCallId: c.aLegCallId,
        ...(c.winner ? { bLegCallId: getHeader(c.winner.invite, 'call-id') ?? '' } : {}),
        fromUri: getHeader(c.input.invite, 'from') ?? '',
        ...(c.input.callerExt !== undefined ? { fromExt: c.input.callerExt } : {}),
        toUri: c.input.calleeUri,
        ...(c.winner?.target.binding ? { toExt: c.winner.target.binding.aor } : r.direction !== 'outbound' ? { toExt: c.input.calleeExt } : {}),
        direction: r.direction,
        ...(c.winner?.target.trunk ?? r.trunk ? { trunk: c.winner?.target.trunk ?? r.trunk } : {}),
        ...(r.did !== undefined ? { did: r.did } : {}),
        ...(r.fromNumber !== undefined ? { fromNumber: r.fromNumber } : {}),
        ...(r.toNumber !== undefined ? { toNumber: r.toNumber } : {}),
        startedAt: c.startedAt,
        ...(c.answeredAt !== undefined ? { answeredAt: c.answeredAt } : {}),
        endedAt: this.ctx.clock.now(),
        disposition: 'answered',
        hangupCause: `transferred${transferorExt !== undefined ? ` by ${transferorExt}` : ''} to ${this.plan.label} (call ${c.id})`,
        hangupSide: this.side === 'a' ? 'caller' : 'callee',
      });
    } catch (e) {
      this.ctx.logger.error('transfer record not written', { call: c.id, error: e });
    }
  }
}
