/**
 * Attended transfer performed by the PBX (RFC 5589 §7, issue 12). The transferor X talks to
 * the transferee T in call 1 (the call the REFER came on) and to the target C in call 2 (the
 * consultation call, named by the Replaces in the Refer-To, RFC 3891). Each of the three
 * parties has its own dialog with the PBX, so the PBX joins T and C itself, whichever of
 * them is a trunk:
 *
 * 1. C is re-INVITEd on its own dialog with an offer on call 1's port for X's side (call 1's
 *    media session stays; T notices nothing);
 * 2. when C answers, X gets NOTIFY sipfrag 200; call 2 ends without a BYE to C (its dialog
 *    moves), with a BYE to X's leg there; X's leg of call 1 gets a BYE; C's dialog takes X's
 *    side of call 1 (Call.replaceLeg); T is taken off hold when X had held it;
 * 3. when C refuses the re-INVITE, X gets the failure in the NOTIFY and both calls go on.
 *
 * A BYE from X on either leg while C is re-INVITEd is answered and that leg dropped
 * (transferorLeft); the join goes on.
 */
import type { Dialog } from '../sip/dialog/dialog.js';
import type { SipRequest } from '../sip/message/types.js';
import type { Target } from '../sip/transport/types.js';
import type { Call } from './call.js';
import type { CallContext } from './call-context.js';
import type { Side } from './call-registry.js';
import { Fork } from './fork.js';
import type { LegCodecs } from './ports.js';
import type { ReferNotifier } from './refer-notify.js';
import { resumeParty } from './resume-party.js';
import { sentHold, transferOffer } from './transfer-offer.js';
import { reasonPhrase } from '../sip/message/reason-phrases.js';

export interface AttendedPlan {
  /** Call 1: the REFER's call, and X's side of it (the side C takes). */
  host: Call;
  hostSide: Side;
  /** Call 2: the call Replaces named, and X's side of it (C is on the other). */
  other: Call;
  otherSide: Side;
}

export type AttendedOutcome = { kind: 'joined' } | { kind: 'failed'; status: number; reason: string };

const otherOf = (s: Side): Side => (s === 'a' ? 'b' : 'a');

export class AttendedTransfer {
  private state: 'joining' | 'done' = 'joining';
  /** X hung up a leg while C was being re-INVITEd: no BYE goes to it. */
  private readonly left = { host: false, other: false };
  /** Undoes forgetting X's browser hop (webrtc-legs.ts forget) when the join fails. */
  private undoWebrtc: (() => void) | undefined;

  constructor(
    private readonly ctx: CallContext,
    readonly plan: AttendedPlan,
    private readonly notifier: ReferNotifier,
    private readonly done: (outcome: AttendedOutcome, t: AttendedTransfer) => void,
  ) {}

  get active(): boolean {
    return this.state === 'joining';
  }

  /** C's side of call 2. */
  private get cSide(): Side {
    return otherOf(this.plan.otherSide);
  }

  start(): void {
    const { host, hostSide, other } = this.plan;
    const media = host.mediaSession;
    // X (the side C takes) may be a browser while C is a plain phone: C is offered plain RTP,
    // not X's WebRTC profile, and the worker drops ICE/DTLS-SRTP on that leg once C is in.
    const web = host.sdpBridge.webrtc;
    if (web?.isBrowser(hostSide) && !other.sdpBridge.webrtc?.isBrowser(this.cSide)) this.undoWebrtc = web.forget(hostSide);
    const offer = media ? transferOffer(host.sdpBridge, hostSide, media) : undefined;
    const leg = legOf(other, this.cSide);
    if (!media || !offer || !leg || host.pendingReinvite !== undefined || other.pendingReinvite !== undefined) return this.fail(500, reasonPhrase(500));
    this.notifier.progress(100, reasonPhrase(100));
    host.pendingReinvite = hostSide;
    other.pendingReinvite = this.cSide;
    const { dialog, target } = leg;
    const req = dialog.createRequest('INVITE', { via: this.ctx.io.viaFor(target.protocol), contact: this.ctx.io.contactFor(target.protocol), body: offer, contentType: 'application/sdp' });
    this.ctx.io.sendRequest(req, target, {
      onResponse: (res) => {
        if (res.status < 200) return;
        dialog.receiveResponse(res);
        if (res.status >= 300) return this.fail(res.status, res.reason);
        this.ctx.io.ackDialog(dialog, res, target);
        if (this.state !== 'joining' || host.state !== 'answered' || other.state !== 'answered') return this.fail(487, reasonPhrase(487));
        const answer = host.sdpBridge.answerToOwnOffer(hostSide, res.body, target.address);
        // C now sends to call 1's port with an answer we cannot use: nothing to go back to; end it.
        if (!answer) {
          this.fail(488, reasonPhrase(488));
          other.hangupBoth('system', 'attended transfer: unusable answer from the target');
          return;
        }
        this.joined(leg, answer);
      },
      onTimeout: () => this.fail(408, reasonPhrase(408)),
      onTransportError: () => this.fail(503, reasonPhrase(503)),
    });
  }

