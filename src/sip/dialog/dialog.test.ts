import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SipError } from '../../util/errors.js';
import { cseqOf, getHeader, getHeaderValues, tagOf, topVia } from '../message/headers.js';
import { parseMessage } from '../message/parse.js';
import { serializeMessage } from '../message/serialize.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/types.js';
import { createCancel } from './cancel.js';
import { Dialog } from './dialog.js';
import { dialogKey, dialogKeyOfRequest, dialogKeyOfResponse } from './dialog-key.js';

function parse(lines: string[], body = ''): SipMessage {
  const text = lines.join('\r\n') + `\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` + body;
  const r = parseMessage(Buffer.from(text));
  if (!r.ok) throw new Error(`fixture does not parse: ${r.error}`);
  return r.message;
}
const req = (lines: string[], body = '') => parse(lines, body) as SipRequest;
const res = (lines: string[], body = '') => parse(lines, body) as SipResponse;

/** Send it over the wire and read it back: what we build must be a valid message. */
function roundTrip(m: SipRequest): SipRequest {
  const r = parseMessage(serializeMessage(m));
  if (!r.ok) throw new Error(`built message does not parse: ${r.error}`);
  return r.message as SipRequest;
}

const GRUU = 'sip:1001@acme.example;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6;ob';
const VIA = { transport: 'udp', host: '203.0.113.1', port: 5060 };
const PBX_CONTACT = 'sip:203.0.113.1:5060;transport=udp';

// ---- the caller's side: an INVITE from Alice through two record-routing proxies ----

const CALLER_INVITE = [
  'INVITE sip:1002@acme.example SIP/2.0',
  'Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKp2',
  'Via: SIP/2.0/UDP 198.51.100.5:5060;branch=z9hG4bKp1',
  'Via: SIP/2.0/UDP 10.0.0.23:5060;branch=z9hG4bKalice1;rport=40312;received=203.0.113.9',
  'Max-Forwards: 68',
  'Record-Route: <sip:198.51.100.7;lr;ftag=a73kszlfl>',
  'Record-Route: <sip:p1.acme.example;lr>, <sip:edge.acme.example;transport=tcp;lr>',
  'From: "Alice" <sip:1001@acme.example>;tag=a73kszlfl',
  'To: <sip:1002@acme.example>',
  'Call-ID: 1j9FpLxk3uxtm8tn@10.0.0.23',
  'CSeq: 10 INVITE',
  `Contact: <${GRUU}>;+sip.instance="<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>"`,
  'Supported: timer, gruu, outbound',
];

function callerDialog(): Dialog {
  return Dialog.asUas(req(CALLER_INVITE), 'pbx-a-tag', PBX_CONTACT);
}

/** A request Alice sends later in the dialog. */
function fromCaller(method: string, cseq: number, extra: string[] = [], tags: { from?: string | null; to?: string } = {}): SipRequest {
  const fromTag = tags.from === undefined ? 'a73kszlfl' : tags.from;
  return req([
    `${method} ${GRUU} SIP/2.0`,
    `Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKin${method}${cseq}`,
    'Max-Forwards: 69',
    `From: "Alice" <sip:1001@acme.example>${fromTag === null ? '' : ';tag=' + fromTag}`,
    `To: <sip:1002@acme.example>;tag=${tags.to ?? 'pbx-a-tag'}`,
    'Call-ID: 1j9FpLxk3uxtm8tn@10.0.0.23',
    `CSeq: ${cseq} ${method}`,
    ...extra,
  ]);
}

test('UAS dialog from a received INVITE (RFC 3261 §12.1.1)', () => {
  const d = callerDialog();
  assert.equal(d.id, { callId: '1j9FpLxk3uxtm8tn@10.0.0.23', localTag: 'pbx-a-tag', remoteTag: 'a73kszlfl' });
  assert.is(d.role, 'uas');
  assert.is(d.state, 'early');
  assert.is(d.localUri, 'sip:1002@acme.example');
  assert.is(d.remoteUri, 'sip:1001@acme.example');
  assert.is(d.remoteSeq, 10);
  assert.is(d.localSeq, undefined, 'a UAS dialog starts with an empty local CSeq');
  assert.is(d.remoteTarget, GRUU, 'the GRUU with its ;gr and ;ob stays as sent');
  assert.equal(d.routeSet, ['<sip:198.51.100.7;lr;ftag=a73kszlfl>', '<sip:p1.acme.example;lr>', '<sip:edge.acme.example;transport=tcp;lr>'], 'Record-Route in order');
  assert.is(d.nextHop, 'sip:198.51.100.7;lr;ftag=a73kszlfl');
  assert.is(d.secure, false);
  assert.is(d.key, dialogKey('1j9FpLxk3uxtm8tn@10.0.0.23', 'pbx-a-tag', 'a73kszlfl'));
  d.confirm();
  assert.is(d.state, 'confirmed');
});

