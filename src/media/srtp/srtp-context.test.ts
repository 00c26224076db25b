import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AesCm } from './aes-cm.js';
import { REPLAY_WINDOW } from './replay-window.js';
import { deriveSessionKey, LABEL_RTP_AUTH, LABEL_RTP_ENCRYPTION, LABEL_RTP_SALT } from './srtp-kdf.js';
import { SRTP_AUTH_FAILED, SRTP_MALFORMED, SRTP_REPLAYED, SrtpInbound, SrtpOutbound } from './srtp-context.js';
import type { SrtpSuiteName } from './srtp-suite.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 3711 Appendix B.3 (and libsrtp's test_key): master key || master salt.
const MASTER_KEY = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
const MASTER_SALT = hex('0EC675AD498AFEEBB6960B3AABE6');
const KEY_SALT = Buffer.concat([MASTER_KEY, MASTER_SALT]);

// libsrtp srtp_driver.c srtp_validate(): SSRC 0xcafebabe, SEQ 0x1234, ROC 0.
const RTP_PLAIN = hex('800f1234decafbadcafebabe abababababababababababababababab');
const SRTP_80 = hex('800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb');
const RTCP_PLAIN = hex('81c8000bcafebabe abababababababababababababababab');
// Index 1 with the E flag, 80-bit tag.
const SRTCP_1 = hex('81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798');

const keying = (suite: SrtpSuiteName = 'AES_CM_128_HMAC_SHA1_80') => ({ suite, keySalt: KEY_SALT });

function room(b: Buffer, extra = 32): Buffer {
  const out = Buffer.alloc(b.length + extra);
  b.copy(out);
  return out;
}

test('RFC 3711 B.3: the session keys of the master key', () => {
  assert.is(deriveSessionKey(MASTER_KEY, MASTER_SALT, LABEL_RTP_ENCRYPTION, 16).toString('hex'), 'c61e7a93744f39ee10734afe3ff7a087');
  assert.is(deriveSessionKey(MASTER_KEY, MASTER_SALT, LABEL_RTP_SALT, 14).toString('hex'), '30cbbc08863d8c85d49db34a9ae1');
  assert.is(
    deriveSessionKey(MASTER_KEY, MASTER_SALT, LABEL_RTP_AUTH, 94).toString('hex'),
    ('CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE' +
      'E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC25' +
      '6D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2').toLowerCase(),
  );
});

test('RFC 3711 B.2: the AES-CM keystream for SSRC 0, index 0', () => {
  const cm = new AesCm(hex('2B7E151628AED2A6ABF7158809CF4F3C'), hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD'));
  const zeros = Buffer.alloc(48);
  cm.xor(zeros, 0, 48, 0, 0);
  assert.is(zeros.toString('hex'), 'e03ead0935c95e80e166b16dd92b4eb4d23513162b02d0f72a43a2fe4a5f97ab41e95b3bb0a2e8dd477901e4fca894c0');
  // A partial block uses the front of the keystream block.
  const five = Buffer.alloc(5);
  cm.xor(five, 0, 5, 0, 0);
  assert.is(five.toString('hex'), 'e03ead0935');
});

test('libsrtp vector: AES_CM_128_HMAC_SHA1_80 protect gives the reference SRTP bytes', () => {
  const out = new SrtpOutbound(keying());
  const buf = room(RTP_PLAIN);
  const n = out.protectRtp(buf, RTP_PLAIN.length);
  assert.is(n, SRTP_80.length);
  assert.is(buf.subarray(0, n).toString('hex'), SRTP_80.toString('hex'));
});

test('libsrtp vector: AES_CM_128_HMAC_SHA1_32 has the same ciphertext and the first 4 tag bytes', () => {
  const out = new SrtpOutbound(keying('AES_CM_128_HMAC_SHA1_32'));
  const buf = room(RTP_PLAIN);
  const n = out.protectRtp(buf, RTP_PLAIN.length);
  assert.is(n, RTP_PLAIN.length + 4);
  assert.is(buf.subarray(0, n).toString('hex'), SRTP_80.subarray(0, RTP_PLAIN.length + 4).toString('hex'));
  const inb = new SrtpInbound(keying('AES_CM_128_HMAC_SHA1_32'));
  assert.is(inb.unprotectRtp(buf, n), RTP_PLAIN.length);
  assert.is(buf.subarray(0, RTP_PLAIN.length).toString('hex'), RTP_PLAIN.toString('hex'));
});

test('libsrtp vector: unprotect gives back the plain RTP', () => {
  const inb = new SrtpInbound(keying());
  const buf = Buffer.from(SRTP_80);
  assert.is(inb.unprotectRtp(buf, buf.length), RTP_PLAIN.length);
  assert.is(buf.subarray(0, RTP_PLAIN.length).toString('hex'), RTP_PLAIN.toString('hex'));
});

test('libsrtp vector: SRTCP (index 1, E flag, 80-bit tag) both ways', () => {
  const out = new SrtpOutbound(keying('AES_CM_128_HMAC_SHA1_32'));
  const first = room(RTCP_PLAIN);
  out.protectRtcp(first, RTCP_PLAIN.length); // index 0
  const buf = room(RTCP_PLAIN);
  const n = out.protectRtcp(buf, RTCP_PLAIN.length); // index 1
  assert.is(buf.subarray(0, n).toString('hex'), SRTCP_1.toString('hex'));

  const inb = new SrtpInbound(keying());
  const wire = Buffer.from(SRTCP_1);
  assert.is(inb.unprotectRtcp(wire, wire.length), RTCP_PLAIN.length);
  assert.is(wire.subarray(0, RTCP_PLAIN.length).toString('hex'), RTCP_PLAIN.toString('hex'));
  // The same index again is a replay.
  const again = Buffer.from(SRTCP_1);
  assert.is(inb.unprotectRtcp(again, again.length), SRTP_REPLAYED);
  assert.is(inb.replayed, 1);
});

function rtp(seq: number, ssrc = 0x11223344, payload = 160): Buffer {
  const b = Buffer.alloc(12 + payload + 16);
  b[0] = 0x80;
  b[1] = 0;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 160) >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  for (let i = 0; i < payload; i++) b[12 + i] = (seq + i) & 0xff;
  return b;
}

