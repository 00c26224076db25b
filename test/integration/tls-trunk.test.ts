// Issue 16, finding 8: TLS trunks configured by host name. The PBX must dial the resolved
// IP but send the configured name as SNI and check the certificate against that name
// (RFC 5922 §7.3), trust a per-trunk CA (tls.ca in pbx.yaml), say why a handshake failed,
// and take a renewed server certificate on SIGHUP. A real `pbx serve`, real TLS "carriers"
// (node:tls servers with certificates made by openssl for this run).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PbxProcess, REPO } from '../support/pbx-process.js';
import { freePort } from '../support/ports.js';

let pki: string;
let pbx: PbxProcess;
const carriers: Carrier[] = [];

interface Carrier {
  server: Server;
  port: number;
  /** SNI of each handshake that completed, and the first bytes each connection sent. */
  sessions: Array<{ servername: string | false; data: string }>;
}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: pki, stdio: 'pipe' });
}

/** A CA, and a leaf for `localhost` (no IP in its names) signed by it. */
function makePki(): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const ca of ['ca', 'other-ca']) {
    openssl('req', '-x509', ...ec, '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=${ca} for tests`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=keyCertSign,cRLSign');
  }
  openssl('req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=localhost');
  writeFileSync(join(pki, 'leaf.ext'), 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '2', '-extfile', 'leaf.ext');
}

async function carrier(): Promise<Carrier> {
  const port = await freePort();
  const c: Carrier = { server: createServer({ cert: readFileSync(join(pki, 'leaf.pem')), key: readFileSync(join(pki, 'leaf.key')) }), port, sessions: [] };
  c.server.on('secureConnection', (s: TLSSocket) => {
    const session = { servername: s.servername ?? false, data: '' };
    c.sessions.push(session);
    s.on('data', (d: Buffer) => (session.data += d.toString('utf8')));
    s.on('error', () => undefined);
  });
  c.server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => c.server.listen(port, '127.0.0.1', () => r()));
  carriers.push(c);
  return c;
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The SHA-256 fingerprint of the certificate the PBX's TLS listener shows a new client. */
async function listenerFingerprint(): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: pbx.ports.tls, rejectUnauthorized: false }, () => {
      const raw = s.getPeerCertificate().raw;
      s.destroy();
      resolve(createHash('sha256').update(raw).digest('hex'));
    });
    s.on('error', reject);
  });
}

function fingerprintOf(pemFile: string): string {
  const der = Buffer.from(readFileSync(pemFile, 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return createHash('sha256').update(der).digest('hex');
}

let good: Carrier;
let wrongCa: Carrier;
let byIp: Carrier;

test.before(async () => {
  pki = mkdtempSync(join(tmpdir(), 'pbx-tls-trunk-'));
  makePki();
  // The server's own certificate: a copy of the fixture, replaced later to test SIGHUP.
  copyFileSync(join(REPO, 'test/fixtures/tls/test.crt'), join(pki, 'server.crt'));
  copyFileSync(join(REPO, 'test/fixtures/tls/test.key'), join(pki, 'server.key'));
  good = await carrier();
  wrongCa = await carrier();
  byIp = await carrier();
  const base = 44000 + Math.floor(Math.random() * 100) * 100;
  const reg = (name: string, host: string, port: number, ca: string) =>
    `  - { name: ${name}, kind: register, host: ${host}, port: ${port}, transport: tls, username: acct, password: "trunk-secret", registerExpires: 60, tls: { ca: ${join(pki, ca)} } }`;
  pbx = await PbxProcess.create({
    tenants: [],
    extraYaml: [
      `rtp: { ports: ${base}-${base + 19}, workers: 1 }`,
      'security: { trusted: [ "127.0.0.0/8" ], floodRate: 0 }',
      'trunks:',
      reg('good', 'localhost', good.port, 'ca.pem'),
      reg('wrongca', 'localhost', wrongCa.port, 'other-ca.pem'),
      reg('byip', '127.0.0.1', byIp.port, 'ca.pem'),
    ].join('\n'),
  });
  const yaml = readFileSync(pbx.configFile, 'utf8')
    .replace(join(REPO, 'test/fixtures/tls/test.crt'), join(pki, 'server.crt'))
    .replace(join(REPO, 'test/fixtures/tls/test.key'), join(pki, 'server.key'));
  writeFileSync(pbx.configFile, yaml);
  await pbx.start();
});

test.after(async () => {
  await pbx?.dispose();
  for (const c of carriers) c.server.close();
  rmSync(pki, { recursive: true, force: true });
});

test('a TLS trunk by host name with its CA: REGISTER arrives over TLS with SNI = the name', async () => {
  await until(() => good.sessions.some((s) => s.data.startsWith('REGISTER ')));
  const s = good.sessions.find((x) => x.data.startsWith('REGISTER '))!;
  assert.is(s.servername, 'localhost');
  assert.match(s.data, /^REGISTER sip:localhost(:\d+)?(;transport=tls)? SIP\/2\.0\r\n/i, s.data.split("\r\n")[0]);
  assert.match(s.data, /\r\nVia: SIP\/2\.0\/TLS /i);
});

test('with the wrong CA: no REGISTER, and the log says which certificate failed and why', async () => {
  const line = await pbx.waitForLog(/certificate for localhost: (unable to get local issuer certificate|self[- ]signed certificate|unable to verify)/i);
  assert.match(line, new RegExp(`${wrongCa.port}`));
  assert.not.ok(wrongCa.sessions.some((s) => s.data.length > 0), 'nothing was sent to the carrier with an untrusted certificate');
});

test('a trunk by IP whose certificate names only the host: the log names the mismatch', async () => {
  const line = await pbx.waitForLog(/certificate for 127\.0\.0\.1: .*(does not match|altnames)/i);
  assert.match(line, new RegExp(`${byIp.port}`));
  assert.not.ok(byIp.sessions.some((s) => s.data.length > 0));
});

test("SIGHUP after the server's own certificate files are replaced: new connections see the new certificate", async () => {
  assert.is(await listenerFingerprint(), fingerprintOf(join(pki, 'server.crt')));
  copyFileSync(join(pki, 'leaf.pem'), join(pki, 'server.crt'));
  copyFileSync(join(pki, 'leaf.key'), join(pki, 'server.key'));
  const from = pbx.logs.length;
  pbx.signal('SIGHUP');
  await pbx.waitForLog(/tls certificate reloaded/, 10_000, from);
  assert.is(await listenerFingerprint(), fingerprintOf(join(pki, 'leaf.pem')));
});

test.run();