test('secure flag: TLS and a SIPS Request-URI, and only both', () => {
  const tlsSips = CALLER_INVITE.map((l) => l.replace('INVITE sip:', 'INVITE sips:').replace('SIP/2.0/UDP 198.51.100.7', 'SIP/2.0/TLS 198.51.100.7'));
  assert.is(Dialog.asUas(req(tlsSips), 't', PBX_CONTACT).secure, true);
  const tlsSip = CALLER_INVITE.map((l) => l.replace('SIP/2.0/UDP 198.51.100.7', 'SIP/2.0/TLS 198.51.100.7'));
  assert.is(Dialog.asUas(req(tlsSip), 't', PBX_CONTACT).secure, false);
});

test('BYE to the caller: Request-URI is the GRUU, Route the route set in order, tags swapped, CSeq from 1', () => {
  const d = callerDialog();
  d.confirm();
  const bye = roundTrip(d.createRequest('BYE', { via: VIA }));
  assert.is(bye.method, 'BYE');
  assert.is(bye.uri, GRUU);
  assert.equal(getHeaderValues(bye, 'route'), d.routeSet);
  assert.is(getHeader(bye, 'from'), '<sip:1002@acme.example>;tag=pbx-a-tag');
  assert.is(getHeader(bye, 'to'), '"Alice" <sip:1001@acme.example>;tag=a73kszlfl');
  assert.is(getHeader(bye, 'call-id'), '1j9FpLxk3uxtm8tn@10.0.0.23');
  assert.is(getHeader(bye, 'cseq'), '1 BYE');
  assert.is(getHeader(bye, 'max-forwards'), '70');
  assert.is(getHeader(bye, 'contact'), undefined, 'BYE is no target refresh');
  const via = topVia(bye);
  assert.is(via.transport, 'UDP');
  assert.is(via.host, '203.0.113.1');
  assert.ok('rport' in via.params);
  assert.is(d.localSeq, 1);
  // the peer's dialog id for what we send: its local tag is our remote tag
  assert.is(getHeaderValues(bye, 'via').length, 1);
});

test('each request takes the next CSeq and a fresh branch; target refreshes carry our Contact', () => {
  const d = callerDialog();
  d.confirm();
  const info = d.createRequest('INFO', { via: VIA, body: Buffer.from('Signal=5\r\n'), contentType: 'application/dtmf-relay' });
  const reinvite = d.createRequest('INVITE', { via: VIA, body: Buffer.from('v=0\r\n'), contentType: 'application/sdp' });
  const update = d.createRequest('UPDATE', { via: VIA });
  assert.equal([info, reinvite, update].map((m) => getHeader(m, 'cseq')), ['1 INFO', '2 INVITE', '3 UPDATE']);
  const branches = new Set([info, reinvite, update].map((m) => topVia(m).params['branch']));
  assert.is(branches.size, 3);
  for (const b of branches) assert.ok(b!.startsWith('z9hG4bK') && b!.length > 7);
  assert.is(getHeader(info, 'contact'), undefined);
  assert.is(getHeader(reinvite, 'contact'), `<${PBX_CONTACT}>`);
  assert.is(getHeader(update, 'contact'), `<${PBX_CONTACT}>`);
  assert.is(getHeader(info, 'content-type'), 'application/dtmf-relay');
  assert.is(roundTrip(info).body.toString(), 'Signal=5\r\n');
  assert.is(d.localSeq, 3);
});

