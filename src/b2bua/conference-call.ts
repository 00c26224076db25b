/**
 * One phone's call into a conference room: the PBX answers it itself (200 with an SDP of a
 * media session whose leg A faces the phone, conference-answer.ts), asks for the room's PIN
 * when it has one (prompts, digits from MediaSession.onDigit until '#', three tries, then
 * goodbye and BYE), and joins the phone to the room in the room's media worker. A BYE from
 * the phone, a kick (BYE with a Reason, RFC 3326), the RTP timeout or the worker's death
 * ends it; the record goes to the tenant's call records like any call.
 */
import { Dialog } from '../sip/dialog/dialog.js';
import { getHeader } from '../sip/message/headers.js';
import type { SipRequest, SipResponse } from '../sip/message/types.js';
import type { ServerTransaction } from '../sip/transaction/types.js';
import type { Target } from '../sip/transport/types.js';
import type { TimerHandle } from '../util/clock.js';
import { newCallId, newTag } from '../util/ids.js';
import type { B2buaIo } from './b2bua-io.js';
import { answerOffer } from './conference-answer.js';
import { answerCaller } from './messages.js';
import type { CallRecorder, MediaCodec, MediaRemote, MediaWebrtc, WebrtcIdentity } from './ports.js';
import { browserCaller } from './webrtc-legs.js';
import { reasonPhrase } from '../sip/message/reason-phrases.js';

/** A room as the tenant configured it. */
export interface ConferenceRoomConfig {
  number: string;
  name?: string;
  pin?: string;
  maxParticipants?: number;
}

/** What a conference call needs of its media session (media/media-session.ts MediaSession). */
export interface ConferenceMedia {
  readonly legA: { address: string; rtpPort: number };
  setRemote(leg: 'a', remote: MediaRemote): Promise<void>;
  /** Make leg A a browser leg (ICE-lite, DTLS-SRTP); absent: browser callers get 488. */
  setWebrtc?(leg: 'a' | 'b', webrtc: MediaWebrtc | null): Promise<void>;
  useCodecs(codecs: { a: MediaCodec; b: MediaCodec }): Promise<void>;
  setDtmf(dtmf: { a: { mode: 'rfc4733' | 'inband' | 'none'; detectInband?: boolean }; b: { mode: 'none' } }): Promise<void>;
  play(leg: 'a', files: readonly string[], opts?: { bargeIn?: boolean }): Promise<unknown>;
  stopPlay(leg: 'a'): Promise<void>;
  onDigit(cb: (e: { leg: 'a' | 'b'; digit: string }) => void): () => void;
  joinRoom(room: string, leg: 'a', files: { moh: readonly string[]; join: readonly string[]; leave: readonly string[] }, muted?: boolean): Promise<void>;
  setRoomMute(muted: boolean): Promise<void>;
  roomParticipants(room: string): Promise<Array<{ session: string; muted: boolean; talking: boolean }>>;
  release(): Promise<unknown>;
  onTimeout(cb: () => void): void;
  onEnded(cb: (reason: string) => void): void;
}

export interface ConferenceCallDeps {
  io: B2buaIo;
  clock: { now(): number; setTimeout(fn: () => void, ms: number): TimerHandle; clearTimeout(h: TimerHandle | undefined): void };
  logger: { info(m: string, f?: Record<string, unknown>): void; warn(m: string, f?: Record<string, unknown>): void; debug(m: string, f?: Record<string, unknown>): void };
  recorder: CallRecorder;
  t1: number;
  t2: number;
  createMedia(id: string, room: string): Promise<ConferenceMedia>;
  /** The DTLS certificate for browser callers (webrtc-legs.ts); absent: their offers get 488. */
  webrtcIdentity?: WebrtcIdentity;
  /** Real, checked paths of a built-in or tenant prompt; empty when there is none. */
  prompt(id: string): string[];
  moh(): readonly string[];
  /** Participants in the room now (for maxParticipants). */
  occupancy(): number;
  sendToCaller(res: SipResponse, target: Target): void;
  joined(call: ConferenceCall): void;
  dialogUp(call: ConferenceCall, key: { callId: string; localTag: string; remoteTag: string }): void;
  ended(call: ConferenceCall): void;
}

export interface ConferenceCallInput {
  invite: SipRequest;
  inviteTx: ServerTransaction;
  callerTarget: Target;
  callerSourceAddress: string;
  callerExt?: string;
  room: ConferenceRoomConfig;
  /** The worker's key of the room (tenant and number). */
  roomKey: string;
  offer: Buffer;
  releaseLimit(): void;
}

const PIN_TRIES = 3;
const DIGIT_WAIT_MS = 10_000;
const MAX_PIN_DIGITS = 32;

export class ConferenceCall {
  readonly id = newCallId();
  readonly aLegCallId: string;
  readonly startedAt: number;
  joinedAt: number | undefined;
  muted = false;
  state: 'setup' | 'pin' | 'joined' | 'ended' = 'setup';
  dialog: Dialog | undefined;
  media: ConferenceMedia | undefined;
  private readonly tag = newTag();
  private okTimer: TimerHandle | undefined;
  private answeredAt: number | undefined;
  private cause = '';
  private side: 'caller' | 'callee' | 'system' = 'system';

