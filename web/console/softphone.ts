/**
 * The console's browser softphone (issue 14 point 3): SIP.js registers over the PBX's SIP
 * WebSocket listener (RFC 7118) as the signed-in extension and runs one call at a time:
 * call, answer or decline, hang up, hold and resume (re-INVITE with sendonly/inactive),
 * DTMF (RFC 4733 telephone-events in the media when the answer agreed to them, SIP INFO
 * application/dtmf-relay otherwise: dtmf-method.ts; the PBX plays either on to the other
 * leg, src/b2bua/call-dtmf.ts), blind transfer (REFER, which the PBX handles itself) and
 * attended transfer: the first call is held, a consultation call goes to the target, and
 * "complete" sends the first call's peer a REFER whose Refer-To carries Replaces naming the
 * consultation dialog (RFC 5589 §7, RFC 3891): the PBX joins the two others and hangs up
 * both of our legs. The SIP password lives only in this object's memory while it is registered.
 */
import { targetUri } from './dial-target';
import { dtmfMethod, negotiatesTelephoneEvent, type DtmfMethod } from './dtmf-method';
import { Invitation, Inviter, Registerer, RegistererState, SessionState, UserAgent, type Session } from 'sip.js';

export type Registration = 'idle' | 'connecting' | 'registered' | 'failed' | 'unregistered';
export type CallState = 'none' | 'incoming' | 'calling' | 'active' | 'ended';

export interface PhoneState {
  registration: Registration;
  call: CallState;
  held: boolean;
  /** Who the call is with (the remote party's URI user or display name). */
  peer?: string;
  /** Why the last thing failed: a SIP status, or a short reason. */
  problem?: string;
  /** How the last keypad digit went: in the media (RFC 4733) or as SIP INFO. */
  dtmfVia?: DtmfMethod;
  /** The consultation call of an attended transfer, while there is one. */
  consult?: 'calling' | 'active';
  consultPeer?: string;
}

export interface SoftphoneOptions {
  wsUrl: string;
  /** The extension and the tenant domain: the AOR sip:ext@domain. */
  ext: string;
  domain: string;
  password: string;
  /** Where the remote audio plays. */
  audio: () => HTMLAudioElement | null;
  onChange: (s: PhoneState) => void;
}

const DIGITS = /^[0-9*#A-D]$/;
/** How long a digit waits for the call's media to connect before it goes as SIP INFO instead. */
const DTMF_WAIT_MS = 3000;

/** Resolves when the peer connection is connected, or after `ms`. */
function mediaUp(pc: RTCPeerConnection, ms: number): Promise<void> {
  if (pc.connectionState === 'connected') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('connectionstatechange', check);
      resolve();
    };
    const check = () => {
      if (pc.connectionState === 'connected' || pc.connectionState === 'failed' || pc.connectionState === 'closed') done();
    };
    const timer = setTimeout(done, ms);
    pc.addEventListener('connectionstatechange', check);
  });
}
const MEDIA = { constraints: { audio: true, video: false } };

export class Softphone {
  private ua: UserAgent | undefined;
  private registerer: Registerer | undefined;
  private session: Session | undefined;
  /** The consultation call (attended transfer); the first call is held meanwhile. */
  private consultation: Session | undefined;
  private state: PhoneState = { registration: 'idle', call: 'none', held: false };

  constructor(private readonly o: SoftphoneOptions) {}

  get current(): PhoneState {
    return this.state;
  }

  private set(patch: Partial<PhoneState>): void {
    this.state = { ...this.state, ...patch };
    this.o.onChange(this.state);
  }

  async register(): Promise<void> {
    this.set({ registration: 'connecting', problem: undefined });
    const uri = UserAgent.makeURI(`sip:${this.o.ext}@${this.o.domain}`);
    if (!uri) return this.set({ registration: 'failed', problem: 'bad address' });
    this.ua = new UserAgent({
      uri,
      transportOptions: { server: this.o.wsUrl },
      authorizationUsername: this.o.ext,
      authorizationPassword: this.o.password,
      logLevel: 'error',
      sessionDescriptionHandlerFactoryOptions: { iceGatheringTimeout: 2000, peerConnectionConfiguration: { iceServers: [] } },
      delegate: {
        onInvite: (inv) => this.incoming(inv),
        onDisconnect: () => {
          if (this.state.registration !== 'unregistered') this.set({ registration: 'failed', problem: 'connection lost' });
        },
      },
    });
    try {
      await this.ua.start();
    } catch (e) {
      return this.set({ registration: 'failed', problem: (e as Error).message || 'connection failed' });
    }
    const reg = new Registerer(this.ua);
    this.registerer = reg;
    reg.stateChange.addListener((s) => {
      if (s === RegistererState.Registered) this.set({ registration: 'registered', problem: undefined });
    });
    await reg.register({
      requestDelegate: {
        onReject: (r) => this.set({ registration: 'failed', problem: `${r.message.statusCode} ${r.message.reasonPhrase}` }),
      },
    });
  }