test('headers the dialog owns are not taken from the caller of createRequest', () => {
  const d = callerDialog();
  const m = d.createRequest('INFO', {
    via: VIA,
    contact: 'sip:other@203.0.113.1',
    headers: [
      ['Via', 'SIP/2.0/UDP evil.example;branch=z9hG4bKx'],
      ['CSeq', '99 INFO'],
      ['Record-Route', '<sip:elsewhere;lr>'],
      ['Contact', '<sip:also@evil.example>'],
      ['call-id', 'other'],
      ['Reason', 'SIP;cause=200'],
      ['x', '1800'],
    ],
    maxForwards: 12,
  });
  assert.is(getHeaderValues(m, 'via').length, 1);
  assert.is(getHeader(m, 'cseq'), '1 INFO');
  assert.is(getHeader(m, 'record-route'), undefined);
  assert.equal(getHeaderValues(m, 'contact'), ['<sip:other@203.0.113.1>']);
  assert.is(getHeader(m, 'call-id'), '1j9FpLxk3uxtm8tn@10.0.0.23');
  assert.is(getHeader(m, 'reason'), 'SIP;cause=200');
  assert.is(getHeader(m, 'session-expires'), '1800', 'compact names are expanded');
  assert.is(getHeader(m, 'max-forwards'), '12');
});

// ---- the callee's side: our INVITE to Bob, forked, through record-routing proxies ----

const OUR_INVITE = [
  'INVITE sip:1002@192.0.2.44:5062;ob SIP/2.0',
  'Via: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bKpbxinv1;rport',
  'Max-Forwards: 70',
  'From: "Alice" <sip:1001@acme.example>;tag=pbx-b-tag',
  'To: <sip:1002@acme.example>',
  'Call-ID: leg-b-7781@203.0.113.1',
  'CSeq: 41 INVITE',
  `Contact: <${PBX_CONTACT}>`,
];
const ourInvite = () => req(OUR_INVITE);

function calleeResponse(status: number, reason: string, toTag: string | undefined, extra: string[] = [], cseq = '41 INVITE'): SipResponse {
  return res([
    `SIP/2.0 ${status} ${reason}`,
    'Via: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bKpbxinv1;rport=5060',
    'From: "Alice" <sip:1001@acme.example>;tag=pbx-b-tag',
    `To: <sip:1002@acme.example>${toTag ? ';tag=' + toTag : ''}`,
    'Call-ID: leg-b-7781@203.0.113.1',
    `CSeq: ${cseq}`,
    ...extra,
  ]);
}

const BOB_RR = 'Record-Route: <sip:near-bob.example;lr>, <sip:near-pbx.example;lr;r2=on>';
const BOB_DESK = 'Contact: <sip:1002@192.0.2.44:5062;transport=udp;ob>';

test('UAC dialog from a 180 with a tag: early, route set reversed (RFC 3261 §12.1.2)', () => {
  const d = Dialog.asUac(ourInvite(), calleeResponse(180, 'Ringing', 'bob-desk', [BOB_RR, BOB_DESK]));
  assert.equal(d.id, { callId: 'leg-b-7781@203.0.113.1', localTag: 'pbx-b-tag', remoteTag: 'bob-desk' });
  assert.is(d.role, 'uac');
  assert.is(d.state, 'early');
  assert.equal(d.routeSet, ['<sip:near-pbx.example;lr;r2=on>', '<sip:near-bob.example;lr>']);
  assert.is(d.remoteTarget, 'sip:1002@192.0.2.44:5062;transport=udp;ob', ';ob kept');
  assert.is(d.localSeq, 41);
  assert.is(d.remoteSeq, undefined);
  assert.is(d.localUri, 'sip:1001@acme.example');
  assert.is(d.remoteUri, 'sip:1002@acme.example');
  assert.is(d.nextHop, 'sip:near-pbx.example;lr;r2=on');
});

test('UAC request: CSeq after the INVITE, From ours, To with the callee tag, Route reversed', () => {
  const d = Dialog.asUac(ourInvite(), calleeResponse(200, 'OK', 'bob-desk', [BOB_RR, BOB_DESK]));
  assert.is(d.state, 'confirmed', 'a 2xx creates a confirmed dialog');
  const bye = roundTrip(d.createRequest('BYE', { via: VIA }));
  assert.is(bye.uri, 'sip:1002@192.0.2.44:5062;transport=udp;ob');
  assert.equal(getHeaderValues(bye, 'route'), ['<sip:near-pbx.example;lr;r2=on>', '<sip:near-bob.example;lr>']);
  assert.is(getHeader(bye, 'cseq'), '42 BYE');
  assert.is(getHeader(bye, 'from'), '"Alice" <sip:1001@acme.example>;tag=pbx-b-tag');
  assert.is(getHeader(bye, 'to'), '<sip:1002@acme.example>;tag=bob-desk');
  assert.is(d.localSeq, 42);
});