  constructor(
    private readonly d: ConferenceCallDeps,
    readonly input: ConferenceCallInput,
  ) {
    this.aLegCallId = getHeader(input.invite, 'call-id') ?? '';
    this.startedAt = d.clock.now();
  }

  get callerTarget(): Target {
    return this.input.callerTarget;
  }

  async start(): Promise<void> {
    const { invite, inviteTx, room } = this.input;
    inviteTx.respond(answerCaller(invite, 100, { toTag: this.tag }));
    this.d.recorder.started({ callId: this.id, aLegCallId: this.aLegCallId, fromUri: getHeader(invite, 'from') ?? '', ...(this.input.callerExt !== undefined ? { fromExt: this.input.callerExt } : {}), toUri: invite.uri, toExt: room.number, direction: 'internal', startedAt: this.startedAt });
    if (room.maxParticipants !== undefined && this.d.occupancy() >= room.maxParticipants) {
      return this.refuse(486, reasonPhrase(486), 'conference full', [['Reason', 'SIP;cause=486;text="conference full"']]);
    }
    let media: ConferenceMedia;
    try {
      media = await this.d.createMedia(this.id, this.input.roomKey);
    } catch (e) {
      this.d.logger.warn('no media session for a conference call', { call: this.id, error: e });
      return this.refuse(503, reasonPhrase(503), 'media unavailable');
    }
    this.media = media;
    // A browser caller (UDP/TLS/RTP/SAVPF): its offer as plain RTP/AVP for the answer, our
    // answer dressed for it (ICE-lite, DTLS passive, rtcp-mux), leg A a browser leg in the worker.
    const browser = this.d.webrtcIdentity && media.setWebrtc ? browserCaller(this.input.offer, this.d.webrtcIdentity) : undefined;
    const plain = answerOffer(browser?.plain ?? this.input.offer, media.legA, this.id, this.input.callerSourceAddress, { opus: true });
    const answer = plain && browser ? { ...plain, body: browser.answer(plain.body, media.legA.address, media.legA.rtpPort, media) } : plain;
    if (!answer) return this.refuse(488, reasonPhrase(488), 'no codec the conference can mix');
    media.onTimeout(() => this.hangup('RTP timeout'));
    media.onEnded((reason) => this.hangup(`media ended: ${reason}`));
    try {
      await media.setRemote('a', answer.remote);
      await media.useCodecs({ a: answer.codec, b: answer.codec });
      await media.setDtmf({ a: answer.codec.telephoneEvent !== undefined ? { mode: 'rfc4733' } : { mode: 'inband', detectInband: true }, b: { mode: 'none' } });
    } catch (e) {
      this.d.logger.warn('conference media not set up', { call: this.id, error: e });
      return this.refuse(503, reasonPhrase(503), 'media not set up');
    }
    if (this.state === 'ended') return;
    const contact = this.d.io.contactFor(this.input.callerTarget.protocol);
    const ok = answerCaller(invite, 200, { toTag: this.tag, contact, body: answer.body, headers: [['Content-Type', 'application/sdp']] });
    inviteTx.respond(ok);
    this.answeredAt = this.d.clock.now();
    this.d.recorder.answered(this.id, this.answeredAt);
    this.dialog = Dialog.asUas(invite, this.tag, contact);
    this.d.dialogUp(this, { callId: this.dialog.id.callId, localTag: this.dialog.id.localTag, remoteTag: this.dialog.id.remoteTag });
    this.retransmitOk(ok);
    if (room.pin !== undefined && room.pin !== '') {
      this.state = 'pin';
      if (!(await this.askPin(room.pin))) {
        if (this.isEnded()) return;
        await this.say('goodbye');
        this.hangup('wrong PIN', 'SIP;cause=403;text="wrong conference PIN"');
        return;
      }
    }
    if (this.isEnded()) return;
    if (room.maxParticipants !== undefined && this.d.occupancy() >= room.maxParticipants) {
      await this.say('conf-full');
      this.hangup('conference full', 'SIP;cause=486;text="conference full"');
      return;
    }
    try {
      await media.joinRoom(this.input.roomKey, 'a', { moh: this.d.moh(), join: this.d.prompt('conf-join'), leave: this.d.prompt('conf-leave') });
    } catch (e) {
      this.d.logger.warn('conference join failed', { call: this.id, error: e });
      this.hangup('conference join failed');
      return;
    }
    if ((this.state as string) === 'ended') return;
    this.state = 'joined';
    this.joinedAt = this.d.clock.now();
    this.d.joined(this);
  }

  private isEnded(): boolean {
    return this.state === 'ended';
  }

