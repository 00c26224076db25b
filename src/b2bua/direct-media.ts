/**
 * Direct media (media bypass, issue 13 point 3) for one answered call. When the policy
 * allows it (direct-media-policy.ts), the PBX steps out of the RTP path: it re-INVITEs
 * the callee with the caller's own description (its address and port), then the caller
 * with the callee's answer, so each phone sends RTP to the other. The PBX stays the B2BUA
 * of both dialogs (RFC 7092 §3.1: a signalling-only B2BUA may pass media descriptions
 * through); the media session stays allocated, idle, so the media can be taken back.
 *
 * The media comes back to the PBX (its relay ports, the same session) when a feature needs
 * it: a hold relayed between the phones (its offer and answer carry the PBX's ports, as
 * every relayed offer does: in-dialog-relay.ts), a transfer or park that changes a leg
 * (the remaining leg is re-INVITEd with the PBX's port), or anyone calling anchor(). After a
 * resume the call is joined again when the policy still allows it.
 *
 * RFC 3261 §14.1: a re-INVITE that fails leaves that leg's session as it was; a callee that
 * refuses the direct offer keeps the relay, a caller that refuses it makes the callee come
 * back to the relay. A 491 from the caller (its own re-INVITE crossed ours) is retried once
 * after 2.1–4 s, as §14.1 says for the owner of neither Call-ID.
 */
import { mediaEndpoint } from '../sdp/offer-answer.js';
import { getHeader } from '../sip/message/headers.js';
import type { SipResponse } from '../sip/message/types.js';
import type { Dialog } from '../sip/dialog/dialog.js';
import type { Target } from '../sip/transport/types.js';
import { parseUri } from '../sip/message/uri.js';
import type { TimerHandle } from '../util/clock.js';
import type { Call } from './call.js';
import type { CallContext } from './call-context.js';
import type { Side } from './call-registry.js';
import { directMediaRefusal, type DirectMediaLeg } from './direct-media-policy.js';
import { farEndAddress } from './fork-targets.js';
import type { LegCodecs } from './ports.js';
import { sentHold, transferOffer } from './transfer-offer.js';

export type DirectMediaState = 'relayed' | 'joining' | 'direct' | 'anchoring';

/** The tenant's direct-media policy for one call (CallContext.directMedia); undefined there: off. */
export interface DirectMediaPolicy {
  /** Trunks of the tenant whose legs may be joined directly. */
  trunks: readonly string[];
  /** The call's recording policy. */
  recording: 'never' | 'always' | 'on-demand';
}

export class DirectMedia {
  state: DirectMediaState = 'relayed';
  /** A leg was replaced or dropped (transfer, park): the call stays relayed from then on. */
  private legsChanged = false;
  private retry: TimerHandle | undefined;
  private stopped = false;
  private lastRefusal: string | undefined;

  constructor(
    private readonly call: Call,
    private readonly ctx: CallContext,
  ) {}

  /** The sides' description of why the media stays (for the log and tests); undefined: it may go direct. */
  refusal(policy: DirectMediaPolicy | undefined = this.ctx.directMedia?.(this.call)): string | undefined {
    if (!policy) return 'off for this tenant';
    if (this.legsChanged) return 'a leg was replaced (transfer, park)';
    const a = this.leg('a');
    const b = this.leg('b');
    if (!a || !b) return 'no media description from a leg';
    return directMediaRefusal({ tenantOn: true, trunks: policy.trunks, recording: policy.recording, a, b });
  }

  /** The call is answered and acknowledged, or a resume was answered: join the legs when allowed. */
  join(): void {
    if (this.stopped || this.state !== 'relayed' || this.call.state !== 'answered') return;
    // A tenant without the policy: nothing of this runs, not even a log line.
    const policy = this.ctx.directMedia?.(this.call);
    if (!policy) return;
    const why = this.refusal(policy);
    if (why !== undefined) {
      // Said once per reason: every ACK and answered offer asks again.
      if (why !== this.lastRefusal) this.ctx.logger.info('direct media: the media stays in the PBX', { call: this.call.id, reason: why });
      this.lastRefusal = why;
      return;
    }
    const aSd = this.call.sdpBridge.lastFrom('a');
    if (!aSd || this.call.pendingReinvite !== undefined) return;
    this.state = 'joining';
    this.call.pendingReinvite = 'b';
    const bBody = this.call.sdpBridge.directOfferTo('b', aSd);
    this.reinvite('b', bBody, (res) => {
      const b = res ? this.call.sdpBridge.answerToOwnOffer('b', res.body, this.signalling('b')) : undefined;
      if (!res || !b) {
        // §14.1: a failed re-INVITE leaves B as it was (relayed); an unusable answer in a 2xx does not.
        if (res) return this.anchorSides(['b'], 'the callee answered the direct offer with nothing usable');
        this.call.pendingReinvite = undefined;
        this.state = 'relayed';
        return;
      }
      const bSd = this.call.sdpBridge.lastFrom('b');
      if (!bSd) return this.anchorSides(['b'], 'no description from the callee');
      this.offerCaller(this.call.sdpBridge.directOfferTo('a', bSd), aSd, true);
    });
  }

