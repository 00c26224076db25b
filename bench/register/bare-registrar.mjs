#!/usr/bin/env node
// A BARE Node registrar: the floor of what Node's UDP path plus the necessary crypto allows for
// REGISTER with MD5 digest (issue 13). Plain JS, no project code, correct enough that
// bench/register/register-auth.xml passes and nothing more. It is a yardstick for the PBX, not a
// server: no transactions, no TCP, one contact kept per address of record.
//
//   node bench/register/bare-registrar.mjs --users FILE [--host 127.0.0.1] [--port 5100] [--threads 1]
//
// --users: the bench's SIPp injection file (`ext;domain;password;...` per line; a first line
// without `;` such as SEQUENTIAL is skipped). --threads N > 1 starts N worker threads, each with
// its own socket bound with SO_REUSEPORT on the same address (the kernel spreads datagrams by
// their source address and port, so one SIPp socket always lands on the same thread; use
// several SIPp processes to spread the load). Each thread keeps its own contacts, which is
// consistent for the same reason.
//
// Per datagram: the request line and the headers it needs are found with indexOf on the latin1
// text (canonical header names, as SIPp writes them; compact forms are not recognised). OPTIONS
// is answered 200 (the bench's readiness probe), REGISTER:
//   - without Authorization: 401 with realm = the To domain, qop="auth", algorithm=MD5 and a
//     nonce = time stamp (hex seconds) + md5(secret:stamp) (the same for every request of one
//     second, as Kamailio's auth module does it);
//   - with Authorization: the nonce's hash is recomputed and its age checked (30 s, else 401
//     stale=true); username must be the To user and realm the To domain (else 403); the response
//     is checked against HA1 = md5(user:realm:password) from a Map built at start
//     (RFC 2617 §3.2.2.1: md5(HA1:nonce:nc:cnonce:qop:md5(REGISTER:uri))); a wrong one gets a
//     new 401; then the contact is kept (Map: user@domain -> contact, expiry) and the 200 lists
//     it with ;expires= (RFC 3261 §10.3 step 8). Expires 0 removes it.
// Responses copy Via (the first with received/rport filled in, RFC 3581 §4), From, To (+tag),
// Call-ID and CSeq (RFC 3261 §8.2.6.2) and go to the datagram's source address and port.
//
// SIGUSR2 (with --expose-gc): a full GC in every thread, then one line on stdout:
//   stats contacts=N heapUsedBytes=H datagramsPerThread=A/B/..
// SIGTERM / SIGINT: exit.
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const NONCE_TTL_S = 30;
const DEFAULT_EXPIRES = 3600;
const MAX_EXPIRES = 86400;
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

const md5 = (s) => createHash('md5').update(s, 'latin1').digest('hex');

/** user@domain -> HA1, from the SIPp injection file. */
export function loadHa1(file) {
  const ha1 = new Map();
  for (const line of readFileSync(file, 'latin1').split('\n')) {
    const f = line.split(';');
    if (f.length < 3 || !f[0] || !f[1]) continue;
    ha1.set(`${f[0]}@${f[1]}`, md5(`${f[0]}:${f[1]}:${f[2]}`));
  }
  return ha1;
}

/** The value of the first header `name` ("\r\nTo:"), trimmed, or undefined. */
function header(text, name, end) {
  const i = text.indexOf(name);
  if (i < 0 || i > end) return undefined;
  const from = i + name.length;
  const eol = text.indexOf('\r\n', from);
  return text.slice(from, eol < 0 ? end : eol).trim();
}

/** Every Via line of the request, the first with received/rport filled in (RFC 3581 §4). */
function viaLines(text, end, ip, port) {
  let out = '';
  let i = text.indexOf('\r\nVia:');
  let first = true;
  while (i >= 0 && i < end) {
    const eol = text.indexOf('\r\n', i + 6);
    let v = text.slice(i + 2, eol < 0 ? end : eol);
    if (first) {
      const r = v.indexOf(';rport');
      if (r >= 0 && v.charCodeAt(r + 6) !== 61 /* = */) v = v.slice(0, r) + `;received=${ip};rport=${port}` + v.slice(r + 6);
      first = false;
    }
    out += v + '\r\n';
    i = text.indexOf('\r\nVia:', i + 6);
  }
  return out;
}

/** The URI inside <...> of a From/To/Contact value, or the value up to ';' without brackets. */
function uriOf(value) {
  const lt = value.indexOf('<');
  if (lt >= 0) return value.slice(lt + 1, value.indexOf('>', lt));
  const semi = value.indexOf(';');
  return semi < 0 ? value : value.slice(0, semi);
}

/** "sip:user@domain:port;x" -> [user, domain] */
function userHost(uri) {
  const colon = uri.indexOf(':');
  const at = uri.indexOf('@');
  if (colon < 0 || at < 0) return undefined;
  let end = uri.length;
  for (let k = at + 1; k < uri.length; k++) {
    const c = uri.charCodeAt(k);
    if (c === 58 || c === 59 || c === 62) {
      end = k;
      break;
    }
  }
  return [uri.slice(colon + 1, at), uri.slice(at + 1, end).toLowerCase()];
}

