import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { cloneSdp } from '../sdp/clone.js';
import { parseSdp } from '../sdp/parse.js';
import { serializeSdp } from '../sdp/serialize.js';
import type { Attribute, MediaDescription, SessionDescription } from '../sdp/types.js';
import type { Side } from './call-registry.js';
import type { CallMediaSession, MediaWebrtc, WebrtcIdentity } from './ports.js';
import { sipError } from '../sip/message/reason-phrases.js';

/** The browser profile (RFC 5764 §8, JSEP): DTLS-SRTP over UDP with ICE. */
const WEBRTC_PROTOS = new Set(['UDP/TLS/RTP/SAVPF', 'UDP/TLS/RTP/SAVP']);

/** Attributes that belong to the browser hop only: taken out before the other leg sees the SDP. */
const HOP_ATTRIBUTES = new Set([
  'ice-ufrag', 'ice-pwd', 'ice-options', 'ice-lite', 'fingerprint', 'setup', 'candidate', 'end-of-candidates',
  'rtcp-mux', 'rtcp-mux-only', 'rtcp-rsize', 'rtcp', 'mid', 'extmap', 'extmap-allow-mixed', 'rtcp-fb', 'ssrc', 'ssrc-group',
  'msid', 'msid-semantic', 'group', 'tls-id',
]);

/** What a browser's description said about its hop. */
interface BrowserHop {
  ufrag: string;
  fingerprint: string;
  mid: string | undefined;
  /** The IPs of its UDP candidates (RFC 8839 §5.1), and where media is sent before ICE picks. */
  candidates: string[];
  first: { address: string; port: number };
  /** Our DTLS role on this hop (RFC 5763 §5): the client when the browser said a=setup:passive. */
  dtlsRole: 'server' | 'client';
}

interface LegState {
  readonly local: { ufrag: string; pwd: string };
  hop: BrowserHop | undefined;
  /** What the worker should have for the leg. */
  active: MediaWebrtc | null;
  dirty: boolean;
}

/** Why a browser's description cannot be taken (for the 488's detail). */
export class WebrtcRefusal extends Error {
  override readonly name = 'WebrtcRefusal';
}

/**
 * Browser legs of one call (issue 14, WebRTC): a description in UDP/TLS/RTP/SAVPF is
 * turned into plain RTP/AVP for the rest of the B2BUA (its ICE, DTLS and RTP-extension
 * lines kept for this hop only; c= and m= set to its first UDP candidate), and what we
 * send that leg is dressed as an ICE-lite, DTLS-passive (active when the browser insists on
 * passive), rtcp-mux endpoint with our one
 * host candidate (RFC 8445 §2.5, RFC 5763 §5, RFC 5761). The media worker does the
 * checks and the handshake (media/worker/leg-webrtc.ts).
 */
export class WebrtcLegs {
  private readonly legs: Record<Side, LegState>;

  constructor(private readonly identity: WebrtcIdentity) {
    this.legs = { a: newLeg(), b: newLeg() };
  }

  /** Is this leg a browser (as last described)? */
  isBrowser(side: Side): boolean {
    return this.legs[side].hop !== undefined;
  }

  /**
   * The party on `side` is to be a plain (non-browser) one: forget the browser hop (what is
   * sent there is no longer dressed, the worker drops ICE/DTLS-SRTP on the next apply).
   * Returns the undo, for when the change does not happen after all.
   */
  forget(side: Side): () => void {
    const leg = this.legs[side];
    const saved = { hop: leg.hop, active: leg.active, dirty: leg.dirty };
    if (leg.hop) {
      leg.hop = undefined;
      this.setActive(leg, null);
    }
    return () => {
      leg.hop = saved.hop;
      leg.active = saved.active;
      leg.dirty = saved.dirty;
    };
  }