function protect(out: SrtpOutbound, seq: number, ssrc?: number): Buffer {
  const b = rtp(seq, ssrc);
  const n = out.protectRtp(b, b.length - 16);
  return b.subarray(0, n);
}

test('a flipped bit anywhere fails authentication and is counted; the packet is not decrypted', () => {
  const out = new SrtpOutbound(keying());
  const inb = new SrtpInbound(keying());
  const p = Buffer.from(protect(out, 7));
  for (const at of [1, 5, 20, p.length - 1]) {
    const bad = Buffer.from(p);
    bad[at] ^= 0x01;
    assert.is(inb.unprotectRtp(bad, bad.length), SRTP_AUTH_FAILED);
  }
  assert.is(inb.authFailed, 4);
  // The good packet still goes through: a forgery did not move the replay window.
  assert.is(inb.unprotectRtp(p, p.length), 172);
});

test('a key of the other side fails authentication', () => {
  const out = new SrtpOutbound({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: Buffer.alloc(30, 7) });
  const inb = new SrtpInbound(keying());
  const p = protect(out, 1);
  assert.is(inb.unprotectRtp(p, p.length), SRTP_AUTH_FAILED);
});

test('replays are dropped and counted; reordering inside the window is accepted; too old is dropped', () => {
  const out = new SrtpOutbound(keying());
  const inb = new SrtpInbound(keying());
  const packets = new Map<number, Buffer>();
  for (let s = 100; s < 100 + REPLAY_WINDOW + 20; s++) packets.set(s, Buffer.from(protect(out, s)));
  const copy = (s: number) => Buffer.from(packets.get(s)!);
  const unp = (b: Buffer, _n: number) => inb.unprotectRtp(b, b.length);
  assert.ok(unp(copy(100), 188) > 0);
  assert.is(unp(copy(100), 188), SRTP_REPLAYED);
  // Out of order: 105 then 102.
  assert.ok(unp(copy(105), 188) > 0);
  assert.ok(unp(copy(102), 188) > 0);
  assert.is(unp(copy(102), 188), SRTP_REPLAYED);
  // Jump far ahead: 101 is now older than the window.
  const far = 100 + REPLAY_WINDOW + 10;
  assert.ok(unp(copy(far), 188) > 0);
  assert.is(unp(copy(101), 188), SRTP_REPLAYED);
  assert.ok(unp(copy(far - 5), 188) > 0);
  assert.is(inb.replayed, 3);
});

test('ROC rollover: the sequence number wraps at 65535 and both sides keep the index', () => {
  const out = new SrtpOutbound(keying());
  const inb = new SrtpInbound(keying());
  const plainOf = (s: number) => rtp(s).subarray(0, 172).toString('hex');
  const order = [65530, 65533, 65534, 65535, 0, 65532 /* late, before the wrap */, 1, 2, 3];
  const wire = new Map<number, Buffer>();
  // Sender sends in order; the network reorders 65532 after 0.
  for (const s of [65530, 65532, 65533, 65534, 65535, 0, 1, 2, 3]) wire.set(s, Buffer.from(protect(out, s)));
  for (const s of order) {
    const p = wire.get(s)!;
    assert.is(inb.unprotectRtp(p, p.length), 172, `seq ${s}`);
    assert.is(p.subarray(0, 172).toString('hex'), plainOf(s), `seq ${s} decrypts`);
  }
  // After the wrap the ROC is 1: seq 4 made with ROC 1 authenticates; a copy of seq 0 (index 65536) is a replay.
  const p4 = Buffer.from(protect(out, 4));
  assert.is(inb.unprotectRtp(p4, p4.length), 172);
  const again = new SrtpOutbound(keying());
  for (const s of [65530, 65535]) protect(again, s);
  const replay0 = Buffer.from(protect(again, 0));
  assert.is(inb.unprotectRtp(replay0, replay0.length), SRTP_REPLAYED);
});

