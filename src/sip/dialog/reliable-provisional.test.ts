import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../util/fake-clock.js';
import { getHeader } from '../message/headers.js';
import { parseMessage } from '../message/parse.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/types.js';
import { isReliable, parseRAck, parseRSeq, rackFor, ReliableProvisionalReceiver, ReliableProvisionalSender, reliabilityWanted } from './reliable-provisional.js';

function parse(lines: string[]): SipMessage {
  const r = parseMessage(Buffer.from(lines.join('\r\n') + '\r\n\r\n'));
  if (!r.ok) throw new Error(r.error);
  return r.message;
}

const INVITE = parse([
  'INVITE sip:1002@acme.example SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1',
  'From: <sip:1001@acme.example>;tag=a',
  'To: <sip:1002@acme.example>',
  'Call-ID: c1',
  'CSeq: 7 INVITE',
  'Require: 100rel',
  'Contact: <sip:1001@192.0.2.1>',
  'Content-Length: 0',
]) as SipRequest;

function ringing(): SipResponse {
  return parse(['SIP/2.0 180 Ringing', 'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1', 'From: <sip:1001@acme.example>;tag=a', 'To: <sip:1002@acme.example>;tag=b', 'Call-ID: c1', 'CSeq: 7 INVITE', 'Content-Length: 0']) as SipResponse;
}

function prack(rack: string): SipRequest {
  return parse(['PRACK sip:x@acme.example SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-2', 'From: <sip:1001@acme.example>;tag=a', 'To: <sip:1002@acme.example>;tag=b', 'Call-ID: c1', 'CSeq: 8 PRACK', `RAck: ${rack}`, 'Content-Length: 0']) as SipRequest;
}

test('Require and Supported 100rel are told apart; compact k: counts', () => {
  assert.is(reliabilityWanted(INVITE), 'required');
  assert.is(reliabilityWanted(parse(['OPTIONS sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK-3', 'From: <sip:x@y>;tag=1', 'To: <sip:a@b>', 'Call-ID: c2', 'CSeq: 1 OPTIONS', 'k: timer, 100rel', 'Content-Length: 0']) as SipRequest), 'supported');
  assert.is(reliabilityWanted(parse(['OPTIONS sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK-3', 'From: <sip:x@y>;tag=1', 'To: <sip:a@b>', 'Call-ID: c2', 'CSeq: 1 OPTIONS', 'Supported: timer', 'Content-Length: 0']) as SipRequest), 'no');
});

test('RSeq and RAck grammar: out of range or malformed is undefined', () => {
  assert.is(parseRSeq('1'), 1);
  assert.is(parseRSeq('4294967295'), 4294967295);
  assert.is(parseRSeq('0'), undefined);
  assert.is(parseRSeq('4294967296'), undefined);
  assert.is(parseRSeq('12a'), undefined);
  assert.equal(parseRAck('776656 1 invite'), { rseq: 776656, cseq: 1, method: 'INVITE' });
  assert.is(parseRAck('776656 1'), undefined);
  assert.is(parseRAck('x 1 INVITE'), undefined);
  assert.is(parseRAck(undefined), undefined);
});

test('the UAS sends with Require and RSeq, retransmits at T1 doubling, stops on the matching PRACK', () => {
  const clock = new FakeClock();
  const sent: SipResponse[] = [];
  let gaveUp = false;
  const s = new ReliableProvisionalSender({ clock, t1: 500, send: (r) => sent.push(r), onNoPrack: () => (gaveUp = true), firstRSeq: 41 });
  s.send(ringing());
  assert.is(sent.length, 1);
  assert.ok(isReliable(sent[0]!));
  assert.is(getHeader(sent[0]!, 'rseq'), '41');
  assert.is(rackFor(sent[0]!), '41 7 INVITE');
  clock.advance(500);
  assert.is(sent.length, 2);
  clock.advance(999);
  assert.is(sent.length, 2, 'the second interval is 2*T1');
  clock.advance(1);
  assert.is(sent.length, 3);
  // a PRACK that names another response, another INVITE or another method: no match (481)
  assert.is(s.onPrack(prack('40 7 INVITE'), INVITE), 'no-match');
  assert.is(s.onPrack(prack('41 6 INVITE'), INVITE), 'no-match');
  assert.is(s.onPrack(prack('41 7 UPDATE'), INVITE), 'no-match');
  assert.is(s.onPrack(prack('garbage'), INVITE), 'no-match');
  assert.ok(s.waiting);
  assert.is(s.onPrack(prack('41 7 INVITE'), INVITE), 'ok');
  assert.not.ok(s.waiting);
  clock.advance(60_000);
  assert.is(sent.length, 3, 'no retransmission after the PRACK');
  assert.is(s.onPrack(prack('41 7 INVITE'), INVITE), 'no-match', 'acknowledged already');
  assert.not.ok(gaveUp);
});

test('a second reliable provisional waits for the PRACK of the first, then takes the next RSeq', () => {
  const clock = new FakeClock();
  const sent: SipResponse[] = [];
  const s = new ReliableProvisionalSender({ clock, t1: 500, send: (r) => sent.push(r), onNoPrack: () => {}, firstRSeq: 1 });
  s.send(ringing());
  s.send(ringing());
  assert.is(sent.length, 1);
  assert.is(s.onPrack(prack('1 7 INVITE'), INVITE), 'ok');
  assert.is(sent.length, 2);
  assert.is(getHeader(sent[1]!, 'rseq'), '2');
});

test('no PRACK within 64*T1: retransmissions stop and the UAS is told', () => {
  const clock = new FakeClock();
  const sent: SipResponse[] = [];
  let gaveUp = 0;
  const s = new ReliableProvisionalSender({ clock, t1: 500, send: (r) => sent.push(r), onNoPrack: () => gaveUp++ });
  s.send(ringing());
  clock.advance(64 * 500);
  assert.is(gaveUp, 1);
  const n = sent.length;
  // 0.5+1+2+4+8+16 s = 31.5 s of retransmissions before 32 s
  assert.is(n, 7);
  clock.advance(100_000);
  assert.is(sent.length, n);
  assert.is(gaveUp, 1);
});

test('stop() ends retransmission and drops what waits', () => {
  const clock = new FakeClock();
  const sent: SipResponse[] = [];
  const s = new ReliableProvisionalSender({ clock, t1: 500, send: (r) => sent.push(r), onNoPrack: () => {} });
  s.send(ringing());
  s.send(ringing());
  s.stop();
  clock.advance(10_000);
  s.send(ringing());
  assert.is(sent.length, 1);
});

test('the UAC takes the first RSeq of each dialog, then only the next one; repeats and gaps are not processed', () => {
  const r = new ReliableProvisionalReceiver();
  const withRSeq = (n: number) => {
    const res = ringing();
    res.headers.push({ name: 'require', value: '100rel' }, { name: 'rseq', value: String(n) });
    return res;
  };
  assert.is(r.receive(withRSeq(10), 'b'), 'new');
  assert.is(r.receive(withRSeq(10), 'b'), 'retransmission');
  assert.is(r.receive(withRSeq(12), 'b'), 'out-of-order');
  assert.is(r.receive(withRSeq(11), 'b'), 'new');
  assert.is(r.receive(withRSeq(500), 'other-tag'), 'new', 'each early dialog counts on its own');
  assert.not.ok(isReliable(ringing()));
});

test.run();