test('ACK for a 2xx takes the INVITE CSeq number, a fresh branch, and consumes no CSeq (§13.2.2.4)', () => {
  const invite = ourInvite();
  const ok = calleeResponse(200, 'OK', 'bob-desk', [BOB_RR, BOB_DESK]);
  const d = Dialog.asUac(invite, ok);
  const ack = roundTrip(d.createAck(cseqOf(ok).seq, { via: VIA, body: Buffer.from('v=0\r\n'), contentType: 'application/sdp' }));
  assert.is(ack.method, 'ACK');
  assert.is(getHeader(ack, 'cseq'), '41 ACK');
  assert.is(ack.uri, d.remoteTarget);
  assert.equal(getHeaderValues(ack, 'route'), d.routeSet);
  assert.is.not(topVia(ack).params['branch'], topVia(invite).params['branch']);
  assert.is(ack.body.toString(), 'v=0\r\n');
  assert.is(d.localSeq, 41, 'the ACK used no new number');
  assert.is(getHeader(d.createRequest('BYE', { via: VIA }), 'cseq'), '42 BYE');
  // a re-INVITE later, then its ACK
  const re = d.createRequest('INVITE', { via: VIA });
  assert.is(getHeader(d.createAck(cseqOf(re).seq, { via: VIA }), 'cseq'), '43 ACK');
  assert.is(d.localSeq, 43);
});

test('ACK and CANCEL are not built by createRequest', () => {
  const d = callerDialog();
  for (const m of ['ACK', 'CANCEL']) {
    try {
      d.createRequest(m, { via: VIA });
      assert.unreachable('should throw');
    } catch (e) {
      assert.instance(e, SipError);
      assert.is((e as SipError).status, 500);
    }
  }
  assert.is(d.localSeq, undefined, 'nothing consumed');
});

test('CANCEL of an INVITE: same Request-URI, top Via, Route, From, To and CSeq number (§9.1)', () => {
  const d = Dialog.asUac(ourInvite(), calleeResponse(200, 'OK', 'bob-desk', [BOB_RR, BOB_DESK]));
  const reinvite = d.createRequest('INVITE', { via: VIA });
  const cancel = roundTrip(createCancel(reinvite, 'SIP;cause=487;text="Request Terminated"'));
  assert.is(cancel.method, 'CANCEL');
  assert.is(cancel.uri, reinvite.uri);
  assert.is(getHeader(cancel, 'cseq'), `${cseqOf(reinvite).seq} CANCEL`);
  assert.is(getHeader(cancel, 'via'), getHeader(reinvite, 'via'), 'same branch: it reaches the same server transaction');
  assert.equal(getHeaderValues(cancel, 'route'), getHeaderValues(reinvite, 'route'));
  assert.is(getHeader(cancel, 'from'), getHeader(reinvite, 'from'));
  assert.is(getHeader(cancel, 'to'), getHeader(reinvite, 'to'));
  assert.is(getHeader(cancel, 'reason'), 'SIP;cause=487;text="Request Terminated"');
  assert.is(cancel.body.length, 0);
  assert.is(d.localSeq, 42, 'a CANCEL consumes no CSeq');
  // the initial INVITE (out of any dialog) is cancelled the same way
  const initial = createCancel(ourInvite());
  assert.is(getHeader(initial, 'cseq'), '41 CANCEL');
  assert.is(getHeader(initial, 'to'), '<sip:1002@acme.example>');
});