  async unregister(): Promise<void> {
    this.set({ registration: 'unregistered' });
    await this.hangup().catch(() => undefined);
    await this.registerer?.unregister().catch(() => undefined);
    await this.ua?.stop().catch(() => undefined);
    this.ua = undefined;
    this.registerer = undefined;
  }

  /** Calls `typed` (an extension, a number or user@host); false when it is not a dial string or a call is up. */
  call(typed: string): boolean {
    const target = targetUri(typed, this.o.domain);
    const uri = target ? UserAgent.makeURI(target) : undefined;
    if (!this.ua || !uri || this.session) return false;
    const inviter = new Inviter(this.ua, uri, { sessionDescriptionHandlerOptions: MEDIA });
    this.follow(inviter, 'calling', typed.trim());
    void inviter.invite({ requestDelegate: { onReject: (r) => this.set({ problem: `${r.message.statusCode} ${r.message.reasonPhrase}` }) } }).catch((e: Error) => this.set({ problem: e.message }));
    return true;
  }

  private incoming(inv: Invitation): void {
    if (this.session || this.consultation) {
      void inv.reject({ statusCode: 486 }).catch(() => undefined); // one call at a time: busy here
      return;
    }
    const from = inv.remoteIdentity;
    this.follow(inv, 'incoming', from.displayName || from.uri.user || '');
  }

  private follow(s: Session, first: CallState, peer: string): void {
    this.session = s;
    this.set({ call: first, peer, held: false, problem: undefined });
    s.stateChange.addListener((st) => {
      if (this.session !== s) return;
      if (st === SessionState.Established) {
        this.set({ call: 'active' });
        this.playRemote(s);
      }
      if (st === SessionState.Terminated) {
        this.session = undefined;
        const audio = this.o.audio();
        if (audio) audio.srcObject = null;
        const c = this.consultation;
        if (c && c.state === SessionState.Established) {
          // The first call's peer left during the consultation: the consultation becomes the call.
          this.consultation = undefined;
          this.set({ consult: undefined, consultPeer: undefined });
          this.follow(c, 'active', this.state.consultPeer ?? '');
          this.playRemote(c);
          return;
        }
        this.set({ call: 'ended', held: false });
      }
    });
  }

  private playRemote(s: Session): void {
    const pc = (s.sessionDescriptionHandler as unknown as { peerConnection?: RTCPeerConnection } | undefined)?.peerConnection;
    const audio = this.o.audio();
    if (!pc || !audio) return;
    audio.srcObject = new MediaStream(pc.getReceivers().map((r) => r.track));
    void audio.play().catch(() => undefined);
  }

  answer(): void {
    const s = this.session;
    if (s instanceof Invitation && s.state === SessionState.Initial) void s.accept({ sessionDescriptionHandlerOptions: MEDIA }).catch((e: Error) => this.set({ problem: e.message }));
  }

  async hangup(): Promise<void> {
    await this.endConsult();
    const s = this.session;
    if (!s) return;
    if (s instanceof Invitation && s.state === SessionState.Initial) await s.reject({ statusCode: 603 });
    else if (s instanceof Inviter && (s.state === SessionState.Initial || s.state === SessionState.Establishing)) await s.cancel();
    else if (s.state === SessionState.Established) await s.bye();
  }

  /** Hold (true) or resume (false): a re-INVITE whose offer is sendonly, or sendrecv again. */
  async hold(on: boolean): Promise<void> {
    const s = this.session;
    if (!s || s.state !== SessionState.Established || this.state.held === on) return;
    s.sessionDescriptionHandlerOptionsReInvite = { ...MEDIA, hold: on } as typeof s.sessionDescriptionHandlerOptionsReInvite;
    await new Promise<void>((resolve) => {
      void s
        .invite({
          requestDelegate: {
            onAccept: () => {
              this.set({ held: on });
              resolve();
            },
            onReject: (r) => {
              this.set({ problem: `${r.message.statusCode} ${r.message.reasonPhrase}` });
              resolve();
            },
          },
        })
        .catch((e: Error) => {
          this.set({ problem: e.message });
          resolve();
        });
    });
  }

