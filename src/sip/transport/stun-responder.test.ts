import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeStun, encodeStun, readXorMappedAddress, StunAttr, type StunMessage } from '../../util/stun-message.js';
import { answerStun } from './stun-responder.js';

const TXID = Buffer.from('b7e7a701bc34d686fa87dfae', 'hex');
const from = { address: '192.0.2.1', port: 32853 };

function request(over: Partial<StunMessage> = {}): Buffer {
  return encodeStun({ method: 0x001, cls: 'request', transactionId: TXID, attributes: [], fingerprint: false, ...over });
}

function reply(data: Buffer, source = from) {
  const v = answerStun(data, source);
  if (v.kind !== 'reply') throw new Error(`expected a reply, got drop: ${v.reason}`);
  const r = decodeStun(v.data);
  if (!r.ok) throw new Error(r.reason);
  return { status: v.status, msg: r.message };
}

function errorCode(msg: StunMessage): number {
  const v = msg.attributes.find((a) => a.type === StunAttr.ERROR_CODE)!.value;
  return v[2]! * 100 + v[3]!;
}

test('a Binding request gets a success response with its source in XOR-MAPPED-ADDRESS and its transaction id', () => {
  const { status, msg } = reply(request());
  assert.is(status, 200);
  assert.is(msg.cls, 'success');
  assert.is(msg.method, 0x001);
  assert.equal(msg.transactionId, TXID);
  assert.not.ok(msg.fingerprint, 'no FINGERPRINT when the request had none');
  const xma = msg.attributes.find((a) => a.type === StunAttr.XOR_MAPPED_ADDRESS)!;
  assert.equal(readXorMappedAddress(xma.value, TXID), from);
  const v6 = reply(request(), { address: '2001:db8::7', port: 5062 }).msg;
  assert.equal(readXorMappedAddress(v6.attributes[0]!.value, TXID), { address: '2001:db8::7', port: 5062 });
});

test('FINGERPRINT in the request: FINGERPRINT in the response (RFC 5389 §7.3.1), and it checks', () => {
  const { msg } = reply(request({ fingerprint: true, attributes: [{ type: StunAttr.SOFTWARE, value: Buffer.from('phone') }] }));
  assert.ok(msg.fingerprint);
});

test('USERNAME and MESSAGE-INTEGRITY are understood and ignored (RFC 5626 §8.4: no authentication)', () => {
  const { status } = reply(request({ attributes: [{ type: StunAttr.USERNAME, value: Buffer.from('a:b') }, { type: StunAttr.MESSAGE_INTEGRITY, value: Buffer.alloc(20) }] }));
  assert.is(status, 200);
});

test('unknown comprehension-required attributes: 420 with UNKNOWN-ATTRIBUTES listing each once; optional ones are ignored', () => {
  const { status, msg } = reply(
    request({
      fingerprint: true,
      attributes: [
        { type: 0x0024, value: Buffer.alloc(4) }, // PRIORITY (ICE): not ours
        { type: 0x8029, value: Buffer.alloc(8) }, // ICE-CONTROLLED: comprehension-optional
        { type: 0x0024, value: Buffer.alloc(4) },
        { type: 0x7777, value: Buffer.alloc(1) },
      ],
    }),
  );
  assert.is(status, 420);
  assert.is(msg.cls, 'error');
  assert.is(errorCode(msg), 420);
  assert.ok(msg.fingerprint);
  const list = msg.attributes.find((a) => a.type === StunAttr.UNKNOWN_ATTRIBUTES)!.value;
  assert.equal([list.readUInt16BE(0), list.readUInt16BE(2)], [0x0024, 0x7777]);
  assert.is(list.length, 4);
  assert.is(reply(request({ attributes: [{ type: 0x8029, value: Buffer.alloc(8) }] })).status, 200);
});

test('RFC 5769 §2.1 sample request (an ICE check): 420 naming PRIORITY, the one comprehension-required attribute this server does not know', () => {
  const sample = Buffer.from(
    '000100582112a442b7e7a701bc34d686fa87dfae802200105354554e20746573742063' +
      '6c69656e74002400046e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020' +
      '000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf',
    'hex',
  );
  const { status, msg } = reply(sample);
  assert.is(status, 420);
  assert.equal(msg.transactionId, TXID);
  assert.ok(msg.fingerprint);
  assert.equal(msg.attributes.find((a) => a.type === StunAttr.UNKNOWN_ATTRIBUTES)!.value, Buffer.from([0x00, 0x24]));
});

test('a request for another method gets 400; indications and responses get nothing', () => {
  const { status, msg } = reply(request({ method: 0x003 }));
  assert.is(status, 400);
  assert.is(errorCode(msg), 400);
  assert.is(answerStun(request({ cls: 'indication' }), from).kind, 'drop');
  assert.is(answerStun(request({ cls: 'success' }), from).kind, 'drop');
});

test('malformed STUN is dropped (RFC 5389 §7.3), never answered', () => {
  const bad = request({ fingerprint: true });
  bad[bad.length - 1]! ^= 0xff;
  const v = answerStun(bad, from);
  assert.is(v.kind, 'drop');
  const trailing = Buffer.concat([request(), Buffer.from([0, 0, 0, 0])]);
  assert.is(answerStun(trailing, from).kind, 'drop');
});

test.run();
