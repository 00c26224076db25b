// SIP interop, issue 17 points 1 and 2, through the real server process with SIPp peers: late offer
// (an INVITE without SDP, the answer in the ACK), a re-INVITE without SDP, RFC 3262 reliable
// provisional responses and PRACK on both legs (a caller that requires 100rel, a carrier that sends
// its early media in a reliable 183), and an UPDATE before the answer (RFC 3311). The carrier is
// SIPp on 127.0.0.30; RTP is checked on the wire with tcpdump (rtp-capture.ts).
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteTenantStore } from '../../src/store/tenant-store.js';
import { Callee, Caller, freeMediaPort, pbxServer, runCall, type Party } from '../support/call-harness.js';
import { freeUdpPortOn, headerValues, RawUdpPeer, tracedMessages, udpBound } from '../support/carrier.js';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';
import { mediaReport, RtpCapture } from '../support/rtp-capture.js';
import { SippProcess } from '../support/sipp-process.js';
import { requireTools } from '../support/tools.js';

const CARRIER = '127.0.0.30';
const NUMBER = '3035550123';
const DID = '+13035550100';
const s = suite('interop: late offer, re-INVITE without SDP, 100rel/PRACK, early UPDATE');
const enabled = requireTools('interop with SIPp', 'sipp', 'tcpdump');
const run = enabled ? s : s.skip;

let pbx: PbxProcess;
let carrierPort: number;
const party = (e: string): Party => ({ user: e, domain: 'acme.example', password: `acme-${e}-secret` });

s.before(async () => {
  if (!enabled) return;
  carrierPort = await freeUdpPortOn(CARRIER);
  const acme: TestTenant = {
    id: 'acme',
    domains: ['acme.example'],
    extensions: ['1001', '1002', '1003', '1004', '1005', '1006'].map((e) => ({ ext: e, password: `acme-${e}-secret`, classOfService: 'international' })),
    extraYaml: ['countryCode: "1"', 'nationalPrefix: "1"', `dids: [ "${DID}" ]`, 'inboundRoutes:', `  - { did: "${DID}", destination: { extension: "1002" } }`, 'outboundRoutes:', '  - { name: local, patterns: [ "NXXNXXXXXX" ], prepend: "+1", trunks: [ carrier ] }'].join('\n'),
  };
  const base = 45000 + Math.floor(Math.random() * 50) * 100;
  pbx = await PbxProcess.start({
    tenants: [acme],
    transports: ['udp'],
    extraYaml: [
      `rtp: { ports: ${base}-${base + 99}, workers: 1 }`,
      'security: { trusted: [ "127.0.0.0/8" ], tenantTrunkAllowedNetworks: [ "127.0.0.0/8" ] }',
      'registrar: { writeDelayMs: 0 }',
      'calls: { noAnswerSeconds: 15 }',
      'trunks:',
      `  - { name: carrier, kind: ip, host: ${CARRIER}, port: ${carrierPort}, allowedSources: [ "${CARRIER}/32" ], tenants: [ "*" ] }`,
    ].join('\n'),
  });
});

s.after(async () => {
  await pbx?.dispose();
});

type Cdr = ReturnType<SqliteTenantStore['listCdrs']>[number];