  /**
   * A description from `from`: a browser's becomes plain RTP/AVP (a copy), anything else
   * passes as it is. Throws WebrtcRefusal when a browser description cannot be served.
   */
  takeIn(from: Side, sd: SessionDescription): SessionDescription {
    const leg = this.legs[from];
    const m = firstAudio(sd);
    if (!m || !WEBRTC_PROTOS.has(m.proto.toUpperCase())) {
      if (leg.hop) {
        leg.hop = undefined;
        this.setActive(leg, null);
      }
      return sd;
    }
    const hop = readHop(sd, m);
    leg.hop = hop;
    this.setActive(leg, {
      localUfrag: leg.local.ufrag,
      localPwd: leg.local.pwd,
      remoteUfrag: hop.ufrag,
      remoteFingerprint: hop.fingerprint,
      certPem: this.identity.certPem,
      keyPem: this.identity.keyPem,
      candidates: hop.candidates,
      ...(hop.dtlsRole === 'client' ? { dtlsRole: 'client' as const } : {}),
    });
    return plainCopy(sd, hop);
  }

  /**
   * A description we send to `to`: for a browser leg, in its profile with our ICE-lite
   * credentials, fingerprint, a=setup (in an answer passive, or active to a browser that
   * said passive, RFC 5763 §5; in an offer actpass, or active again while we are the client of
   * the association, RFC 8842 §5.5), rtcp-mux and our host
   * candidate at `address`:`port`.
   */
  decorate(to: Side, sd: SessionDescription, role: 'offer' | 'answer', address: string, port: number): SessionDescription {
    const leg = this.legs[to];
    if (!leg.hop) return sd;
    const client = leg.hop.dtlsRole === 'client';
    const setup = client ? 'active' : role === 'answer' ? 'passive' : 'actpass';
    return dress(sd, leg.local, this.identity.fingerprint, leg.hop.mid ?? '0', setup, address, port);
  }

  /**
   * The callee offer as one fork gets it: over a WebSocket (a browser, RFC 7118) in the
   * browser profile with a=setup:actpass (a browser answers active: we stay the DTLS
   * server) and our host candidate at the offer's own address and port; as it is otherwise.
   */
  forTarget(body: Buffer, protocol: string): Buffer {
    const p = protocol.toLowerCase();
    if ((p !== 'ws' && p !== 'wss') || body.length === 0) return body;
    try {
      const sd = parseSdp(body);
      const m = firstAudio(sd);
      const address = m?.connection?.address ?? sd.connection?.address;
      if (!m || !address || WEBRTC_PROTOS.has(m.proto.toUpperCase())) return body;
      return Buffer.from(serializeSdp(dress(sd, this.legs.b.local, this.identity.fingerprint, '0', 'actpass', address, m.port)), 'utf8');
    } catch {
      return body;
    }
  }

  /** Tell the media worker what changed. Fire and forget: the command queue keeps the order. */
  apply(media: Pick<CallMediaSession, 'setWebrtc'>): void {
    for (const side of ['a', 'b'] as const) {
      const leg = this.legs[side];
      if (!leg.dirty || !media.setWebrtc) continue;
      leg.dirty = false;
      void media.setWebrtc(side, leg.active).catch(() => undefined);
    }
  }

  private setActive(leg: LegState, next: MediaWebrtc | null): void {
    const cur = leg.active;
    if (cur === null && next === null) return;
    if (cur && next && cur.remoteUfrag === next.remoteUfrag && cur.remoteFingerprint === next.remoteFingerprint && cur.candidates.join() === next.candidates.join() && cur.dtlsRole === next.dtlsRole) return;
    leg.active = next;
    leg.dirty = true;
  }
}

/** `sd` (a copy we own) in the browser profile: ICE-lite, our credentials and fingerprint, a=setup, rtcp-mux, one host candidate. */
function dress(sd: SessionDescription, local: { ufrag: string; pwd: string }, fingerprint: string, mid: string, setup: 'passive' | 'active' | 'actpass', address: string, port: number): SessionDescription {
  const m = firstAudio(sd);
  if (!m) return sd;
  m.proto = 'UDP/TLS/RTP/SAVPF';
  sd.attributes = sd.attributes.filter((a) => !HOP_ATTRIBUTES.has(a.name.toLowerCase()));
  sd.attributes.push({ name: 'ice-lite' }, { name: 'group', value: `BUNDLE ${mid}` }, { name: 'msid-semantic', value: ' WMS' });
  const own: Attribute[] = [
    { name: 'mid', value: mid },
    { name: 'ice-ufrag', value: local.ufrag },
    { name: 'ice-pwd', value: local.pwd },
    { name: 'fingerprint', value: fingerprint },
    { name: 'setup', value: setup },
    { name: 'rtcp-mux' },
    { name: 'candidate', value: `1 1 udp 2130706431 ${address} ${port} typ host` },
    { name: 'end-of-candidates' },
  ];
  m.attributes = [...own, ...m.attributes.filter((a) => !HOP_ATTRIBUTES.has(a.name.toLowerCase()))];
  return sd;
}

