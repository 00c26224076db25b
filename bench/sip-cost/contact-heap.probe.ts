/**
 * Live heap per registered contact (issue 13 point 5: < 1 KiB). The real server runs in this
 * process (InProcessPbx, so its heap can be read); a raw UDP client here registers N
 * extensions of one tenant with digest, each with its own Contact; the JS heap after a full
 * GC is read before and after, with the same number of extensions already registered before
 * the first reading (warm caches, compiled code), each reading after Timer J so that no
 * transaction is still held. What is counted is what a registration
 * leaves behind: the binding, the cached extension with its HA1s, the nonce-count record.
 *
 *   node --expose-gc --import tsx bench/sip-cost/contact-heap.probe.ts [contacts=2000]
 */
import { createSocket } from 'node:dgram';
import { buildAuthorization, pickChallenge } from '../../src/sip/auth/client-digest.js';
import { memoryLogger } from '../../src/util/logger.js';
import { InProcessPbx } from '../../test/support/in-process-pbx.js';

const n = Number(process.argv[2] ?? 2000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const exts = Array.from({ length: 2 * n }, (_, i) => ({ ext: String(100000 + i), password: `pw-${100000 + i}-secret` }));
const pbx = await InProcessPbx.start({ name: 'contact-heap', logger: memoryLogger('warn'), tenants: [{ id: 'acme', domains: ['acme.example'], extensions: exts }] });
const sock = createSocket('udp4');
await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
const port = (sock.address() as { port: number }).port;
let waiter: ((t: string) => void) | undefined;
// Only responses: the server's own OPTIONS keep-alives to the contacts arrive here too.
sock.on('message', (b) => {
  const t = b.toString('latin1');
  if (t.startsWith('SIP/2.0 ')) waiter?.(t);
});
function exchange(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no answer')), 10_000);
    waiter = (m) => (clearTimeout(t), resolve(m));
    sock.send(Buffer.from(text), pbx.port, '127.0.0.1');
  });
}
let k = 0;
function register(ext: string, callId: string, cseq: number, auth?: string): string {
  k++;
  return (
    `REGISTER sip:acme.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};rport;branch=z9hG4bK-h${k}\r\nMax-Forwards: 70\r\n` +
    `From: <sip:${ext}@acme.example>;tag=t${k}\r\nTo: <sip:${ext}@acme.example>\r\nCall-ID: ${callId}\r\nCSeq: ${cseq} REGISTER\r\n` +
    `Contact: <sip:${ext}@127.0.0.1:${port};transport=udp>\r\nExpires: 3600\r\nUser-Agent: probe/1.0\r\n${auth ? `Authorization: ${auth}\r\n` : ''}Content-Length: 0\r\n\r\n`
  );
}
async function registerOne(ext: string, password: string): Promise<void> {
  const callId = `heap-${ext}`;
  const first = await exchange(register(ext, callId, 1));
  const ch = pickChallenge([/^WWW-Authenticate:\s*(.*)$/im.exec(first)![1]!.trim()], { algorithms: ['MD5'] })!;
  const a = buildAuthorization({ challenge: ch, username: ext, password, method: 'REGISTER', uri: 'sip:acme.example' });
  if (!a.ok) throw new Error(a.error);
  const second = await exchange(register(ext, callId, 2, a.value));
  if (!second.startsWith('SIP/2.0 200')) throw new Error(second.split('\r\n')[0]);
}
async function settle(): Promise<number> {
  // Past Timer J (64*T1 = 32 s on UDP, RFC 3261 §17.2.2): the REGISTER transactions are gone.
  await new Promise((r) => setTimeout(r, 34_000));
  for (let i = 0; i < 4; i++) gc!();
  return process.memoryUsage().heapUsed;
}
for (const e of exts.slice(0, n)) await registerOne(e.ext, e.password);
const h0 = await settle();
for (const e of exts.slice(n)) await registerOne(e.ext, e.password);
const h1 = await settle();
console.log(`${n} contacts: live JS heap +${((h1 - h0) / 1024).toFixed(0)} KiB, ${((h1 - h0) / n).toFixed(0)} bytes per registered contact (node ${process.version})`);
sock.close();
await pbx.stop();