  /** The caller's half of a join: B already sends to A; A is offered B's own address. */
  private offerCaller(body: Buffer, aSd: ReturnType<Call['sdpBridge']['lastFrom']>, mayRetry: boolean): void {
    this.reinvite('a', body, (res, status) => {
      if (status === 491 && mayRetry && !this.stopped) {
        // §14.1: glare with the caller's own re-INVITE: try again after 2.1 to 4 s.
        this.retry = this.ctx.clock.setTimeout(() => {
          if (this.state === 'joining' && this.call.state === 'answered') this.offerCaller(this.call.sdpBridge.lastSentTo('a') ?? body, aSd, false);
        }, 2100 + Math.floor(Math.random() * 1900));
        return;
      }
      const a = res ? this.call.sdpBridge.answerToOwnOffer('a', res.body, this.signalling('a')) : undefined;
      if (!res || !a) return this.anchorSides(res ? ['a', 'b'] : ['b'], 'the caller refused the direct offer');
      // B was told where A receives (aSd); an answer that moves A would leave B sending into nothing.
      const told = aSd ? endpointOf(aSd) : undefined;
      if (!told || told !== `${a.remote.address}:${a.remote.port}`) return this.anchorSides(['a', 'b'], 'the caller answered with another address');
      this.call.pendingReinvite = undefined;
      this.state = 'direct';
      // No RTP reaches the PBX now: its inactivity timer must not end the call (on hold, the worker waits).
      void this.call.mediaSession?.setHold(true).catch(() => undefined);
      this.ctx.logger.info('direct media: the legs exchange RTP end to end', { call: this.call.id, caller: told, callee: endpointOf(this.call.sdpBridge.lastFrom('b')) });
    });
  }

  /**
   * A relayed offer was answered (hold, resume, any re-INVITE or UPDATE with SDP between the
   * phones): its SDP carried the PBX's ports both ways, so the media is relayed again. A
   * resume joins the legs again when the policy allows.
   */
  relayedOffer(hold: boolean): void {
    if (this.state === 'direct' || this.state === 'joining') {
      this.ctx.logger.info('direct media: the media is back in the PBX', { call: this.call.id, reason: hold ? 'hold' : 'a relayed offer' });
    }
    if (this.state !== 'anchoring') this.state = 'relayed';
    // The phone that offered still waits for our 200's ACK: the join starts with the other leg (join() does B first).
    if (!hold) this.ctx.clock.setTimeout(() => this.join(), 0);
  }

  /** A transfer or park replaced or dropped one side: the other side is brought back to the relay. */
  legChanged(side: Side): void {
    this.legsChanged = true;
    if (this.state === 'relayed') return;
    const other: Side = side === 'a' ? 'b' : 'a';
    this.anchorSides([other], 'a leg was replaced');
  }

  /** Take the media back into the PBX (both legs re-INVITEd to its relay ports). Resolves when done. */
  anchor(reason: string): Promise<void> {
    if (this.state === 'relayed') return Promise.resolve();
    return new Promise((resolve) => this.anchorSides(['a', 'b'], reason, resolve));
  }

  /** The call ended. */
  stop(): void {
    this.stopped = true;
    this.ctx.clock.clearTimeout(this.retry);
  }

  private anchorSides(sides: Side[], reason: string, done?: () => void): void {
    this.state = 'anchoring';
    const media = this.call.mediaSession;
    this.ctx.logger.info('direct media: taking the media back into the PBX', { call: this.call.id, reason });
    let open = sides.length;
    const finished = () => {
      if (--open > 0) return;
      if (this.call.pendingReinvite === 'b') this.call.pendingReinvite = undefined;
      this.state = 'relayed';
      void media?.setHold(false).catch(() => undefined);
      done?.();
    };
    this.call.pendingReinvite ??= 'b';
    for (const side of sides) {
      const body = media && !this.legGone(side) ? transferOffer(this.call.sdpBridge, side, media) : undefined;
      if (!body || !media) {
        finished();
        continue;
      }
      this.reinvite(side, body, (res) => {
        const a = res ? this.call.sdpBridge.answerToOwnOffer(side, res.body, this.signalling(side)) : undefined;
        if (a) {
          void media.setRemote(side, a.remote).then(() => media.resetLatch(side)).catch(() => undefined);
          if (a.codec) this.call.useLegCodec(side, a.codec as LegCodecs['a']);
        } else {
          this.ctx.logger.warn('direct media: a leg did not come back to the relay', { call: this.call.id, leg: side, status: res?.status });
        }
        finished();
      });
    }
  }

