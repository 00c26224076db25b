import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeStun, readXorMappedAddress, StunAttr } from '../../util/stun-message.js';
import { answerIceCheck, bindingRequest } from './ice-lite-check.js';

const creds = { localUfrag: 'pbxU', localPwd: 'pbx-password-of-22-chars', remoteUfrag: 'brws' };
const tid = Buffer.from('0102030405060708090a0b0c', 'hex');
const src = { address: '192.0.2.7', port: 50_000 };

test('a check with our ufrag and pwd is answered with XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY and FINGERPRINT', () => {
  const r = answerIceCheck(bindingRequest(tid, 'pbxU:brws', creds.localPwd), src, creds);
  assert.is(r.kind, 'answer');
  if (r.kind !== 'answer') return;
  assert.ok(r.nominated);
  const d = decodeStun(r.response);
  assert.ok(d.ok, 'the answer decodes and its FINGERPRINT holds');
  if (!d.ok) return;
  assert.is(d.message.cls, 'success');
  assert.ok(d.message.fingerprint);
  assert.equal(d.message.transactionId, tid);
  const xma = d.message.attributes.find((a) => a.type === StunAttr.XOR_MAPPED_ADDRESS)!;
  assert.equal(readXorMappedAddress(xma.value, tid), src);
  // Our answer verifies with our own pwd, as the browser checks it (RFC 8445 §7.2.5.2.1).
  const back = answerIceCheck(bindingRequest(tid, 'brws:pbxU', 'x'), src, { localUfrag: 'brws', localPwd: 'x', remoteUfrag: 'pbxU' });
  assert.is(back.kind, 'answer');
});

test('a wrong pwd, a wrong or swapped username, a response, garbage: refused with a reason', () => {
  const bad = (data: Buffer) => answerIceCheck(data, src, creds);
  assert.equal(bad(bindingRequest(tid, 'pbxU:brws', 'guessed-password')), { kind: 'refuse', reason: 'MESSAGE-INTEGRITY does not verify' });
  assert.equal(bad(bindingRequest(tid, 'brws:pbxU', creds.localPwd)), { kind: 'refuse', reason: 'USERNAME is not ours' });
  assert.equal(bad(bindingRequest(tid, 'pbxU:other', creds.localPwd)), { kind: 'refuse', reason: 'USERNAME is not ours' });
  const r = answerIceCheck(bindingRequest(tid, 'pbxU:brws', creds.localPwd), src, creds);
  if (r.kind === 'answer') assert.is(bad(r.response).kind, 'refuse');
  assert.is(bad(Buffer.from('not stun at all, just text')).kind, 'refuse');
  const flipped = bindingRequest(tid, 'pbxU:brws', creds.localPwd);
  flipped[30] ^= 1;
  assert.is(bad(flipped).kind, 'refuse');
});

test.run();