  /** Up to three tries: prompt, digits until '#'. */
  private async askPin(pin: string): Promise<boolean> {
    for (let i = 0; i < PIN_TRIES && this.state === 'pin'; i++) {
      const digits = this.collect();
      await this.say('conf-enter-pin');
      const got = await digits;
      if (got === pin) return true;
      if (this.state !== 'pin') return false;
      await this.say('conf-invalid-pin');
    }
    return false;
  }

  /** Digits until '#' (or the wait runs out: what was typed so far). */
  private collect(): Promise<string> {
    const media = this.media!;
    return new Promise((resolve) => {
      let typed = '';
      let timer: TimerHandle | undefined;
      const done = () => {
        off();
        this.d.clock.clearTimeout(timer);
        resolve(typed);
      };
      const arm = () => {
        this.d.clock.clearTimeout(timer);
        timer = this.d.clock.setTimeout(done, DIGIT_WAIT_MS);
      };
      const off = media.onDigit((e) => {
        if (e.leg !== 'a') return;
        if (e.digit === '#') return done();
        if (typed.length < MAX_PIN_DIGITS) typed += e.digit;
        arm();
      });
      this.onEnd.push(done);
      arm();
    });
  }

  private readonly onEnd: Array<() => void> = [];

  private async say(id: string): Promise<void> {
    const files = this.d.prompt(id);
    if (!this.media || files.length === 0 || this.state === 'ended') return;
    await this.media.play('a', files, { bargeIn: true }).catch(() => undefined);
  }

  async setMuted(muted: boolean): Promise<void> {
    if (this.state !== 'joined' || !this.media) throw new Error('not in the room');
    await this.media.setRoomMute(muted);
    this.muted = muted;
  }

  /** BYE from the phone. */
  byeFromCaller(): void {
    this.side = 'caller';
    this.end('BYE from caller');
  }

  onAck(): void {
    this.d.clock.clearTimeout(this.okTimer);
    this.okTimer = undefined;
  }

  /** The PBX ends the call: BYE with an optional Reason (RFC 3326). */
  hangup(cause: string, reason?: string): void {
    if (this.state === 'ended') return;
    if (this.dialog) {
      const bye = this.dialog.createRequest('BYE', { via: this.d.io.viaFor(this.callerTarget.protocol), ...(reason ? { headers: [['Reason', reason]] as Array<[string, string]> } : {}) });
      this.d.io.sendRequest(bye, this.callerTarget, { onResponse: () => {}, onTimeout: () => {}, onTransportError: () => {} });
    } else {
      this.input.inviteTx.respond(answerCaller(this.input.invite, 503, { toTag: this.tag, ...(reason ? { headers: [['Reason', reason]] } : {}) }));
    }
    this.side = 'system';
    this.end(cause);
  }

  private refuse(status: number, reason: string, cause: string, headers?: Array<[string, string]>): void {
    this.input.inviteTx.respond(answerCaller(this.input.invite, status, { toTag: this.tag, reason, ...(headers ? { headers } : {}) }));
    this.end(cause, status);
  }

  private end(cause: string, status?: number): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.cause = cause;
    this.d.clock.clearTimeout(this.okTimer);
    for (const f of this.onEnd.splice(0)) f();
    this.input.releaseLimit();
    const write = (mediaStats: unknown) => {
      try {
        this.d.recorder.ended({
          callId: this.id,
          aLegCallId: this.aLegCallId,
          fromUri: getHeader(this.input.invite, 'from') ?? '',
          ...(this.input.callerExt !== undefined ? { fromExt: this.input.callerExt } : {}),
          toUri: this.input.invite.uri,
          toExt: this.input.room.number,
          direction: 'internal',
          startedAt: this.startedAt,
          ...(this.answeredAt !== undefined ? { answeredAt: this.answeredAt } : {}),
          endedAt: this.d.clock.now(),
          disposition: this.answeredAt !== undefined ? 'answered' : status === 486 ? 'busy' : 'failed',
          hangupCause: status !== undefined ? `${status} ${this.cause}` : this.cause,
          hangupSide: this.side,
          ...(mediaStats !== undefined ? { media: mediaStats } : {}),
        });
      } catch (e) {
        this.d.logger.warn('call record not written', { call: this.id, error: e });
      }
      this.d.ended(this);
    };
    if (this.media) this.media.release().then(write, () => write(undefined));
    else write(undefined);
  }

  /** RFC 3261 §13.3.1.4: the UAS core retransmits its 2xx until the ACK (UDP only). */
  private retransmitOk(ok: SipResponse): void {
    if (this.callerTarget.protocol !== 'udp') return;
    const step = (interval: number, elapsed: number) => {
      this.okTimer = this.d.clock.setTimeout(() => {
        if (this.state === 'ended' || this.okTimer === undefined) return;
        if (elapsed + interval >= 64 * this.d.t1) {
          this.okTimer = undefined;
          this.hangup('no ACK for 200');
          return;
        }
        this.d.sendToCaller(ok, this.input.inviteTx.target);
        step(Math.min(interval * 2, this.d.t2), elapsed + interval);
      }, interval);
    };
    step(this.d.t1, 0);
  }
}