/**
 * A leg's state; its ICE credentials are drawn when first read (a leg that is never a
 * browser's never needs them: four getrandom calls saved on every plain call, issue 13).
 */
function newLeg(): LegState {
  let local: LegState['local'] | undefined;
  return {
    get local() {
      // RFC 8839 §5.4: ufrag at least 4 characters, pwd at least 22, from the ice-char set.
      return (local ??= { ufrag: randomBytes(6).toString('base64url').replace(/[-_]/g, 'x'), pwd: randomBytes(18).toString('base64url').replace(/[-_]/g, 'x') });
    },
    hop: undefined,
    active: null,
    dirty: false,
  };
}

function firstAudio(sd: SessionDescription): MediaDescription | undefined {
  return sd.media.find((m) => m.type.toLowerCase() === 'audio' && m.port !== 0);
}

/** A media-level attribute, else the session-level one (RFC 8839 §5.4, RFC 8122 §5 allow both). */
function attr(sd: SessionDescription, m: MediaDescription, name: string): string | undefined {
  const find = (list: Attribute[]) => list.find((a) => a.name.toLowerCase() === name)?.value;
  return find(m.attributes) ?? find(sd.attributes);
}

function readHop(sd: SessionDescription, m: MediaDescription): BrowserHop {
  const ufrag = attr(sd, m, 'ice-ufrag');
  const fingerprint = attr(sd, m, 'fingerprint');
  if (!ufrag || !attr(sd, m, 'ice-pwd')) throw new WebrtcRefusal('a UDP/TLS/RTP/SAVPF description without ice-ufrag and ice-pwd');
  if (!fingerprint || !/^sha-(256|1)\s/i.test(fingerprint)) throw new WebrtcRefusal('a UDP/TLS/RTP/SAVPF description without a sha-256 fingerprint');
  // RFC 5763 §5: a browser that is passive (the DTLS server) makes us active, the client;
  // active or actpass (or none, RFC 4145 §4: active) leaves us the server. holdconn: no DTLS at all.
  const setup = (attr(sd, m, 'setup') ?? 'actpass').trim().toLowerCase();
  if (setup !== 'passive' && setup !== 'active' && setup !== 'actpass') throw new WebrtcRefusal(`a=setup:${setup.slice(0, 16)}: no DTLS connection to set up`);
  const dtlsRole: 'server' | 'client' = setup === 'passive' ? 'client' : 'server';
  const candidates: Array<{ address: string; port: number; priority: number }> = [];
  for (const a of m.attributes) {
    if (a.name.toLowerCase() !== 'candidate' || !a.value) continue;
    // foundation component transport priority address port "typ" type ... (RFC 8839 §5.1)
    const f = a.value.trim().split(/\s+/);
    if (f.length < 8 || f[1] !== '1' || f[2]!.toLowerCase() !== 'udp') continue; // RTP component over UDP only: TCP candidates are ignored
    const address = f[4]!.toLowerCase();
    const port = Number(f[5]);
    if (isIP(address) === 0 || !Number.isInteger(port) || port < 1 || port > 65535) continue; // an mDNS .local name cannot be reached
    candidates.push({ address, port, priority: Number(f[3]) || 0 });
  }
  if (candidates.length === 0) throw new WebrtcRefusal('no UDP candidate with an IP address (trickle ICE is not supported: gather before sending)');
  candidates.sort((x, y) => y.priority - x.priority);
  const v4 = candidates.find((c) => isIP(c.address) === 4) ?? candidates[0]!;
  return {
    ufrag,
    fingerprint,
    mid: m.attributes.find((a) => a.name.toLowerCase() === 'mid')?.value,
    candidates: [...new Set(candidates.map((c) => c.address))].slice(0, 16),
    first: { address: v4.address, port: v4.port },
    dtlsRole,
  };
}