async function cdrOf(match: (c: Cdr) => boolean): Promise<Cdr | undefined> {
  for (let i = 0; i < 50; i++) {
    const st = SqliteTenantStore.open(join(pbx.dir, 'data'), 'acme');
    try {
      const c = st.listCdrs({ newestFirst: true, limit: 100 }).find(match);
      if (c) return c;
    } finally {
      st.close();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

/** The carrier, played by SIPp on its own loopback address, with one of the 100rel scenarios. */
async function startCarrier(scenario: string, pauseMs: number, rtpEcho = false): Promise<{ sipp: SippProcess; mediaPort: number }> {
  const mediaPort = await freeMediaPort();
  const sipp = SippProcess.start({ scenario, remote: pbxServer(pbx), calls: 1, localIp: CARRIER, localPort: carrierPort, mediaIp: CARRIER, mediaPort, rtpEcho, pauseMs, timeoutSeconds: 40, traceMessages: true });
  const end = Date.now() + 5000;
  while (!udpBound(CARRIER, carrierPort) && Date.now() < end && sipp.running) await new Promise((r) => setTimeout(r, 50));
  return { sipp, mediaPort };
}

const startLines = (trace: string) => tracedMessages(trace).map((m) => `${m.direction === 'received' ? '<-' : '->'} ${m.startLine}`).join('\n');

run('late-offer caller: our offer in the 200, its answer in the ACK, RTP both ways through the relay', async () => {
  const r = await runCall({ server: pbxServer(pbx), caller: party('1001'), callee: party('1002'), callerScenario: 'call-uac-late-offer.xml', seconds: 2 });
  assert.is(r.caller.successful, 1, r.caller.output);
  assert.is(r.callee.successful, 1, r.callee.output);
  assert.ok(r.answer && /^127\./.test(r.answer.host), 'the 200 carried an offer with the PBX address');
  assert.ok(r.offer, 'the callee got an offer from the PBX although the caller sent none');
  const m = r.media!;
  assert.ok(m.callerSent > 30 && m.calleeReceived > 30, `caller's audio reached the callee: ${JSON.stringify(m)}`);
  assert.ok(m.callerReceived > 30, `the callee's echo reached the caller: ${JSON.stringify(m)}`);
  assert.is(m.direct, 0);
  const cdr = await cdrOf((c) => c.fromExt === '1001' && c.toExt === '1002');
  assert.is(cdr?.disposition, 'answered');
  assert.is(cdr?.hangupSide, 'caller');
});

run('a carrier delivering a late-offer call to a DID: the extension rings, the carrier answers our offer in its ACK, audio both ways', async () => {
  const callee = await Callee.start({ server: pbxServer(pbx), party: party('1002'), timeoutSeconds: 40 });
  const carrierMedia = await freeMediaPort();
  const cap = await RtpCapture.start({ ports: [carrierMedia, callee.media.port], maxSeconds: 40 });
  let carrier: SippProcess | undefined;
  try {
    carrier = SippProcess.start({ scenario: 'carrier-uac-late-offer.xml', remote: pbxServer(pbx), inject: [[DID, '+13035559999']], localIp: CARRIER, localPort: await freeUdpPortOn(CARRIER), mediaIp: CARRIER, mediaPort: carrierMedia, pauseMs: 2000, timeoutSeconds: 30, traceMessages: true });
    const out = await carrier.done;
    const calleeOut = await callee.finished();
    const packets = await cap.stop();
    assert.is(out.successful, 1, out.output + '\n' + startLines(carrier.messages()));
    assert.is(calleeOut.successful, 1, calleeOut.output);
    const report = mediaReport(packets, { caller: { host: CARRIER, port: carrierMedia }, callee: callee.media });
    assert.ok(report.calleeReceived > 30 && report.callerReceived > 30, `audio both ways: ${JSON.stringify(report)}`);
    const cdr = await cdrOf((c) => c.direction === 'inbound' && c.did === DID);
    assert.is(cdr?.disposition, 'answered');
  } finally {
    await cap.stop().catch(() => undefined);
    await carrier?.dispose();
    await callee.unregister().catch(() => undefined);
    await callee.stop();
  }
});

run('late-offer caller whose ACK has no answer: the PBX sends BYE to both legs, the record says why', async () => {
  const r = await runCall({ server: pbxServer(pbx), caller: party('1003'), callee: party('1004'), callerScenario: 'call-uac-late-offer-no-answer.xml', seconds: 1, capture: false });
  assert.is(r.caller.successful, 1, 'the caller got our BYE:\n' + r.caller.output);
  assert.is(r.callee.successful, 1, 'the callee got our BYE:\n' + r.callee.output);
  const cdr = await cdrOf((c) => c.fromExt === '1003' && c.toExt === '1004');
  assert.ok(cdr, 'a call record');
  assert.match(cdr!.hangupCause ?? '', /ACK without the SDP answer/);
  assert.is(cdr!.hangupSide, 'system');
});

run('re-INVITE without SDP: answered by the PBX with its offer, answer taken from the ACK, an UPDATE meanwhile gets 491; the callee hears nothing of it', async () => {
  const r = await runCall({ server: pbxServer(pbx), caller: party('1005'), callee: party('1006'), callerScenario: 'call-uac-reinvite-no-sdp.xml', seconds: 2 });
  assert.is(r.caller.successful, 1, r.caller.output);
  assert.is(r.callee.successful, 1, r.callee.output);
  const m = r.media!;
  assert.ok(m.calleeReceived > 30 && m.callerReceived > 30, `media goes on after the refresh: ${JSON.stringify(m)}`);
  const cdr = await cdrOf((c) => c.fromExt === '1005' && c.toExt === '1006');
  assert.is(cdr?.hangupSide, 'caller', 'the caller hung up: the refresh did not end the call');
});

run('a carrier refreshing with a re-INVITE without SDP: the PBX offers, takes the answer from the carrier\'s ACK, the caller hears nothing of it and the audio goes on', async () => {
  const carrier = await startCarrier('carrier-uas-reinvite-no-sdp.xml', 0, true);
  const callerMedia = await freeMediaPort();
  const cap = await RtpCapture.start({ ports: [callerMedia, carrier.mediaPort], maxSeconds: 40 });
  let caller: Caller | undefined;
  try {
    caller = await Caller.start({ server: pbxServer(pbx), party: party('1006'), callee: `${NUMBER}@acme.example`, seconds: 3, mediaPort: callerMedia });
    const out = await caller.finished();
    const carrierOut = await carrier.sipp.done;
    const packets = await cap.stop();
    assert.is(out.successful, 1, out.output);
    assert.is(carrierOut.successful, 1, carrierOut.output + '\n' + startLines(carrier.sipp.messages()));
    assert.not.ok(
      tracedMessages(caller.sipp.messages()).some((m) => m.direction === 'received' && /^INVITE /.test(m.startLine)),
      'no re-INVITE reached the caller',
    );
    const report = mediaReport(packets, { caller: { host: '127.0.0.1', port: callerMedia }, callee: { host: CARRIER, port: carrier.mediaPort } });
    assert.ok(report.calleeReceived > 60 && report.callerReceived > 60, `audio both ways around the refresh: ${JSON.stringify(report)}`);
    const cdr = await cdrOf((c) => c.fromExt === '1006' && c.direction === 'outbound');
    assert.is(cdr?.hangupSide, 'caller');
  } finally {
    await cap.stop().catch(() => undefined);
    await caller?.dispose();
    await carrier.sipp.dispose();
  }
});

run('a caller that requires 100rel: the 180 comes with RSeq, a PRACK with a wrong RAck gets 481, the right one 200', async () => {
  const r = await runCall({ server: pbxServer(pbx), caller: party('1001'), callee: party('1002'), callerScenario: 'call-uac-100rel.xml', seconds: 1, answerDelayMs: 1500, capture: false });
  assert.is(r.caller.successful, 1, r.caller.output);
  assert.is(r.callee.successful, 1, r.callee.output);
});

run('isolation: an UPDATE or PRACK on a caller\'s early dialog from another host (another tenant\'s phone) gets 481 and changes nothing', async () => {
  const callee = await Callee.start({ server: pbxServer(pbx), party: party('1002'), answerDelayMs: 4000, timeoutSeconds: 40 });
  let caller: Caller | undefined;
  const intruder = await RawUdpPeer.open('127.0.0.40');
  try {
    caller = await Caller.start({ server: pbxServer(pbx), party: party('1001'), callee: '1002', scenario: 'call-uac-100rel.xml', seconds: 1 });
    let ringing: string | undefined;
    for (let i = 0; i < 100 && !ringing; i++) {
      ringing = tracedMessages(caller.sipp.messages()).find((m) => m.direction === 'received' && /^SIP\/2\.0 180 /.test(m.startLine))?.text;
      if (!ringing) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(ringing, 'the caller is ringing');
    const [from, to, callId] = [headerValues(ringing!, 'From', 'f')[0]!, headerValues(ringing!, 'To', 't')[0]!, headerValues(ringing!, 'Call-ID', 'i')[0]!];
    const sdp = ['v=0', 'o=- 1 9 IN IP4 127.0.0.40', 's=-', 'c=IN IP4 127.0.0.40', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=sendrecv', ''].join('\r\n');
    const request = (method: string, cseq: number, extra: string[], body = '') =>
      [`${method} sip:1002@acme.example SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.40:${intruder.port};branch=z9hG4bK-intruder-${cseq}`, 'Max-Forwards: 70', `From: ${from}`, `To: ${to}`, `Call-ID: ${callId}`, `CSeq: ${cseq} ${method}`, `Contact: <sip:x@127.0.0.40:${intruder.port}>`, ...extra, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
    const server = { host: '127.0.0.1', port: pbx.ports.udp };
    await intruder.send(request('UPDATE', 50, ['Content-Type: application/sdp'], sdp), server);
    const upd = await intruder.next((d) => /^SIP\/2\.0 \d{3} [\s\S]*CSeq: 50 UPDATE/.test(d.text), 5000);
    assert.match(upd?.text ?? '', /^SIP\/2\.0 481 /);
    await intruder.send(request('PRACK', 51, ['RAck: 1 2 INVITE']), server);
    const pr = await intruder.next((d) => /^SIP\/2\.0 \d{3} [\s\S]*CSeq: 51 PRACK/.test(d.text), 5000);
    assert.match(pr?.text ?? '', /^SIP\/2\.0 481 /);
    const out = await caller.finished();
    assert.is(out.successful, 1, 'the caller\'s own call went on:\n' + out.output);
    assert.not.ok(tracedMessages(callee.uas.messages()).some((m) => m.direction === 'received' && /^UPDATE /.test(m.startLine)), 'nothing reached the callee');
  } finally {
    intruder.close();
    await caller?.dispose();
    await callee.unregister().catch(() => undefined);
    await callee.stop();
  }
});

run('a carrier with a reliable 183: we PRACK it, the caller (no 100rel) hears its early media, the 200 without SDP completes the call', async () => {
  const carrier = await startCarrier('carrier-uas-100rel.xml', 2000);
  const callerMedia = await freeMediaPort();
  const cap = await RtpCapture.start({ ports: [callerMedia, carrier.mediaPort], maxSeconds: 40 });
  let caller: Caller | undefined;
  try {
    caller = await Caller.start({ server: pbxServer(pbx), party: party('1003'), callee: `${NUMBER}@acme.example`, seconds: 2, mediaPort: callerMedia });
    const out = await caller.finished();
    const carrierOut = await carrier.sipp.done;
    const packets = await cap.stop();
    assert.is(out.successful, 1, out.output);
    assert.is(carrierOut.successful, 1, `the carrier's checks (Supported: 100rel, RAck) passed:\n${carrierOut.output}\n${startLines(carrier.sipp.messages())}`);
    const sent = tracedMessages(caller.sipp.messages());
    const early = sent.find((m) => m.direction === 'received' && /^SIP\/2\.0 183 /.test(m.startLine));
    assert.ok(early, 'the caller got a 183');
    assert.not.match(early!.text, /RSeq:/i, 'unreliable towards a caller without 100rel');
    assert.match(early!.text, /m=audio \d+/);
    const firstCallerPacket = packets.find((p) => p.src === '127.0.0.1' && p.srcPort === callerMedia)?.timeUs ?? Infinity;
    const earlyMedia = packets.filter((p) => p.dst === '127.0.0.1' && p.dstPort === callerMedia && p.timeUs < firstCallerPacket).length;
    assert.ok(earlyMedia > 30, `the carrier's early media reached the caller before the answer: ${earlyMedia} packets`);
    const report = mediaReport(packets, { caller: { host: '127.0.0.1', port: callerMedia }, callee: { host: CARRIER, port: carrier.mediaPort } });
    assert.ok(report.calleeReceived > 30, `the caller's audio reached the carrier after the answer: ${JSON.stringify(report)}`);
    const prack = tracedMessages(carrier.sipp.messages()).find((m) => m.direction === 'received' && /^PRACK /.test(m.startLine));
    assert.match(prack?.text ?? '', /RAck: 1 1 INVITE/);
  } finally {
    await cap.stop().catch(() => undefined);
    await caller?.dispose();
    await carrier.sipp.dispose();
  }
});

run('late-offer caller through the 100rel carrier: the callee answers our offer, the caller answers ours in the ACK', async () => {
  const carrier = await startCarrier('carrier-uas-100rel.xml', 500);
  const callerMedia = await freeMediaPort();
  const cap = await RtpCapture.start({ ports: [callerMedia, carrier.mediaPort], maxSeconds: 40 });
  let caller: Caller | undefined;
  try {
    caller = await Caller.start({ server: pbxServer(pbx), party: party('1004'), callee: `${NUMBER}@acme.example`, scenario: 'call-uac-late-offer.xml', seconds: 2, mediaPort: callerMedia });
    const out = await caller.finished();
    const carrierOut = await carrier.sipp.done;
    const packets = await cap.stop();
    assert.is(out.successful, 1, out.output);
    assert.is(carrierOut.successful, 1, carrierOut.output + '\n' + startLines(carrier.sipp.messages()));
    const invite = tracedMessages(carrier.sipp.messages()).find((m) => m.direction === 'received' && /^INVITE /.test(m.startLine));
    assert.match(invite?.text ?? '', /m=audio \d+ RTP\/AVP 0 8 9 \d+ 101/, 'the carrier got our own offer');
    const report = mediaReport(packets, { caller: { host: '127.0.0.1', port: callerMedia }, callee: { host: CARRIER, port: carrier.mediaPort } });
    assert.ok(report.calleeReceived > 30, `the caller's audio reached the carrier: ${JSON.stringify(report)}`);
    assert.is(report.direct, 0);
  } finally {
    await cap.stop().catch(() => undefined);
    await caller?.dispose();
    await carrier.sipp.dispose();
  }
});

run('UPDATE before the answer: a 100rel caller renegotiates on the early dialog, the carrier gets the UPDATE, its answer comes back', async () => {
  const carrier = await startCarrier('carrier-uas-100rel-update.xml', 1000);
  let caller: Caller | undefined;
  try {
    caller = await Caller.start({ server: pbxServer(pbx), party: party('1005'), callee: `${NUMBER}@acme.example`, scenario: 'call-uac-100rel-update.xml', seconds: 1 });
    const out = await caller.finished();
    const carrierOut = await carrier.sipp.done;
    assert.is(out.successful, 1, out.output + '\n' + startLines(caller.sipp.messages()));
    assert.is(carrierOut.successful, 1, carrierOut.output + '\n' + startLines(carrier.sipp.messages()));
    const update = tracedMessages(carrier.sipp.messages()).find((m) => m.direction === 'received' && /^UPDATE /.test(m.startLine));
    assert.ok(update, 'the carrier got the UPDATE on its early dialog');
  } finally {
    await caller?.dispose();
    await carrier.sipp.dispose();
  }
});

run('UPDATE before the answer from the carrier: relayed to the 100rel caller on its early dialog, its answer back to the carrier', async () => {
  const carrier = await startCarrier('carrier-uas-100rel-own-update.xml', 500);
  let caller: Caller | undefined;
  try {
    caller = await Caller.start({ server: pbxServer(pbx), party: party('1006'), callee: `${NUMBER}@acme.example`, scenario: 'call-uac-100rel-callee-update.xml', seconds: 1 });
    const out = await caller.finished();
    const carrierOut = await carrier.sipp.done;
    assert.is(out.successful, 1, out.output + '\n' + startLines(caller.sipp.messages()));
    assert.is(carrierOut.successful, 1, carrierOut.output + '\n' + startLines(carrier.sipp.messages()));
    // Our UPDATE on the caller's early dialog: the first request of ours there (CSeq 1), carrying SDP.
    const update = tracedMessages(caller.sipp.messages()).find((m) => m.direction === 'received' && /^UPDATE /.test(m.startLine));
    assert.match(update?.text ?? '', /CSeq: 1 UPDATE/);
    assert.match(update?.text ?? '', /m=audio \d+/);
  } finally {
    await caller?.dispose();
    await carrier.sipp.dispose();
  }
});

s.run();
