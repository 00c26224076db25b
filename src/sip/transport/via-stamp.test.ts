import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Header } from '../message/types.js';
import { parseVia } from '../message/via.js';
import { allVias, topVia } from '../message/headers.js';
import { parseMessage } from '../message/parse.js';
import { parseCountNow, parseCountSince } from '../message/parse-count.js';
import { stampTopVia, stampTopViaOf, stampViaValue } from './via-stamp.js';

const stamp = (v: string, addr = '192.0.2.7', port = 40000) => stampViaValue(v, addr, port);

test('sent-by equal to the source and no rport: left exactly as it was', () => {
  const v = 'SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK1';
  assert.is(stamp(v), v);
});

test('RFC 3261 §18.2.1: a sent-by address other than the source gets received', () => {
  assert.is(stamp('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1'), 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;received=192.0.2.7');
});

test('RFC 3261 §18.2.1: a domain name in sent-by always gets received', () => {
  const out = stamp('SIP/2.0/TCP pc33.example.com;branch=z9hG4bK1');
  assert.is(parseVia(out).params.received, '192.0.2.7');
});

test('RFC 3581 §4: an empty rport is filled and received added even when sent-by matches', () => {
  const out = stamp('SIP/2.0/UDP 192.0.2.7:5060;rport;branch=z9hG4bK1');
  assert.is(out, 'SIP/2.0/UDP 192.0.2.7:5060;rport=40000;branch=z9hG4bK1;received=192.0.2.7');
});

test('values a sender wrote itself for rport and received are replaced by what we saw', () => {
  const out = parseVia(stamp('SIP/2.0/UDP 192.0.2.7;received=203.0.113.9;rport=9;branch=z9hG4bK1'));
  assert.is(out.params.received, '192.0.2.7');
  assert.is(out.params.rport, '40000');
  assert.is(out.params.branch, 'z9hG4bK1');
});

test('parameters with quoted values, spacing and case are kept as they arrived', () => {
  const v = 'SIP/2.0/UDP 10.0.0.1:5060 ; branch=z9hG4bK1 ;X-Note="a;b,c" ;RPORT';
  const out = stamp(v);
  assert.is(out, 'SIP/2.0/UDP 10.0.0.1:5060 ; branch=z9hG4bK1 ;X-Note="a;b,c" ;rport=40000;received=192.0.2.7');
  assert.is(parseVia(out).params['x-note'], 'a;b,c');
});

test('IPv6: the same address in another spelling is not a difference; received is written bare', () => {
  assert.is(stamp('SIP/2.0/UDP [0:0:0:0:0:0:0:1]:5060;branch=z9hG4bK1', '::1'), 'SIP/2.0/UDP [0:0:0:0:0:0:0:1]:5060;branch=z9hG4bK1');
  const out = stamp('SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1', '2001:db8::2');
  assert.is(parseVia(out).params.received, '2001:db8::2');
});

test('a Via line with several values: only the first value changes, the rest is untouched', () => {
  const headers: Header[] = [
    { name: 'via', value: 'SIP/2.0/UDP 10.0.0.1;rport;branch=z9hG4bK1 ,  SIP/2.0/UDP 10.0.0.2;rport;branch=z9hG4bK2' },
    { name: 'via', value: 'SIP/2.0/UDP 10.0.0.3;rport;branch=z9hG4bK3' },
  ];
  assert.ok(stampTopVia(headers, '192.0.2.7', 5062));
  assert.is(headers[0]!.value, 'SIP/2.0/UDP 10.0.0.1;rport=5062;branch=z9hG4bK1;received=192.0.2.7 ,  SIP/2.0/UDP 10.0.0.2;rport;branch=z9hG4bK2');
  assert.is(headers[1]!.value, 'SIP/2.0/UDP 10.0.0.3;rport;branch=z9hG4bK3');
});

test('no Via: nothing to stamp; a malformed top Via throws', () => {
  assert.is(stampTopVia([{ name: 'to', value: '<sip:a@b>' }], '192.0.2.7', 1), false);
  assert.throws(() => stampTopVia([{ name: 'via', value: 'SIP/2.0/UDP' }], '192.0.2.7', 1));
});

test('parse once: the stamped top Via recorded on the message is what parsing the stamped text gives', () => {
  const cases: Array<[string, string, number]> = [
    ['SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK1', '192.0.2.7', 5060],
    ['SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1', '192.0.2.7', 40000],
    ['SIP/2.0/UDP 192.0.2.7;received=203.0.113.9;rport=9;branch=z9hG4bK1', '192.0.2.7', 40000],
    ['SIP/2.0/TCP pc33.example.com;rport;branch=z9hG4bK1, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK0', '2001:db8::9', 5070],
    ['SIP/2.0/UDP [2001:db8::1]:5060;rport;branch=z9hG4bK1', '2001:db8::1', 5060],
  ];
  for (const [via, addr, port] of cases) {
    const r = parseMessage(Buffer.from(`OPTIONS sip:a@b SIP/2.0\r\nVia: ${via}\r\nVia: SIP/2.0/UDP 10.9.9.9;branch=z9hG4bK9\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n`));
    if (!r.ok) throw new Error(r.error);
    const msg = r.message;
    const c0 = parseCountNow();
    assert.ok(stampTopViaOf(msg, addr, port));
    const cached = topVia(msg);
    const list = allVias(msg);
    assert.is(parseCountSince(c0).total, 0, 'no parse');
    const line = msg.headers.find((h) => h.name === 'via')!.value;
    assert.is(line.split(',')[0], stampViaValue(via.split(',')[0]!, addr, port));
    const fresh = parseVia(line.split(',')[0]!);
    assert.equal({ ...cached, params: { ...cached.params } }, { ...fresh, params: { ...fresh.params } });
    assert.is(list[0], cached);
    assert.is(list.length, via.includes(',') ? 3 : 2);
  }
});

test.run();