/** Digest parameters (RFC 2617 §3.2.2) by one scan: name=value or name="value", comma separated. */
function digestParams(value) {
  const p = { username: '', realm: '', nonce: '', uri: '', response: '', qop: '', nc: '', cnonce: '' };
  if (!value.startsWith('Digest ')) return undefined;
  let i = 7;
  const n = value.length;
  while (i < n) {
    while (i < n && (value.charCodeAt(i) === 32 || value.charCodeAt(i) === 44 || value.charCodeAt(i) === 9)) i++;
    const eq = value.indexOf('=', i);
    if (eq < 0) break;
    const name = value.slice(i, eq).trim();
    let v;
    if (value.charCodeAt(eq + 1) === 34 /* " */) {
      const close = value.indexOf('"', eq + 2);
      if (close < 0) return undefined;
      v = value.slice(eq + 2, close);
      i = close + 1;
    } else {
      let comma = value.indexOf(',', eq + 1);
      if (comma < 0) comma = n;
      v = value.slice(eq + 1, comma).trim();
      i = comma;
    }
    if (name in p) p[name] = v;
  }
  return p;
}

/** One socket's registrar. */
export class BareRegistrar {
  /** @param {{ ha1: Map<string,string>, secret: string, now?: () => number }} o */
  constructor(o) {
    this.ha1 = o.ha1;
    this.secret = o.secret;
    this.now = o.now ?? Date.now;
    this.contacts = new Map();
    this.toTag = randomBytes(4).toString('hex');
    this.nonceSecond = -1;
    this.nonceValue = '';
    this.datagrams = 0;
  }

  nonce(sec) {
    if (sec !== this.nonceSecond) {
      const stamp = sec.toString(16);
      this.nonceValue = stamp + md5(`${this.secret}:${stamp}`);
      this.nonceSecond = sec;
    }
    return this.nonceValue;
  }

  /** 'ok' | 'stale' | 'bad' */
  checkNonce(nonce, sec) {
    const stamp = nonce.slice(0, nonce.length - 32);
    if (stamp.length === 0 || stamp.length > 12) return 'bad';
    const t = parseInt(stamp, 16);
    if (!Number.isFinite(t) || t.toString(16) !== stamp) return 'bad';
    if (md5(`${this.secret}:${stamp}`) !== nonce.slice(stamp.length)) return 'bad';
    return t > sec || sec - t > NONCE_TTL_S ? 'stale' : 'ok';
  }

  /**
   * @param {Buffer} buf one datagram
   * @returns {string|undefined} the response to send back to its source, or nothing
   */
  handle(buf, ip, port) {
    this.datagrams++;
    const text = buf.toString('latin1');
    let end = text.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    end += 2;
    if (text.startsWith('SIP/2.0 ')) return undefined; // a response: nothing to do
    const sp = text.indexOf(' ');
    if (sp <= 0) return undefined;
    const method = text.slice(0, sp);
    const from = header(text, '\r\nFrom:', end);
    const to = header(text, '\r\nTo:', end);
    const callId = header(text, '\r\nCall-ID:', end);
    const cseq = header(text, '\r\nCSeq:', end);
    const via = viaLines(text, end, ip, port);
    if (!from || !to || !callId || !cseq || !via) return undefined; // RFC 3261 §8.1.1: unanswerable
    const toTagged = to.includes(';tag=') ? to : `${to};tag=${this.toTag}`;
    const head = (status) => `SIP/2.0 ${status}\r\n${via}From: ${from}\r\nTo: ${toTagged}\r\nCall-ID: ${callId}\r\nCSeq: ${cseq}\r\n`;
    if (method === 'OPTIONS') return head('200 OK') + 'Content-Length: 0\r\n\r\n';
    if (method !== 'REGISTER') return head('405 Method Not Allowed') + 'Allow: REGISTER, OPTIONS\r\nContent-Length: 0\r\n\r\n';

    const aor = userHost(uriOf(to));
    if (!aor) return head('400 Bad To') + 'Content-Length: 0\r\n\r\n';
    const [user, domain] = aor;
    const sec = Math.floor(this.now() / 1000);
    const challenge = (stale) =>
      head('401 Unauthorized') +
      `WWW-Authenticate: Digest realm="${domain}", nonce="${this.nonce(sec)}", qop="auth", algorithm=MD5${stale ? ', stale=true' : ''}\r\nContent-Length: 0\r\n\r\n`;
    const auth = header(text, '\r\nAuthorization:', end);
    if (!auth) return challenge(false);
    const d = digestParams(auth);
    if (!d || !d.nonce || !d.response || !d.uri) return head('400 Bad Authorization') + 'Content-Length: 0\r\n\r\n';
    if (d.username !== user || d.realm.toLowerCase() !== domain) return head('403 Forbidden') + 'Content-Length: 0\r\n\r\n';
    const ha1 = this.ha1.get(`${user}@${domain}`);
    if (!ha1) return head('403 Forbidden') + 'Content-Length: 0\r\n\r\n';
    const n = this.checkNonce(d.nonce, sec);
    if (n !== 'ok') return challenge(n === 'stale');
    const ha2 = md5(`REGISTER:${d.uri}`);
    const want = d.qop ? md5(`${ha1}:${d.nonce}:${d.nc}:${d.cnonce}:${d.qop}:${ha2}`) : md5(`${ha1}:${d.nonce}:${ha2}`);
    if (want !== d.response) return challenge(false);

    // RFC 3261 §10.3 steps 6-8: the binding, then a 200 with the current contacts.
    const key = `${user}@${domain}`;
    const contact = header(text, '\r\nContact:', end);
    const expHeader = header(text, '\r\nExpires:', end);
    if (contact === '*') {
      this.contacts.delete(key);
      return head('200 OK') + 'Content-Length: 0\r\n\r\n';
    }
    if (contact) {
      const ce = contact.indexOf(';expires=');
      let expires = ce >= 0 ? parseInt(contact.slice(ce + 9), 10) : expHeader !== undefined ? parseInt(expHeader, 10) : DEFAULT_EXPIRES;
      if (!Number.isFinite(expires) || expires < 0) expires = DEFAULT_EXPIRES;
      if (expires > MAX_EXPIRES) expires = MAX_EXPIRES;
      if (expires === 0) this.contacts.delete(key);
      else this.contacts.set(key, { uri: uriOf(contact), until: sec + expires });
    }
    const b = this.contacts.get(key);
    if (b && b.until <= sec) this.contacts.delete(key);
    const live = b && b.until > sec ? `Contact: <${b.uri}>;expires=${b.until - sec}\r\n` : '';
    return head('200 OK') + live + 'Content-Length: 0\r\n\r\n';
  }
}