test('strict router first in the route set: it goes in the Request-URI, the remote target last in Route (§12.2.1.1)', () => {
  const invite = req(CALLER_INVITE.map((l) => (l.startsWith('Record-Route: <sip:198') ? 'Record-Route: <sip:strict.example;method=INVITE;maddr=192.0.2.9>' : l)));
  const d = Dialog.asUas(invite, 'pbx-a-tag', PBX_CONTACT);
  const bye = roundTrip(d.createRequest('BYE', { via: VIA }));
  assert.is(bye.uri, 'sip:strict.example;maddr=192.0.2.9', 'the method parameter is not allowed in a Request-URI');
  assert.equal(getHeaderValues(bye, 'route'), ['<sip:p1.acme.example;lr>', '<sip:edge.acme.example;transport=tcp;lr>', `<${GRUU}>`]);
  assert.is(d.nextHop, 'sip:strict.example;method=INVITE;maddr=192.0.2.9');
});

test('no Record-Route: no Route, the Request-URI and next hop are the remote target', () => {
  const d = Dialog.asUac(ourInvite(), calleeResponse(200, 'OK', 'bob-desk', [BOB_DESK]));
  const bye = d.createRequest('BYE', { via: VIA });
  assert.equal(getHeaderValues(bye, 'route'), []);
  assert.is(bye.uri, 'sip:1002@192.0.2.44:5062;transport=udp;ob');
  assert.is(d.nextHop, bye.uri);
});

test('remote CSeq: higher is in order; lower or equal is out of order, 500 (§12.2.2)', () => {
  const d = callerDialog();
  d.confirm();
  assert.is(d.receiveRequest(fromCaller('ACK', 10)), 'ok', 'ACK carries the INVITE number');
  assert.is(d.receiveRequest(fromCaller('INFO', 11)), 'ok');
  assert.is(d.remoteSeq, 11);
  // A retransmission of CSeq 11 is absorbed by its transaction; one that gets here is a
  // new request reusing the number.
  assert.equal(d.receiveRequest(fromCaller('INFO', 11)), { status: 500, reason: 'Server Internal Error' });
  assert.equal(d.receiveRequest(fromCaller('OPTIONS', 9)), { status: 500, reason: 'Server Internal Error' });
  assert.is(d.remoteSeq, 11, 'a rejected request does not move the remote CSeq');
  assert.is(d.receiveRequest(fromCaller('CANCEL', 11)), 'ok', 'CANCEL carries the number of what it cancels');
  assert.is(d.receiveRequest(fromCaller('INFO', 4_000_000_000)), 'ok', 'CSeq numbers past 2**31 are fine');
  assert.is(d.remoteSeq, 4_000_000_000);
});

test('a UAC dialog takes the first request it receives as its remote CSeq, whatever the number', () => {
  const d = Dialog.asUac(ourInvite(), calleeResponse(200, 'OK', 'bob-desk', [BOB_DESK]));
  const bye = req([
    'BYE sip:203.0.113.1:5060;transport=udp SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.44:5062;branch=z9hG4bKbobbye',
    'Max-Forwards: 70',
    'From: <sip:1002@acme.example>;tag=bob-desk',
    'To: "Alice" <sip:1001@acme.example>;tag=pbx-b-tag',
    'Call-ID: leg-b-7781@203.0.113.1',
    'CSeq: 7 BYE',
  ]);
  assert.is(d.remoteSeq, undefined);
  assert.is(d.receiveRequest(bye), 'ok');
  assert.is(d.remoteSeq, 7);
  assert.is(dialogKeyOfRequest(bye), d.key);
});

test('requests of another dialog, or of an ended one, get 481', () => {
  const d = callerDialog();
  const wrongTag = fromCaller('INFO', 11, [], { to: 'other' });
  assert.is(d.matches(wrongTag), false);
  assert.equal(d.receiveRequest(wrongTag), { status: 481, reason: 'Call/Transaction Does Not Exist' });
  assert.is(d.matches(fromCaller('INFO', 11)), true);
  d.terminate();
  assert.equal(d.receiveRequest(fromCaller('INFO', 11)), { status: 481, reason: 'Call/Transaction Does Not Exist' });
});