  /**
   * One DTMF digit: RFC 4733 telephone-events through the session description handler's
   * RTCDTMFSender when the remote SDP has telephone-event, SIP INFO (application/dtmf-relay)
   * otherwise or when the sender refuses (RFC 4733 §2.5.1.3: 100 ms is a usual tone length).
   */
  async dtmf(digit: string): Promise<void> {
    const s = this.session;
    if (!s || s.state !== SessionState.Established || !DIGITS.test(digit)) return;
    const sdh = s.sessionDescriptionHandler as unknown as
      | { peerConnection?: RTCPeerConnection; sendDtmf?: (tones: string, o?: { duration: number; interToneGap: number }) => boolean }
      | undefined;
    const pc = sdh?.peerConnection;
    const sender = pc?.getSenders().find((x) => x.track?.kind === 'audio')?.dtmf ?? pc?.getSenders()[0]?.dtmf;
    // Answered but the DTLS-SRTP media not up yet: the sender cannot insert until it is; wait a little.
    if (pc && sender && !sender.canInsertDTMF && negotiatesTelephoneEvent(pc.remoteDescription?.sdp)) await mediaUp(pc, DTMF_WAIT_MS);
    if (dtmfMethod(pc?.remoteDescription?.sdp, sender?.canInsertDTMF === true) === 'rtp' && sdh?.sendDtmf?.(digit, { duration: 100, interToneGap: 70 })) {
      this.set({ dtmfVia: 'rtp' });
      return;
    }
    this.set({ dtmfVia: 'info' });
    await s.info({ requestOptions: { body: { contentDisposition: 'render', contentType: 'application/dtmf-relay', content: `Signal=${digit}\r\nDuration=160\r\n` } } });
  }

  /** Blind transfer: REFER to `typed`; the PBX connects the other party there and our leg ends. */
  transfer(typed: string): boolean {
    const s = this.session;
    const target = targetUri(typed, this.o.domain);
    const uri = target ? UserAgent.makeURI(target) : undefined;
    if (!s || s.state !== SessionState.Established || !uri) return false;
    void s
      .refer(uri, { requestDelegate: { onReject: (r) => this.set({ problem: `${r.message.statusCode} ${r.message.reasonPhrase}` }) } })
      .catch((e: Error) => this.set({ problem: e.message }));
    return true;
  }

  /** Attended transfer, step 1: hold the call and call `typed` to consult; false when it cannot start. */
  async consult(typed: string): Promise<boolean> {
    const first = this.session;
    const target = targetUri(typed, this.o.domain);
    const uri = target ? UserAgent.makeURI(target) : undefined;
    if (!this.ua || !first || first.state !== SessionState.Established || this.consultation || !uri) return false;
    await this.hold(true);
    const c = new Inviter(this.ua, uri, { sessionDescriptionHandlerOptions: MEDIA });
    this.consultation = c;
    this.set({ consult: 'calling', consultPeer: typed.trim(), problem: undefined });
    c.stateChange.addListener((st) => {
      if (this.consultation !== c) return;
      if (st === SessionState.Established) {
        this.set({ consult: 'active' });
        this.playRemote(c);
      }
      if (st === SessionState.Terminated) {
        this.consultation = undefined;
        this.set({ consult: undefined, consultPeer: undefined });
        const back = this.session;
        if (back) this.playRemote(back);
      }
    });
    void c.invite({ requestDelegate: { onReject: (r) => this.set({ problem: `${r.message.statusCode} ${r.message.reasonPhrase}` }) } }).catch((e: Error) => this.set({ problem: e.message }));
    return true;
  }

  /**
   * Attended transfer, step 2: REFER the first call's peer to the consulted party with
   * Replaces naming the consultation dialog (SIP.js builds it from the Session). The PBX
   * answers 202, reports by NOTIFY and sends BYE on both of our calls.
   */
  completeTransfer(): boolean {
    const first = this.session;
    const c = this.consultation;
    if (!first || !c || first.state !== SessionState.Established || c.state !== SessionState.Established) return false;
    void first
      .refer(c, { requestDelegate: { onReject: (r) => this.set({ problem: `${r.message.statusCode} ${r.message.reasonPhrase}` }) } })
      .catch((e: Error) => this.set({ problem: e.message }));
    return true;
  }

  /** Ends the consultation and takes the first call off hold. */
  async cancelConsult(): Promise<void> {
    if (!this.consultation) return;
    await this.endConsult();
    await this.hold(false);
  }

  private async endConsult(): Promise<void> {
    const c = this.consultation;
    if (!c) return;
    this.consultation = undefined;
    this.set({ consult: undefined, consultPeer: undefined });
    if (c instanceof Inviter && (c.state === SessionState.Initial || c.state === SessionState.Establishing)) await c.cancel().catch(() => undefined);
    else if (c.state === SessionState.Established) await c.bye().catch(() => undefined);
  }
}