/** The browser's description as plain RTP/AVP at its best candidate, without its hop's lines. */
function plainCopy(sd: SessionDescription, hop: BrowserHop): SessionDescription {
  const out = cloneSdp(sd);
  out.attributes = out.attributes.filter((a) => !HOP_ATTRIBUTES.has(a.name.toLowerCase()));
  const ipv = isIP(hop.first.address) === 6 ? 'IP6' : 'IP4';
  let done = false;
  for (const m of out.media) {
    if (!WEBRTC_PROTOS.has(m.proto.toUpperCase())) continue;
    m.proto = 'RTP/AVP';
    m.attributes = m.attributes.filter((a) => !HOP_ATTRIBUTES.has(a.name.toLowerCase()));
    if (!done && m.type.toLowerCase() === 'audio' && m.port !== 0) {
      m.port = hop.first.port;
      m.connection = { netType: 'IN', addrType: ipv, address: hop.first.address };
      done = true;
    } else {
      m.port = 0; // video or data channels: not relayed
    }
  }
  out.connection = { netType: 'IN', addrType: ipv, address: hop.first.address };
  return out;
}

/**
 * A caller's offer as the codec check before the call sees it: a browser's as plain
 * RTP/AVP; SipError 488 (reason as detail) when it cannot be served at all.
 */
/**
 * A description the PBX itself dressed for a browser, as plain RTP/AVP: the hop's attributes
 * (ICE, DTLS, rtcp-mux, ...) taken out and the profile set back; addresses and ports stay
 * (they are the PBX's own). For offering what a browser leg had to the plain party that takes
 * its place (attended transfer).
 */
export function undressed(sd: SessionDescription): SessionDescription {
  if (!sd.media.some((m) => WEBRTC_PROTOS.has(m.proto.toUpperCase()))) return sd;
  const out = cloneSdp(sd);
  out.attributes = out.attributes.filter((a) => !HOP_ATTRIBUTES.has(a.name.toLowerCase()));
  for (const m of out.media) {
    if (!WEBRTC_PROTOS.has(m.proto.toUpperCase())) continue;
    m.proto = 'RTP/AVP';
    m.attributes = m.attributes.filter((a) => !HOP_ATTRIBUTES.has(a.name.toLowerCase()));
  }
  return out;
}

export function browserPlain(sd: SessionDescription): SessionDescription {
  try {
    return new WebrtcLegs({ certPem: '', keyPem: '', fingerprint: '' }).takeIn('a', sd);
  } catch (e) {
    if (e instanceof WebrtcRefusal) throw sipError(488, { detail: e.message });
    throw e;
  }
}

/**
 * A caller's offer that the PBX answers itself (an application: voicemail, IVR, prompts):
 * a browser's as plain RTP/AVP for the answer logic, and the answer dressed for it, with
 * leg A of the media session made a browser leg. Undefined for any other offer.
 */
export function browserCaller(offer: Buffer, identity: WebrtcIdentity): { plain: Buffer; answer(body: Buffer, address: string, port: number, media: Pick<CallMediaSession, 'setWebrtc'>): Buffer } | undefined {
  let sd: SessionDescription;
  try {
    sd = parseSdp(offer);
  } catch {
    return undefined;
  }
  const m = firstAudio(sd);
  if (!m || !WEBRTC_PROTOS.has(m.proto.toUpperCase())) return undefined;
  const legs = new WebrtcLegs(identity);
  let plain: SessionDescription;
  try {
    plain = legs.takeIn('a', sd);
  } catch {
    return undefined; // answered like any offer without a usable audio stream: 488
  }
  return {
    plain: Buffer.from(serializeSdp(plain), 'utf8'),
    answer(body, address, port, media) {
      legs.apply(media);
      try {
        return Buffer.from(serializeSdp(legs.decorate('a', parseSdp(body), 'answer', address, port)), 'utf8');
      } catch {
        return body;
      }
    },
  };
}
