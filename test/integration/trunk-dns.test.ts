// RFC 3263 for trunks through the real server (issue 17, points 3 and 6): a provider trunk known
// only by a NAPTR/SRV name served by a DNS responder the test starts on loopback
// (test/support/dns-server.ts), whose three SRV targets are carriers on 127.0.0.31-33: the first
// answers 503, the second is down (nothing listens: the INVITE times out), the third answers 200
// and echoes RTP. Then a second call passes over the two failed targets. A tenant trunk whose
// name resolves to loopback is refused like a literal one. And the 488 rule: a trunk that refuses
// the offer (488) is followed by the next trunk when that one takes other codecs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Caller, freeMediaPort, pbxServer, type Party } from '../support/call-harness.js';
import { CarrierUas, freeUdpPortOn, RawUdpPeer, responseTo } from '../support/carrier.js';
import { TestDnsServer } from '../support/dns-server.js';
import { PbxProcess, type TestTenant } from '../support/pbx-process.js';
import { mediaReport, RtpCapture } from '../support/rtp-capture.js';
import { requireTools } from '../support/tools.js';

const C1 = '127.0.0.31';
const C2 = '127.0.0.32';
const C3 = '127.0.0.33';
const REFUSER = '127.0.0.34';
const PCMU_ONLY = '127.0.0.35';

const secret = (t: string, e: string) => `${t}-${e}-secret`;
const party = (t: string, e: string): Party => ({ user: e, domain: `${t}.example`, password: secret(t, e) });

const s = suite('trunk DNS: RFC 3263 NAPTR/SRV targets with failover, served by a local DNS responder');
const enabled = requireTools('trunk DNS with SIPp and tcpdump', 'sipp', 'tcpdump');
const run = enabled ? s : s.skip;

let pbx: PbxProcess;
let dns: TestDnsServer;
let ports: { c1: number; c2: number; c3: number; refuser: number; pcmu: number; evil: number };

s.before(async () => {
  if (!enabled) return;
  ports = {
    c1: await freeUdpPortOn(C1),
    c2: await freeUdpPortOn(C2),
    c3: await freeUdpPortOn(C3),
    refuser: await freeUdpPortOn(REFUSER),
    pcmu: await freeUdpPortOn(PCMU_ONLY),
    evil: await freeUdpPortOn('127.0.0.1'),
  };
  dns = await TestDnsServer.start({
    records: [
      { name: 'carrier.test', type: 'NAPTR', order: 10, preference: 10, flags: 's', service: 'SIP+D2U', replacement: '_sip._udp.carrier.test' },
      { name: '_sip._udp.carrier.test', type: 'SRV', priority: 10, weight: 0, port: ports.c1, target: 'c1.carrier.test' },
      { name: '_sip._udp.carrier.test', type: 'SRV', priority: 20, weight: 0, port: ports.c2, target: 'c2.carrier.test' },
      { name: '_sip._udp.carrier.test', type: 'SRV', priority: 30, weight: 0, port: ports.c3, target: 'c3.carrier.test' },
      { name: 'c1.carrier.test', type: 'A', address: C1 },
      { name: 'c2.carrier.test', type: 'A', address: C2 },
      { name: 'c3.carrier.test', type: 'A', address: C3 },
      // A tenant's trunk name that leads to the PBX's own neighbourhood.
      { name: '_sip._udp.evil.test', type: 'SRV', priority: 1, weight: 1, port: ports.evil, target: 'lo.evil.test' },
      { name: 'lo.evil.test', type: 'A', address: '127.0.0.1' },
    ],
  });
  const acme: TestTenant = {
    id: 'acme',
    domains: ['acme.example'],
    extensions: [{ ext: '1001', password: secret('acme', '1001'), callerId: '+14155550111' }],
    extraYaml: [
      'countryCode: "1"',
      'trunks:',
      `  - { name: refuser, kind: ip, host: ${REFUSER}, port: ${ports.refuser}, allowedSources: [ "${REFUSER}" ] }`,
      `  - { name: pcmu-only, kind: ip, host: ${PCMU_ONLY}, port: ${ports.pcmu}, allowedSources: [ "${PCMU_ONLY}" ], codecs: [ PCMU ] }`,
      'outboundRoutes:',
      '  - { name: srv, patterns: [ "1303NXXXXXX" ], prepend: "+", trunks: [ carrier ] }',
      '  - { name: codecs, patterns: [ "1212NXXXXXX" ], prepend: "+", trunks: [ refuser, pcmu-only ] }',
    ].join('\n'),
  };
  const evil: TestTenant = {
    id: 'evil',
    domains: ['evil.example'],
    extensions: [{ ext: '1001', password: secret('evil', '1001'), callerId: '+14155550122' }],
    extraYaml: [
      'countryCode: "1"',
      'trunks:',
      '  - { name: sneaky, kind: ip, host: evil.test, allowedSources: [ "192.0.2.1" ] }',
      'outboundRoutes:',
      '  - { name: all, patterns: [ "1NXXNXXXXXX" ], prepend: "+", trunks: [ sneaky ] }',
    ].join('\n'),
  };
  const base = 44000 + Math.floor(Math.random() * 50) * 200;
  pbx = await PbxProcess.start({
    tenants: [acme, evil],
    transports: ['udp'],
    // T1 100 ms: Timer B (64·T1) gives up on the carrier that is down after 6.4 s.
    sipYaml: ['timers: { t1: 100, t2: 400 }'],
    extraYaml: [
      `rtp: { ports: ${base}-${base + 199}, workers: 1 }`,
      // Tenant trunks may reach the test carriers on 127/8, never the PBX's own 127.0.0.1.
      'security: { trusted: [ "127.0.0.0/8" ], tenantTrunkAllowedNetworks: [ "127.0.0.0/8" ] }',
      'calls: { noAnswerSeconds: 30 }',
      `dns: { servers: [ "127.0.0.1:${dns.port}" ], timeoutMs: 1000, blacklistSeconds: 300 }`,
      'trunks:',
      `  - { name: carrier, kind: ip, host: carrier.test, allowedSources: [ "${C1}", "${C2}", "${C3}" ], tenants: [ "*" ] }`,
    ].join('\n'),
  });
});