  /** X's BYE on one of its two legs while the join runs: true when taken here. */
  transferorBye(call: Call, side: Side): boolean {
    if (this.state !== 'joining') return false;
    const { host, hostSide, other, otherSide } = this.plan;
    if (call === host && side === hostSide) this.left.host = true;
    else if (call === other && side === otherSide) this.left.other = true;
    else return false;
    call.dropLeg(side);
    return true;
  }

  /** One of the two calls ended while C was re-INVITEd (T or C hung up). */
  abort(): void {
    this.fail(487, reasonPhrase(487));
  }

  private joined(leg: Leg, answer: NonNullable<ReturnType<Call['sdpBridge']['answerToOwnOffer']>>): void {
    const { host, hostSide, other, otherSide } = this.plan;
    const media = host.mediaSession!;
    const cSide = this.cSide;
    this.state = 'done';
    host.pendingReinvite = undefined;
    other.pendingReinvite = undefined;
    // RFC 3515 §2.4.5: the final status, before X's legs go (RFC 5589 §7.1).
    this.notifier.final(200, reasonPhrase(200));
    const cExt = other.partyExt(cSide);
    const timer = other.negotiated[cSide];
    const fork = cSide === 'b' && other.winner ? other.winner : adopt(this.ctx, host, leg, other.input.invite, other.input.record.direction === 'inbound' ? other.input.record.trunk : undefined);
    // Call 2 ends: C's dialog moves (no BYE to it), X's leg there gets a BYE unless X left.
    other.dropLeg(cSide);
    if (!this.left.other) byeLeg(this.ctx, other, otherSide);
    other.leave(`attended transfer: joined into call ${host.id}`);
    if (!this.left.host) byeLeg(this.ctx, host, hostSide);
    host.replaceLeg(hostSide, fork, timer, cExt);
    host.sdpBridge.webrtc?.apply(media);
    void (async () => {
      await media.stopPlay?.(otherOf(hostSide));
      await media.setRemote(hostSide, answer.remote);
      await media.resetLatch(hostSide);
      await media.setHold(false);
    })().catch((e: unknown) => this.ctx.logger.warn('attended transfer media not moved', { call: host.id, error: e }));
    if (answer.codec) host.useLegCodec(hostSide, answer.codec as LegCodecs['a']);
    this.ctx.logger.info('attended transfer: joined', { call: host.id, consultation: other.id, target: cExt ?? 'outside party', transferee: otherOf(hostSide) });
    if (sentHold(host.sdpBridge, otherOf(hostSide))) resumeParty(this.ctx, host, otherOf(hostSide), hostSide);
    this.done({ kind: 'joined' }, this);
  }

  private fail(status: number, reason: string): void {
    if (this.state !== 'joining') return;
    this.state = 'done';
    this.undoWebrtc?.();
    const { host, hostSide, other, otherSide } = this.plan;
    if (host.pendingReinvite === hostSide) host.pendingReinvite = undefined;
    if (other.pendingReinvite === this.cSide) other.pendingReinvite = undefined;
    this.notifier.final(status, reason);
    this.ctx.logger.info('attended transfer failed', { call: host.id, consultation: other.id, status, reason });
    // X hung up a leg meanwhile: the party left on it has nobody to talk to.
    if (this.left.host) host.hangupFrom(hostSide, 'transferor left; attended transfer failed');
    if (this.left.other) other.hangupFrom(otherSide, 'transferor left; attended transfer failed');
    this.done({ kind: 'failed', status, reason }, this);
  }
}

export interface Leg {
  dialog: Dialog;
  target: Target;
}

/** The dialog and address of the party on one side of a call. */
export function legOf(call: Call, side: Side): Leg | undefined {
  const dialog = side === 'a' ? call.aDialog : call.winner?.dialog;
  const target = side === 'a' ? call.callerTarget : call.winner?.target.target;
  return dialog && target ? { dialog, target } : undefined;
}

/** BYE the party on one side of a call (its dialog stays registered until the call ends). */
export function byeLeg(ctx: CallContext, call: Call, side: Side): void {
  if (side === 'a') ctx.byeCaller(call);
  else if (call.winner) ctx.byeFork(call.winner);
}

/**
 * A party whose dialog the PBX did not start as a branch (the caller of call 2) taking a
 * side of another call: an answered Fork around its existing dialog, never started, so
 * Call treats it as any answered leg. Its INVITE is the one that set the dialog up.
 */
export function adopt(ctx: CallContext, owner: Call, leg: Leg, invite: SipRequest, trunk: string | undefined): Fork {
  const fork = new Fork(-1, { requestUri: leg.dialog.remoteTarget, target: leg.target, ...(trunk !== undefined ? { trunk } : {}) }, invite, owner, ctx.forkIo);
  fork.dialog = leg.dialog;
  fork.state = 'answered';
  return fork;
}