test('target refresh: a re-INVITE or UPDATE moves the remote target once it succeeds', () => {
  const d = callerDialog();
  d.confirm();
  const reinvite = fromCaller('INVITE', 11, ['Contact: <sip:1001@198.51.100.200:6000;transport=tcp;ob>']);
  assert.is(d.receiveRequest(reinvite), 'ok');
  assert.is(d.remoteTarget, GRUU, 'not before the 2xx');
  assert.is(d.applyTargetRefresh(reinvite), true);
  assert.is(d.remoteTarget, 'sip:1001@198.51.100.200:6000;transport=tcp;ob');
  assert.is(d.createRequest('BYE', { via: VIA }).uri, 'sip:1001@198.51.100.200:6000;transport=tcp;ob');
  const update = fromCaller('UPDATE', 12, [`Contact: <${GRUU}>`]);
  assert.is(d.receiveRequest(update), 'ok');
  assert.is(d.applyTargetRefresh(update), true);
  assert.is(d.remoteTarget, GRUU);
  // not a target refresh: its Contact changes nothing
  const info = fromCaller('INFO', 13, ['Contact: <sip:1001@192.0.2.99>']);
  assert.is(d.receiveRequest(info), 'ok');
  assert.is(d.applyTargetRefresh(info), false);
  assert.is(d.remoteTarget, GRUU);
  // a re-INVITE without Contact keeps the target
  const bare = fromCaller('INVITE', 14);
  assert.is(d.receiveRequest(bare), 'ok');
  assert.is(d.applyTargetRefresh(bare), false);
  assert.is(d.remoteTarget, GRUU);
});

test('a target refresh with a malformed or wildcard Contact gets 400', () => {
  const d = callerDialog();
  assert.equal(d.receiveRequest(fromCaller('INVITE', 11, ['Contact: *'])), { status: 400, reason: 'Bad Request' });
  assert.equal(d.receiveRequest(fromCaller('UPDATE', 12, ['Contact: <tel:+15551234>'])), { status: 400, reason: 'Bad Request' });
  assert.is(d.remoteTarget, GRUU);
});

test('UAC side: a 2xx to our re-INVITE or UPDATE updates the remote target; to INFO it does not', () => {
  const d = Dialog.asUac(ourInvite(), calleeResponse(200, 'OK', 'bob-desk', [BOB_DESK]));
  const info = d.createRequest('INFO', { via: VIA });
  assert.is(d.receiveResponse(calleeResponse(200, 'OK', 'bob-desk', ['Contact: <sip:1002@192.0.2.45>'], `${cseqOf(info).seq} INFO`)), true);
  assert.is(d.remoteTarget, 'sip:1002@192.0.2.44:5062;transport=udp;ob');
  const re = d.createRequest('INVITE', { via: VIA });
  d.receiveResponse(calleeResponse(200, 'OK', 'bob-desk', ['Contact: <sip:1002@192.0.2.45:5070>'], `${cseqOf(re).seq} INVITE`));
  assert.is(d.remoteTarget, 'sip:1002@192.0.2.45:5070');
  const up = d.createRequest('UPDATE', { via: VIA });
  d.receiveResponse(calleeResponse(200, 'OK', 'bob-desk', ['Contact: <sip:1002@192.0.2.46>'], `${cseqOf(up).seq} UPDATE`));
  assert.is(d.remoteTarget, 'sip:1002@192.0.2.46');
  assert.is(d.state, 'confirmed');
});

test('early to confirmed on the 2xx; route set and target from the 2xx; a late 180 changes nothing', () => {
  const invite = ourInvite();
  const d = Dialog.asUac(invite, calleeResponse(183, 'Session Progress', 'bob-desk', ['Record-Route: <sip:near-pbx.example;lr>']));
  assert.is(d.state, 'early');
  assert.is(d.remoteTarget, 'sip:1002@192.0.2.44:5062;ob', 'no Contact in the 183: the Request-URI stands in');
  assert.is(d.receiveResponse(calleeResponse(180, 'Ringing', 'bob-desk', [BOB_DESK])), true);
  assert.is(d.state, 'early');
  assert.is(d.receiveResponse(calleeResponse(200, 'OK', 'bob-desk', [BOB_RR, BOB_DESK])), true);
  assert.is(d.state, 'confirmed');
  assert.equal(d.routeSet, ['<sip:near-pbx.example;lr;r2=on>', '<sip:near-bob.example;lr>'], 'recomputed from the 2xx (§13.2.2.4)');
  assert.is(d.remoteTarget, 'sip:1002@192.0.2.44:5062;transport=udp;ob');
  // a 180 arriving after the 200 (reordered on UDP) must not break the call
  assert.is(d.receiveResponse(calleeResponse(180, 'Ringing', 'bob-desk', ['Record-Route: <sip:elsewhere.example;lr>', 'Contact: <sip:1002@192.0.2.99>'])), true);
  assert.is(d.state, 'confirmed');
  assert.equal(d.routeSet, ['<sip:near-pbx.example;lr;r2=on>', '<sip:near-bob.example;lr>']);
  assert.is(d.remoteTarget, 'sip:1002@192.0.2.44:5062;transport=udp;ob');
});