  /** Send a re-INVITE with `body` on one leg; `then` gets its 2xx (ACKed), or undefined and the status. */
  private reinvite(side: Side, body: Buffer, then: (res: SipResponse | undefined, status: number) => void): void {
    const dialog: Dialog | undefined = side === 'a' ? this.call.aDialog : this.call.winner?.dialog;
    const target: Target | undefined = side === 'a' ? this.call.callerTarget : this.call.winner?.target.target;
    if (!dialog || !target) return then(undefined, 0);
    const io = this.ctx.io;
    const req = dialog.createRequest('INVITE', { via: io.viaFor(target.protocol), contact: io.contactFor(target.protocol), body, contentType: 'application/sdp' });
    io.sendRequest(req, target, {
      onResponse: (res) => {
        if (res.status < 200) return;
        dialog.receiveResponse(res);
        if (res.status >= 300 || this.call.state !== 'answered') return then(undefined, res.status);
        io.ackDialog(dialog, res, target);
        then(res, res.status);
      },
      onTimeout: () => then(undefined, 408),
      onTransportError: () => then(undefined, 503),
    });
  }

  private legGone(side: Side): boolean {
    return side === 'a' ? !this.call.aDialog : !this.call.winner?.dialog;
  }

  private signalling(side: Side): string {
    return side === 'a' ? this.call.callerSourceAddress : this.call.winner ? farEndAddress(this.call.winner.target) : '';
  }

  /** What the policy needs of one leg; undefined before it sent a usable description. */
  private leg(side: Side): DirectMediaLeg | undefined {
    const sd = this.call.sdpBridge.lastFrom(side);
    if (!sd) return undefined;
    let sdpAddress: string;
    try {
      sdpAddress = mediaEndpoint(sd).address;
    } catch {
      return undefined;
    }
    const bridge = this.call.sdpBridge;
    const codec = this.call.codecs?.[side];
    const trunk = side === 'a' ? (this.call.input.callerExt === undefined ? (this.call.input.record.trunk ?? '') : undefined) : this.call.winner?.target.trunk;
    const contact = side === 'a' ? contactHostOf(getHeader(this.call.input.invite, 'contact')) : contactHostOf(this.call.winner?.target.binding?.contact);
    return {
      signalling: this.signalling(side),
      sdpAddress,
      ...(contact !== undefined ? { contactHost: contact } : {}),
      ...(trunk !== undefined ? { trunk } : {}),
      secure: (bridge.srtp?.isSecure(side) ?? false) || (bridge.webrtc?.isBrowser(side) ?? false),
      held: this.call.isHeld(side) || sentHold(bridge, side) || isHoldSd(sd),
      ...(codec ? { codec: { payloadType: codec.payloadType, name: codec.name, clockRate: codec.clockRate } } : {}),
    };
  }
}

function endpointOf(sd: Parameters<typeof mediaEndpoint>[0] | undefined): string | undefined {
  if (!sd) return undefined;
  try {
    const ep = mediaEndpoint(sd);
    return `${ep.address}:${ep.port}`;
  } catch {
    return undefined;
  }
}

/** The host of a Contact value (`<sip:u@h:p>;...` or a URI); undefined when unreadable. */
function contactHostOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const uri = /<([^>]*)>/.exec(value)?.[1] ?? value.split(';')[0]!.trim();
  try {
    const u = parseUri(uri);
    return 'host' in u ? u.host.replace(/^\[|\]$/g, '') : undefined;
  } catch {
    return undefined;
  }
}

/** A description that holds (sendonly, recvonly, inactive): its sender is holding or held. */
function isHoldSd(sd: NonNullable<ReturnType<Call['sdpBridge']['lastFrom']>>): boolean {
  const names = [...sd.attributes, ...sd.media.flatMap((m) => m.attributes)].map((a) => a.name);
  return names.some((n) => n === 'sendonly' || n === 'recvonly' || n === 'inactive');
}