/** One socket and its registrar, in the current thread. */
function serve({ host, port, usersFile, secret, reusePort }) {
  const reg = new BareRegistrar({ ha1: loadHa1(usersFile), secret });
  const sock = createSocket({ type: 'udp4', reusePort, recvBufferSize: SOCKET_BUFFER_BYTES, sendBufferSize: SOCKET_BUFFER_BYTES });
  sock.on('message', (buf, rinfo) => {
    const out = reg.handle(buf, rinfo.address, rinfo.port);
    if (out !== undefined) sock.send(Buffer.from(out, 'latin1'), rinfo.port, rinfo.address);
  });
  sock.on('error', (err) => {
    process.stderr.write(`bare-registrar: ${err.message}\n`);
    process.exit(1);
  });
  return new Promise((resolve) => sock.bind({ address: host, port, exclusive: true }, () => resolve(reg)));
}

function stats(reg) {
  globalThis.gc?.();
  return { contacts: reg.contacts.size, heapUsed: process.memoryUsage().heapUsed, datagrams: reg.datagrams };
}

if (!isMainThread) {
  const reg = await serve(workerData);
  parentPort.on('message', (m) => {
    if (m === 'stats') parentPort.postMessage(stats(reg));
  });
  parentPort.postMessage('ready');
} else if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '5100' },
      users: { type: 'string' },
      threads: { type: 'string', default: '1' },
    },
  });
  const threads = Number(values.threads);
  const port = Number(values.port);
  if (!values.users) throw new Error('--users FILE is required');
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new Error('--threads must be 1..64');
  const init = { host: values.host, port, usersFile: values.users, secret: randomBytes(16).toString('hex'), reusePort: threads > 1 };
  let report;
  if (threads === 1) {
    const reg = await serve(init);
    report = async () => [stats(reg)];
  } else {
    const workers = await Promise.all(
      Array.from({ length: threads }, () => {
        const w = new Worker(new URL(import.meta.url), { workerData: init });
        w.on('error', (err) => {
          process.stderr.write(`bare-registrar worker: ${err.stack ?? err}\n`);
          process.exit(1);
        });
        return new Promise((resolve) => w.once('message', () => resolve(w)));
      }),
    );
    report = () => Promise.all(workers.map((w) => new Promise((resolve) => (w.once('message', resolve), w.postMessage('stats')))));
  }
  process.on('SIGUSR2', () => {
    void report().then((all) => {
      globalThis.gc?.();
      const contacts = all.reduce((s, x) => s + x.contacts, 0);
      const heap = all.reduce((s, x) => s + x.heapUsed, 0) + (threads > 1 ? process.memoryUsage().heapUsed : 0);
      // Datagrams each thread received so far: shows whether SO_REUSEPORT spread the load.
      process.stdout.write(`stats contacts=${contacts} heapUsedBytes=${heap} datagramsPerThread=${all.map((x) => x.datagrams).join('/')}\n`);
    });
  });
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
  process.stdout.write(`bare registrar on udp://${values.host}:${port}, ${threads} thread${threads > 1 ? 's' : ''}, ready\n`);
}