test('ROC rollover: a receiver that missed the wrap still decrypts packets with ROC 1', () => {
  const out = new SrtpOutbound(keying());
  const inb = new SrtpInbound(keying());
  for (let s = 60000; s <= 65535; s += 1000) {
    const p = Buffer.from(protect(out, s));
    if (s === 60000) assert.is(inb.unprotectRtp(p, p.length), 172);
  }
  for (const s of [65535, 200]) protect(out, s); // the sender wraps; the receiver hears nothing of it
  const p = Buffer.from(protect(out, 300)); // index 65536 + 300
  // Receiver's s_l is 60000 (ROC 0): SEQ 300 < s_l - 2^15 → guessed v = ROC + 1.
  assert.is(inb.unprotectRtp(p, p.length), 172);
  assert.is(p.subarray(0, 172).toString('hex'), rtp(300).subarray(0, 172).toString('hex'));
});

test('the SSRC is part of the keystream and each SSRC keeps its own index', () => {
  const out = new SrtpOutbound(keying());
  const inb = new SrtpInbound(keying());
  const a = Buffer.from(protect(out, 10, 1));
  const b = Buffer.from(protect(out, 10, 2));
  assert.not.equal(a.subarray(12, 172).toString('hex'), b.subarray(12, 172).toString('hex'));
  assert.is(inb.unprotectRtp(a, a.length), 172);
  assert.is(inb.unprotectRtp(b, b.length), 172); // same seq, other SSRC: not a replay
});

test('bad input: short packets, a header longer than the packet, and a big one are refused', () => {
  const inb = new SrtpInbound(keying());
  assert.is(inb.unprotectRtp(Buffer.alloc(10), 10), SRTP_MALFORMED);
  const cc = Buffer.alloc(30);
  cc[0] = 0x8f; // 15 CSRCs: a 72-byte header in 30 bytes
  assert.is(inb.unprotectRtp(cc, cc.length), SRTP_MALFORMED);
  const ext = Buffer.alloc(40);
  ext[0] = 0x90;
  ext.writeUInt16BE(0xffff, 14); // extension length far past the end
  assert.is(inb.unprotectRtp(ext, ext.length), SRTP_MALFORMED);
  assert.is(inb.unprotectRtcp(Buffer.alloc(20), 20), SRTP_MALFORMED);
  assert.is(inb.malformed, 4);
  const big = Buffer.alloc(AesCm.MAX_BYTES + 100);
  big[0] = 0x80;
  const out = new SrtpOutbound(keying());
  assert.throws(() => out.protectRtp(big, big.length - 20), /too large/);
});

test('a header extension and CSRCs stay in clear and are authenticated', () => {
  const out = new SrtpOutbound(keying());
  const inb = new SrtpInbound(keying());
  const b = Buffer.alloc(12 + 4 + 4 + 8 + 20 + 16);
  b[0] = 0x91; // X=1, CC=1
  b.writeUInt16BE(9, 2);
  b.writeUInt32BE(0xabcdef01, 8);
  b.writeUInt32BE(0x01020304, 12); // CSRC
  b.writeUInt16BE(0xbede, 16);
  b.writeUInt16BE(2, 18); // 2 words of extension
  b.fill(0x55, 20, 28);
  b.fill(0x77, 28, 48);
  const plain = Buffer.from(b.subarray(0, 48));
  const n = out.protectRtp(b, 48);
  assert.is(b.subarray(0, 28).toString('hex'), plain.subarray(0, 28).toString('hex'));
  assert.not.equal(b.subarray(28, 48).toString('hex'), plain.subarray(28, 48).toString('hex'));
  assert.is(inb.unprotectRtp(b, n), 48);
  assert.is(b.subarray(0, 48).toString('hex'), plain.toString('hex'));
});

test('keys of the wrong length or an unknown suite are refused', () => {
  assert.throws(() => new SrtpOutbound({ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: Buffer.alloc(29) }), /30 bytes/);
  assert.throws(() => new SrtpInbound({ suite: 'F8_128_HMAC_SHA1_80' as SrtpSuiteName, keySalt: Buffer.alloc(30) }), /unknown SRTP suite/);
});

test.run();