test('an early dialog ends with a final non-2xx to its INVITE; 481 or 408 in a dialog end it', () => {
  const early = Dialog.asUac(ourInvite(), calleeResponse(180, 'Ringing', 'bob-desk', [BOB_DESK]));
  early.receiveResponse(calleeResponse(486, 'Busy Here', 'bob-desk'));
  assert.is(early.state, 'terminated');
  const d = Dialog.asUac(ourInvite(), calleeResponse(200, 'OK', 'bob-desk', [BOB_DESK]));
  const info = d.createRequest('INFO', { via: VIA });
  d.receiveResponse(calleeResponse(415, 'Unsupported Media Type', 'bob-desk', [], `${cseqOf(info).seq} INFO`));
  assert.is(d.state, 'confirmed', 'other failures leave the dialog alone');
  d.receiveResponse(calleeResponse(481, 'Call/Transaction Does Not Exist', 'bob-desk', [], `${cseqOf(info).seq} INFO`));
  assert.is(d.state, 'terminated');
  const d2 = Dialog.asUac(ourInvite(), calleeResponse(200, 'OK', 'bob-desk', [BOB_DESK]));
  d2.receiveResponse(calleeResponse(408, 'Request Timeout', 'bob-desk', [], '42 UPDATE'));
  assert.is(d2.state, 'terminated');
});

test('a forked INVITE: each To tag is its own dialog, and responses go to theirs only', () => {
  const invite = ourInvite();
  const desk = Dialog.asUac(invite, calleeResponse(180, 'Ringing', 'bob-desk', [BOB_RR, BOB_DESK]));
  const mobile = Dialog.asUac(invite, calleeResponse(180, 'Ringing', 'bob-mobile', ['Contact: <sip:1002@198.51.100.80:49152;transport=tcp;ob>']));
  assert.is.not(desk.key, mobile.key);
  assert.equal(mobile.routeSet, []);
  assert.is(mobile.remoteTarget, 'sip:1002@198.51.100.80:49152;transport=tcp;ob');
  const ok = calleeResponse(200, 'OK', 'bob-mobile', ['Contact: <sip:1002@198.51.100.80:49152;transport=tcp;ob>']);
  assert.is(dialogKeyOfResponse(ok), mobile.key);
  assert.is(desk.receiveResponse(ok), false, "another fork's 2xx is not the desk's");
  assert.is(desk.state, 'early');
  assert.is(mobile.receiveResponse(ok), true);
  assert.is(mobile.state, 'confirmed');
  // a third fork answers late: a confirmed dialog of its own, to ACK and BYE
  const late = Dialog.asUac(invite, calleeResponse(200, 'OK', 'bob-soft', ['Contact: <sip:1002@192.0.2.77>']));
  assert.is(late.state, 'confirmed');
  assert.equal(new Set([desk.key, mobile.key, late.key]).size, 3);
  assert.is(getHeader(late.createRequest('BYE', { via: VIA }), 'to'), '<sip:1002@acme.example>;tag=bob-soft');
});