s.after(async () => {
  await pbx?.dispose();
  await dns?.close();
});

const show = (x: unknown) => JSON.stringify(x);

function logSince(from: number): string {
  return pbx.logs.slice(from).slice(-60).join('\n');
}

function brief(o: { output: string }): string {
  const i = o.output.indexOf('--- errors log ---');
  return i >= 0 ? o.output.slice(i, i + 3000) : o.output.slice(-1500);
}

run('a trunk known by NAPTR/SRV: 503 on the first target, no answer on the second, the call completes on the third with RTP', async () => {
  const first = await CarrierUas.start({ address: C1, port: ports.c1, server: pbxServer(pbx), scenario: 'carrier-uas-503.xml', timeoutSeconds: 60 });
  const third = await CarrierUas.start({ address: C3, port: ports.c3, server: pbxServer(pbx), expectUser: '+13035550123', timeoutSeconds: 60 });
  const mark = pbx.logs.length;
  const mediaPort = await freeMediaPort();
  const capture = await RtpCapture.start({ ports: [mediaPort], maxSeconds: 60 });
  const caller = await Caller.start({ server: pbxServer(pbx), party: party('acme', '1001'), callee: '13035550123', seconds: 2, mediaPort, timeoutSeconds: 60 });
  try {
    const out = await caller.finished();
    assert.is(out.successful, 1, 'the call completed: ' + brief(out) + '\nserver log:\n' + logSince(mark));
    const packets = await capture.stop();
    assert.ok(dns.count('NAPTR', 'carrier.test') >= 1, 'NAPTR asked: ' + show(dns.asked));
    assert.ok(dns.count('SRV', '_sip._udp.carrier.test') >= 1, 'SRV asked: ' + show(dns.asked));
    assert.ok(first.invites().length >= 1, `the first target got no INVITE:\n${first.summary()}\n${logSince(mark)}`);
    assert.is(out.successful, 1, 'the call completed: ' + brief(out) + '\nserver log:\n' + logSince(mark));
    const inv = await third.firstInvite(1000);
    assert.ok(inv, `the third target got no INVITE:\n${third.summary()}`);
    assert.match(inv!.startLine, /^INVITE sip:\+13035550123@carrier\.test SIP\/2\.0$/);
    const report = mediaReport(packets, { caller: caller.media, callee: { host: C3, port: 1 } });
    assert.ok(report.callerSent > 20, 'the caller sent RTP: ' + show(report));
    assert.ok(report.callerReceived > 20, 'RTP came back from the third carrier through the relay: ' + show(report));
    assert.ok(
      pbx.logs.slice(mark).some((l) => /trunk target passed over/.test(l) && l.includes(C2)),
      'the target that did not answer is passed over:\n' + logSince(mark),
    );
  } finally {
    await capture.stop().catch(() => []);
    await caller.dispose();
    await first.dispose();
    await third.dispose();
  }
});

