// Issue 13 "parse once": how many header parses (Via, name-addr, CSeq, URI) the real server
// spends on a REGISTER pair with digest and on an INVITE with its 407 round trip. The server
// runs in this process (InProcessPbx) so its parser counters can be read; the client here
// writes and reads raw text with regular expressions, so every counted parse is the server's.
import { createSocket, type Socket } from 'node:dgram';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildAuthorization, pickChallenge } from '../../src/sip/auth/client-digest.js';
import { parseCountNow, parseCountSince } from '../../src/sip/message/parse-count.js';
import { memoryLogger } from '../../src/util/logger.js';
import { InProcessPbx } from '../support/in-process-pbx.js';

const logger = memoryLogger('info');
let pbx: InProcessPbx;
let sock: Socket;
let port = 0;
const inbox: string[] = [];
let waiter: { re: RegExp; resolve: (t: string) => void } | undefined;

test.before(async () => {
  pbx = await InProcessPbx.start({ name: 'parse-once', logger, tenants: [{ id: 'acme', domains: ['acme.example'], extensions: [{ ext: '1001', password: 'pw-1001-secret' }, { ext: '1002', password: 'pw-1002-secret', extraKeys: 'voicemail: { enabled: false }' }] }] });
  sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  port = (sock.address() as { port: number }).port;
  sock.on('message', (b) => {
    const t = b.toString('utf8');
    if (waiter && waiter.re.test(t)) {
      const w = waiter;
      waiter = undefined;
      w.resolve(t);
    } else inbox.push(t);
  });
});

test.after(async () => {
  sock.close();
  await pbx.stop();
});

/** Send raw text, resolve with the first datagram matching `re`. */
function exchange(text: string, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${re} in time; got ${inbox.map((m) => m.split('\r\n')[0]).join(', ')}\n${logger.lines.slice(-20).join('\n')}`)), 10_000);
    waiter = { re, resolve: (m) => (clearTimeout(t), resolve(m)) };
    sock.send(Buffer.from(text), pbx.port, '127.0.0.1');
  });
}

function header(msg: string, name: string): string {
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(msg);
  if (!m) throw new Error(`no ${name} in ${msg}`);
  return m[1]!.trim();
}

function authorization(challenge: string, user: string, password: string, method: string, uri: string): string {
  const ch = pickChallenge([challenge], { algorithms: ['MD5'] });
  if (!ch) throw new Error('no usable challenge');
  const a = buildAuthorization({ challenge: ch, username: user, password, method, uri });
  if (!a.ok) throw new Error(a.error);
  return a.value;
}

let n = 0;
function register(callId: string, cseq: number, auth?: string): string {
  return (
    `REGISTER sip:acme.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};rport;branch=z9hG4bK-reg-${++n}\r\nMax-Forwards: 70\r\n` +
    `From: <sip:1001@acme.example>;tag=f${n}\r\nTo: <sip:1001@acme.example>\r\nCall-ID: ${callId}\r\nCSeq: ${cseq} REGISTER\r\n` +
    `Contact: <sip:1001@127.0.0.1:${port}>\r\nExpires: 600\r\n${auth ? `Authorization: ${auth}\r\n` : ''}Content-Length: 0\r\n\r\n`
  );
}

/** An OPTIONS answered by the server itself: sent after a flow, its 200 says the flow's messages were all handled. */
async function options(): Promise<void> {
  const i = ++n;
  await exchange(
    `OPTIONS sip:acme.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-opt-${i}\r\nMax-Forwards: 70\r\nFrom: <sip:probe@acme.example>;tag=o${i}\r\n` +
      `To: <sip:acme.example>\r\nCall-ID: opt-${i}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
    new RegExp(`^SIP/2.0 200[^]*Call-ID: opt-${i}\\r`, 'm'),
  );
}

async function registerPair(): Promise<void> {
  const callId = `reg-${++n}`;
  const first = await exchange(register(callId, 1), /^SIP\/2.0 401/);
  const auth = authorization(header(first, 'WWW-Authenticate'), '1001', 'pw-1001-secret', 'REGISTER', 'sip:acme.example');
  await exchange(register(callId, 2, auth), /^SIP\/2.0 200/);
}

async function inviteWith407(): Promise<void> {
  const i = ++n;
  const sdp = `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;
  const head = `Via: SIP/2.0/UDP 127.0.0.1:${port};rport;branch=z9hG4bK-inv-${i}\r\nMax-Forwards: 70\r\nFrom: <sip:1001@acme.example>;tag=i${i}\r\nTo: <sip:1002@acme.example>\r\nCall-ID: inv-${i}\r\n`;
  const res = await exchange(
    `INVITE sip:1002@acme.example SIP/2.0\r\n${head}CSeq: 1 INVITE\r\nContact: <sip:1001@127.0.0.1:${port}>\r\nContent-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`,
    /^SIP\/2.0 407/,
  );
  // RFC 3261 §17.1.1.3: the ACK of a non-2xx final response takes the INVITE's Via and the response's To.
  sock.send(Buffer.from(`ACK sip:1002@acme.example SIP/2.0\r\n${head.replace(/^To: .*$/m, `To: ${header(res, 'To')}`)}CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n`), pbx.port, '127.0.0.1');
}

test('an OPTIONS costs the parses of its own headers and no more', async () => {
  await options(); // warm: the first message of a source may look things up
  const c0 = parseCountNow(); (globalThis as any).__PT = 1;
  await options();
  const c = parseCountSince(c0);
  // Via, From (name-addr + URI), To (name-addr + URI), CSeq, Request-URI; 12 before parse once.
  assert.equal(c, { via: 1, nameAddr: 2, cseq: 1, uri: 3, total: 7 });
});

test('a REGISTER pair with digest parses each header of each request once', async () => {
  await registerPair();
  await options();
  const c0 = parseCountNow(); (globalThis as any).__PT = 1;
  await registerPair();
  await options();
  const c = parseCountSince(c0);
  // Each REGISTER: Via, From, To, Contact (3 name-addrs with their URIs), CSeq, Request-URI;
  // the replies are built from the requests' parses; the OPTIONS after it 7 (the test above).
  // Two URI parses remain in the registrar's binding key (contact-key.ts: the new Contact's
  // and the stored binding's, both from text). The pair: 20 (35 before parse once).
  assert.equal(c, { via: 3, nameAddr: 8, cseq: 3, uri: 13, total: 27 });
});

test('an INVITE with its 407 and ACK parses each header of each request once', async () => {
  await inviteWith407();
  await options();
  const c0 = parseCountNow(); (globalThis as any).__PT = 1;
  await inviteWith407();
  await options();
  const c = parseCountSince(c0);
  // INVITE: Via, From, To, Contact, CSeq, Request-URI (9); the 407 none; the ACK: Via, From,
  // To (a new text: the 407's tag), CSeq, Request-URI (7); the OPTIONS 7. The round trip: 16 (26 before).
  assert.equal(c, { via: 3, nameAddr: 7, cseq: 3, uri: 10, total: 23 });
});

test.run();
