import { AesCm } from './aes-cm.js';
import { HmacSha1, tagMatches } from './hmac-sha1.js';
import { ReplayWindow } from './replay-window.js';
import { rtpHeaderLength } from './rtp-header-length.js';
import { deriveSessionKeys } from './srtp-kdf.js';
import { SsrcStates } from './srtp-stream-index.js';
import { srtpSuite, type SrtpKeying, type SrtpSuite } from './srtp-suite.js';

/** Why unprotect refused a packet (the counters of SrtpInbound). */
export const SRTP_OK = 0;
export const SRTP_AUTH_FAILED = -1;
export const SRTP_REPLAYED = -2;
export const SRTP_MALFORMED = -3;

/** The SRTCP E flag (RFC 3711 §3.4): the packet's payload is encrypted. */
const E_FLAG = 0x80000000;

interface Keys {
  suite: SrtpSuite;
  rtpCipher: AesCm;
  rtpAuth: HmacSha1;
  rtcpCipher: AesCm;
  rtcpAuth: HmacSha1;
}

function keysOf(k: SrtpKeying): Keys {
  const suite = srtpSuite(k.suite);
  if (!suite) throw new RangeError(`unknown SRTP suite ${k.suite}`);
  if (k.keySalt.length !== suite.keyBytes + suite.saltBytes) throw new RangeError(`SRTP key||salt must be ${suite.keyBytes + suite.saltBytes} bytes`);
  const mk = k.keySalt.subarray(0, suite.keyBytes);
  const ms = k.keySalt.subarray(suite.keyBytes);
  const rtp = deriveSessionKeys(mk, ms, false);
  const rtcp = deriveSessionKeys(mk, ms, true);
  return {
    suite,
    rtpCipher: new AesCm(rtp.cipherKey, rtp.cipherSalt),
    rtpAuth: new HmacSha1(rtp.authKey),
    rtcpCipher: new AesCm(rtcp.cipherKey, rtcp.cipherSalt),
    rtcpAuth: new HmacSha1(rtcp.authKey),
  };
}

/**
 * The sending half of one SRTP leg (RFC 3711 §3.3): encrypts and tags RTP and RTCP in
 * the caller's buffer, which must have room for the tag (and, for SRTCP, the index word)
 * past `len`. Session keys and cipher objects are made once here.
 */
export class SrtpOutbound {
  private readonly k: Keys;
  private readonly ssrcs = new SsrcStates();
  private readonly word = Buffer.alloc(4);
  private rtcpIndex = 0;

  constructor(keying: SrtpKeying) {
    this.k = keysOf(keying);
  }

  /** Bytes protect/protectRtcp add at most. */
  get overhead(): number {
    return 4 + this.k.suite.rtcpTagBytes;
  }

  /** Protect an RTP packet in buf[0, len); returns the SRTP length, or SRTP_MALFORMED. */
  protectRtp(buf: Buffer, len: number): number {
    const h = rtpHeaderLength(buf, len);
    if (h < 0) return SRTP_MALFORMED;
    const ssrc = ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0;
    const seq = (buf[2]! << 8) | buf[3]!;
    const st = this.ssrcs.find(ssrc) ?? this.ssrcs.add(ssrc);
    const index = st.estimate(seq);
    if (index < 0) return SRTP_MALFORMED;
    if (index > st.window.top) st.window.top = index;
    this.k.rtpCipher.xor(buf, h, len, ssrc, index);
    // Authenticated portion: the packet || ROC (§4.2).
    this.word.writeUInt32BE(Math.floor(index / 0x10000), 0);
    const mac = this.k.rtpAuth.mac(buf, len, this.word);
    const tag = this.k.suite.rtpTagBytes;
    mac.copy(buf, len, 0, tag);
    return len + tag;
  }

  /** Protect an RTCP compound packet in buf[0, len) (§3.4): encrypted, E flag, index, tag. */
  protectRtcp(buf: Buffer, len: number): number {
    if (len < 8) return SRTP_MALFORMED;
    const ssrc = buf.readUInt32BE(4);
    const index = this.rtcpIndex;
    this.rtcpIndex = (this.rtcpIndex + 1) & 0x7fffffff;
    this.k.rtcpCipher.xor(buf, 8, len, ssrc, index);
    buf.writeUInt32BE((E_FLAG | index) >>> 0, len);
    const mac = this.k.rtcpAuth.mac(buf, len + 4, EMPTY);
    mac.copy(buf, len + 4, 0, this.k.suite.rtcpTagBytes);
    return len + 4 + this.k.suite.rtcpTagBytes;
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * The receiving half of one SRTP leg: checks the tag first (§3.3: authenticate, then
 * replay-check, then decrypt), drops forgeries and replays (counted), and decrypts in
 * place. Returns the plain length, or one of the negative SRTP_* codes.
 */
export class SrtpInbound {
  private readonly k: Keys;
  private readonly ssrcs = new SsrcStates();
  private readonly word = Buffer.alloc(4);
  /** SRTCP indexes seen (one list for the leg: a phone sends one RTCP stream). */
  private readonly rtcpWindow = new ReplayWindow();

  authFailed = 0;
  replayed = 0;
  malformed = 0;

  constructor(keying: SrtpKeying) {
    this.k = keysOf(keying);
  }

  unprotectRtp(buf: Buffer, len: number): number {
    const tag = this.k.suite.rtpTagBytes;
    const end = len - tag;
    const h = end > 0 ? rtpHeaderLength(buf, end) : -1;
    if (h < 0) {
      this.malformed++;
      return SRTP_MALFORMED;
    }
    const ssrc = ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0;
    const seq = (buf[2]! << 8) | buf[3]!;
    const st = this.ssrcs.find(ssrc);
    const index = st ? st.estimate(seq) : seq;
    if (index < 0 || (st && !st.window.check(index))) {
      this.replayed++;
      return SRTP_REPLAYED;
    }
    this.word.writeUInt32BE(Math.floor(index / 0x10000), 0);
    const mac = this.k.rtpAuth.mac(buf, end, this.word);
    if (!tagMatches(mac, buf, end, tag)) {
      this.authFailed++;
      return SRTP_AUTH_FAILED;
    }
    this.k.rtpCipher.xor(buf, h, end, ssrc, index);
    (st ?? this.ssrcs.add(ssrc)).window.accept(index);
    return end;
  }

  unprotectRtcp(buf: Buffer, len: number): number {
    const tag = this.k.suite.rtcpTagBytes;
    const end = len - tag - 4;
    if (end < 8) {
      this.malformed++;
      return SRTP_MALFORMED;
    }
    const word = buf.readUInt32BE(end);
    const index = word & 0x7fffffff;
    if (!this.rtcpWindow.check(index)) {
      this.replayed++;
      return SRTP_REPLAYED;
    }
    const mac = this.k.rtcpAuth.mac(buf, end + 4, EMPTY);
    if (!tagMatches(mac, buf, end + 4, tag)) {
      this.authFailed++;
      return SRTP_AUTH_FAILED;
    }
    if (word & E_FLAG) this.k.rtcpCipher.xor(buf, 8, end, buf.readUInt32BE(4), index);
    this.rtcpWindow.accept(index);
    return end;
  }
}