run('the next call passes over the two failed targets and goes straight to the third', async () => {
  const w1 = await RawUdpPeer.open(C1, ports.c1);
  const w2 = await RawUdpPeer.open(C2, ports.c2);
  const third = await CarrierUas.start({ address: C3, port: ports.c3, server: pbxServer(pbx), expectUser: '+13035550124', timeoutSeconds: 40 });
  const mark = pbx.logs.length;
  try {
    const caller = await Caller.start({ server: pbxServer(pbx), party: party('acme', '1001'), callee: '13035550124', seconds: 1, timeoutSeconds: 30 });
    const out = await caller.finished();
    await caller.dispose();
    assert.is(out.successful, 1, 'the call completed: ' + brief(out) + '\n' + logSince(mark));
    assert.equal(
      [...w1.received, ...w2.received].map((d) => d.text.split('\r\n', 1)[0]),
      [],
      'nothing was sent to the targets that failed',
    );
    assert.ok(third.invites().length >= 1);
  } finally {
    w1.close();
    w2.close();
    await third.dispose();
  }
});

run("a tenant trunk whose SRV target resolves to loopback is refused like a literal 127.0.0.1; nothing is sent there", async () => {
  const watch = await RawUdpPeer.open('127.0.0.1', ports.evil);
  const mark = pbx.logs.length;
  try {
    // Ask once so that the name is located, then call.
    const warm = await Caller.start({ server: pbxServer(pbx), party: party('evil', '1001'), callee: '13035550125', seconds: 1, timeoutSeconds: 20 });
    await warm.finished();
    await warm.dispose();
    await new Promise((r) => setTimeout(r, 500));
    const caller = await Caller.start({ server: pbxServer(pbx), party: party('evil', '1001'), callee: '13035550125', seconds: 1, timeoutSeconds: 20 });
    const out = await caller.finished();
    await caller.dispose();
    assert.is(out.successful, 0, 'the call must not complete');
    assert.match(out.output, /SIP\/2\.0 503/, 'refused with 503: ' + brief(out));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(watch.received.map((d) => d.text.split('\r\n', 1)[0]), [], 'nothing reached 127.0.0.1');
    assert.ok(dns.count('SRV', '_sip._udp.evil.test') >= 1, 'the name was located: ' + show(dns.asked));
    assert.ok(pbx.logs.slice(mark).some((l) => /trunk refused/.test(l) && /resolves to 127\.0\.0\.1/.test(l)), 'the refusal is logged:\n' + logSince(mark));
  } finally {
    watch.close();
  }
});

run('488 from a trunk is followed by the next trunk when it takes other codecs; the call completes there', async () => {
  const refuser = await RawUdpPeer.open(REFUSER, ports.refuser);
  const pcmu = await CarrierUas.start({ address: PCMU_ONLY, port: ports.pcmu, server: pbxServer(pbx), expectUser: '+12125550123', timeoutSeconds: 40 });
  const mark = pbx.logs.length;
  // The refusing carrier: 488 to every INVITE (each a new transaction), ACKs taken silently.
  const answered = new Set<string>();
  const timer = setInterval(() => {
    for (const d of refuser.received) {
      const start = d.text.split('\r\n', 1)[0]!;
      if (!start.startsWith('INVITE ') || answered.has(d.text)) continue;
      answered.add(d.text);
      void refuser.send(responseTo(d.text, 488, 'Not Acceptable Here'), { host: d.from.address, port: d.from.port });
    }
  }, 20);
  try {
    const caller = await Caller.start({ server: pbxServer(pbx), party: party('acme', '1001'), callee: '12125550123', seconds: 1, timeoutSeconds: 30 });
    const out = await caller.finished();
    await caller.dispose();
    assert.ok(answered.size >= 1, 'the first trunk got the INVITE');
    assert.is(out.successful, 1, 'the call completed on the second trunk: ' + brief(out) + '\n' + logSince(mark));
    const inv = await pcmu.firstInvite(1000);
    assert.ok(inv, 'the second trunk got the INVITE');
    const sdp = inv!.text.split(/\r?\n\r?\n/)[1] ?? '';
    assert.match(sdp, /^m=audio \d+ RTP\/AVP 0(?: 101)?\s*$/m, 'offered PCMU only: ' + sdp);
  } finally {
    clearInterval(timer);
    refuser.close();
    await pcmu.dispose();
  }
});

s.run();
