// NAT keep-alives against the real server (issue 17, item 4):
// - a STUN Binding request from a phone to the SIP UDP port gets its mapped address back;
// - a tenant with `natKeepalive: { optionsSeconds: 10 }` gets OPTIONS at its registered UDP
//   phones, sent from the server's SIP socket to the address and port the REGISTER came
//   from, again after each answer; a tenant without it gets none;
// - CRLF keep-alives on TCP are answered with a CRLF.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { getHeader } from '../../src/sip/message/headers.js';
import type { SipMessage } from '../../src/sip/message/types.js';
import { decodeStun, encodeStun, readXorMappedAddress, StunAttr } from '../../src/util/stun-message.js';
import { PbxProcess } from '../support/pbx-process.js';
import { parsePrometheus, sampleValue } from '../support/prom-parse.js';
import { UdpPhone } from '../support/udp-phone.js';

const ACME = { id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'acme-1001-secret' }], extraYaml: 'natKeepalive: { optionsSeconds: 10 }' };
const GLOBEX = { id: 'globex', domains: ['globex.example'], extensions: [{ ext: '1001', password: 'globex-1001-secret' }] };

const TOKEN = 'pbx_admin_keepalive-test-token-0123456789abcdef';
const s = suite('nat keep-alives: STUN, CRLF, OPTIONS pings');
let pbx: PbxProcess;
const phones: UdpPhone[] = [];

s.before(async () => {
  const base = 45000 + Math.floor(Math.random() * 100) * 100;
  pbx = await PbxProcess.start({ tenants: [ACME, GLOBEX], transports: ['udp', 'tcp'], adminToken: TOKEN, extraYaml: `rtp: { ports: ${base}-${base + 99}, workers: 1 }` });
});

s.after(async () => {
  for (const p of phones.splice(0)) p.close();
  await pbx?.dispose();
});

s('a STUN Binding request to the SIP UDP port gets the phone\'s address and port in XOR-MAPPED-ADDRESS', async () => {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  try {
    const txid = Buffer.from('a1a2a3a4a5a6a7a8a9aaabac', 'hex');
    const answer = new Promise<Buffer>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no STUN answer in 5 s')), 5000);
      sock.once('message', (m) => (clearTimeout(t), resolve(m)));
    });
    sock.send(encodeStun({ method: 1, cls: 'request', transactionId: txid, attributes: [], fingerprint: true }), pbx.ports.udp, '127.0.0.1');
    const r = decodeStun(await answer);
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.is(r.message.cls, 'success');
    assert.ok(r.message.fingerprint);
    const xma = r.message.attributes.find((a) => a.type === StunAttr.XOR_MAPPED_ADDRESS)!;
    assert.equal(readXorMappedAddress(xma.value, txid), { address: '127.0.0.1', port: sock.address().port });
  } finally {
    sock.close();
  }
});

s('CRLF CRLF on a TCP connection is answered with CRLF', async () => {
  const c = connect(pbx.ports.tcp!, '127.0.0.1');
  try {
    await new Promise<void>((r, j) => (c.once('connect', () => r()), c.once('error', j)));
    const pong = new Promise<Buffer>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no pong in 5 s')), 5000);
      c.once('data', (d: Buffer) => (clearTimeout(t), resolve(d)));
    });
    c.write('\r\n\r\n');
    assert.is((await pong).toString(), '\r\n');
  } finally {
    c.destroy();
  }
});

s('OPTIONS reach the UDP phones of the tenant that asked for them, from the SIP socket, every interval; not the other tenant\'s', async () => {
  const open = async (domain: string, password: string) => {
    const p = await UdpPhone.open({ user: '1001', domain, password, server: { host: '127.0.0.1', port: pbx.ports.udp } });
    phones.push(p);
    assert.is(await p.register(), 200);
    return p;
  };
  const acme = await open('acme.example', 'acme-1001-secret');
  const globex = await open('globex.example', 'globex-1001-secret');
  const isOptions = (m: SipMessage) => m.kind === 'request' && m.method === 'OPTIONS';
  // First ping: one interval (10 s) after the REGISTER, within the pinger's 5 s pass.
  const first = await acme.next(isOptions, 25_000);
  assert.ok(first.kind === 'request');
  if (first.kind !== 'request') return;
  assert.is(first.uri, acme.contact, 'addressed to the registered Contact');
  assert.match(getHeader(first, 'via') ?? '', new RegExp(`^SIP/2\\.0/UDP [^;]+:${pbx.ports.udp};`), 'sent from the SIP socket the REGISTER came in on');
  // The phone answered it (UdpPhone answers any request with 200); the next comes one interval later.
  const mark = acme.mark();
  const second = await acme.next(isOptions, 25_000, mark);
  assert.ok(second !== first);
  assert.is.not(getHeader(second, 'call-id'), getHeader(first, 'call-id'));
  assert.not.ok(globex.received.some(isOptions), 'the tenant without natKeepalive gets no OPTIONS');

  // Counted where the operator looks: /metrics.
  const res = await fetch(`http://127.0.0.1:${pbx.apiPort}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.is(res.status, 200);
  const fams = parsePrometheus(await res.text());
  assert.ok(sampleValue(fams, 'pbx_sip_keepalive_options_total', { outcome: 'sent' })! >= 2);
  assert.ok(sampleValue(fams, 'pbx_sip_keepalive_options_total', { outcome: 'answered' })! >= 1);
  assert.is(sampleValue(fams, 'pbx_sip_stun_answered_total', {}), 1, 'the STUN request of the first test');
});

s.run();