test('responses from our UAS side: our To tag; Record-Route and Contact on 1xx/2xx to INVITE (§12.1.1)', () => {
  const invite = req(CALLER_INVITE);
  const d = Dialog.asUas(invite, 'pbx-a-tag', PBX_CONTACT);
  const ringing = d.createResponse(invite, 180);
  assert.is(tagOf(getHeader(ringing, 'to')), 'pbx-a-tag');
  assert.equal(getHeaderValues(ringing, 'record-route'), d.routeSet, 'copied in order');
  assert.is(getHeader(ringing, 'contact'), `<${PBX_CONTACT}>`);
  const ok = d.createResponse(invite, 200, { body: Buffer.from('v=0\r\n'), contentType: 'application/sdp', headers: [['Session-Expires', '1800;refresher=uac'], ['Require', 'timer']] });
  assert.is(ok.reason, 'OK');
  assert.is(getHeader(ok, 'content-type'), 'application/sdp');
  assert.is(getHeader(ok, 'session-expires'), '1800;refresher=uac');
  assert.is(getHeaderValues(ok, 'record-route').length, 3);
  const busy = d.createResponse(invite, 486);
  assert.is(getHeader(busy, 'record-route'), undefined);
  assert.is(getHeader(busy, 'contact'), undefined);
  assert.is(tagOf(getHeader(busy, 'to')), 'pbx-a-tag');
  const byeOk = d.createResponse(fromCaller('BYE', 11), 200);
  assert.is(getHeader(byeOk, 'contact'), undefined);
  assert.is(getHeader(byeOk, 'to'), '<sip:1002@acme.example>;tag=pbx-a-tag');
  assert.is(getHeader(d.createResponse(fromCaller('UPDATE', 12), 200), 'contact'), `<${PBX_CONTACT}>`);
  assert.is(d.createResponse(fromCaller('INVITE', 13), 422, { reason: 'Session Interval Too Small' }).reason, 'Session Interval Too Small');
});

test('an RFC 2543 caller without From tag: the remote tag is empty and still matches', () => {
  const invite = req(CALLER_INVITE.map((l) => (l.startsWith('From:') ? 'From: "Alice" <sip:1001@acme.example>' : l)));
  const d = Dialog.asUas(invite, 'pbx-a-tag', PBX_CONTACT);
  assert.is(d.id.remoteTag, '');
  const bye = fromCaller('BYE', 11, [], { from: null });
  assert.is(d.receiveRequest(bye), 'ok');
  assert.is(getHeader(d.createRequest('BYE', { via: VIA }), 'to'), '"Alice" <sip:1001@acme.example>');
});

test('malformed dialog-creating messages are a SipError 400, never a crash', () => {
  const cases: Array<[string, string[]]> = [
    ['no Contact', CALLER_INVITE.filter((l) => !l.startsWith('Contact:'))],
    ['bad Record-Route', CALLER_INVITE.map((l) => (l.startsWith('Record-Route: <sip:198') ? 'Record-Route: <sip:198.51.100.7;lr' : l))],
    ['tel Record-Route', CALLER_INVITE.map((l) => (l.startsWith('Record-Route: <sip:198') ? 'Record-Route: <tel:+1555>' : l))],
    ['Contact *', CALLER_INVITE.map((l) => (l.startsWith('Contact:') ? 'Contact: *' : l))],
  ];
  for (const [what, lines] of cases) {
    const m = req(lines); // the parser lets each of these through: the dialog must refuse it
    try {
      Dialog.asUas(m, 'pbx-a-tag', PBX_CONTACT);
      assert.unreachable(what);
    } catch (e) {
      assert.instance(e, SipError, what);
      assert.is((e as SipError).status, 400, what);
    }
  }
  // a 100 or a final failure creates no dialog; a 1xx without tag neither
  for (const r of [calleeResponse(100, 'Trying', undefined), calleeResponse(486, 'Busy Here', 'x'), calleeResponse(180, 'Ringing', undefined)]) {
    try {
      Dialog.asUac(ourInvite(), r);
      assert.unreachable(String(r.status));
    } catch (e) {
      assert.instance(e, SipError);
    }
  }
});

test('a To tag already in the INVITE is replaced by ours in what we send', () => {
  const invite = req(CALLER_INVITE.map((l) => (l.startsWith('To:') ? 'To: "Bob" <sip:1002@acme.example>;tag=stale' : l)));
  const d = Dialog.asUas(invite, 'pbx-a-tag', PBX_CONTACT);
  const from = getHeader(d.createRequest('BYE', { via: VIA }), 'from')!;
  assert.is(tagOf(from), 'pbx-a-tag');
  assert.ok(from.startsWith('"Bob" <sip:1002@acme.example>'));
});

test('IPv6 Via hosts are bracketed; the transport is upper-case', () => {
  const d = callerDialog();
  const m = d.createRequest('OPTIONS', { via: { transport: 'tcp', host: '2001:db8::1', port: 5070 } });
  assert.ok(getHeader(m, 'via')!.startsWith('SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bK'));
  assert.is(topVia(roundTrip(m)).host, '[2001:db8::1]');
});

test.run();
