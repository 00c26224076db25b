import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { X509Certificate } from 'node:crypto';
import { DtlsClient, DtlsServer } from 'werift-dtls/lib/dtls/src/index.js';
import { createDtlsIdentity } from './dtls-identity.js';
import { DtlsSrtpEndpoint, parseFingerprint, type DtlsSrtpKeys } from './dtls-srtp-endpoint.js';

/** A werift DTLS client (what a browser is to us) wired back to back with our endpoint. */
async function handshake(remoteFingerprint?: string) {
  const ours = await createDtlsIdentity();
  const browser = await createDtlsIdentity();
  const clientTransport = { type: 'udp', address: {}, closed: false, onData: (_d: Buffer) => {}, send: async (d: Buffer) => endpoint.receive(d), close: async () => {} };
  let keys: DtlsSrtpKeys | undefined;
  let failure: string | undefined;
  const endpoint = new DtlsSrtpEndpoint({
    certPem: ours.certPem,
    keyPem: ours.keyPem,
    remoteFingerprint: remoteFingerprint ?? browser.fingerprint,
    send: (d) => queueMicrotask(() => clientTransport.onData(d)),
    onKeys: (k) => (keys = k),
    onFailure: (r) => (failure = r),
  });
  const client = new DtlsClient({ transport: clientTransport as never, cert: browser.certPem, key: browser.keyPem, signatureHash: { signature: 3, hash: 4 }, srtpProfiles: [1] });
  let serverCert: Buffer | undefined;
  client.onConnect.subscribe(() => (serverCert = client.remoteCertificate));
  void client.connect().catch(() => undefined);
  for (let i = 0; i < 200 && !keys && !failure; i++) await new Promise((r) => setTimeout(r, 10));
  return { ours, keys, failure, client, serverCert };
}

test('a browser-side client completes the handshake; both ends derive the same SRTP keys (RFC 5764 §4.2)', async () => {
  const { ours, keys, failure, client, serverCert } = await handshake();
  assert.is(failure, undefined);
  assert.ok(keys);
  const km = client.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60);
  // The client protects with its key and salt: that is what we open with, and the reverse.
  assert.equal(keys!.recvKey, Buffer.concat([km.subarray(0, 16), km.subarray(32, 46)]));
  assert.equal(keys!.sendKey, Buffer.concat([km.subarray(16, 32), km.subarray(46, 60)]));
  // The certificate we present is the one our SDP fingerprint names.
  assert.is(`sha-256 ${new X509Certificate(serverCert!).fingerprint256}`, ours.fingerprint);
  client.close();
});

test("a peer whose certificate does not match its signalled fingerprint gets no keys", async () => {
  const other = await createDtlsIdentity();
  const { keys, failure, client } = await handshake(other.fingerprint);
  assert.is(keys, undefined);
  assert.match(failure ?? '', /does not match/);
  client.close();
});

/** The other way round (RFC 5763 §5): a peer that said a=setup:passive is the server, we the client. */
async function handshakeAsClient(remoteFingerprint?: string) {
  const ours = await createDtlsIdentity();
  const peer = await createDtlsIdentity();
  const serverTransport = { type: 'udp', address: {}, closed: false, onData: (_d: Buffer) => {}, send: async (d: Buffer) => endpoint.receive(d), close: async () => {} };
  let keys: DtlsSrtpKeys | undefined;
  let failure: string | undefined;
  const server = new DtlsServer({ transport: serverTransport as never, cert: peer.certPem, key: peer.keyPem, signatureHash: { signature: 3, hash: 4 }, srtpProfiles: [1], certificateRequest: true });
  let clientCert: Buffer | undefined;
  server.onConnect.subscribe(() => (clientCert = server.remoteCertificate));
  const endpoint = new DtlsSrtpEndpoint({
    role: 'client',
    certPem: ours.certPem,
    keyPem: ours.keyPem,
    remoteFingerprint: remoteFingerprint ?? peer.fingerprint,
    send: (d) => queueMicrotask(() => serverTransport.onData(d)),
    onKeys: (k) => (keys = k),
    onFailure: (r) => (failure = r),
  });
  endpoint.start();
  endpoint.start(); // once only
  for (let i = 0; i < 200 && !keys && !failure; i++) await new Promise((r) => setTimeout(r, 10));
  return { ours, keys, failure, server, clientCert, endpoint };
}

test('the client role (the peer said a=setup:passive): we start the handshake; keys the other way round (RFC 5764 §4.2)', async () => {
  const { ours, keys, failure, server, clientCert, endpoint } = await handshakeAsClient();
  assert.is(failure, undefined);
  assert.ok(keys, 'keys');
  assert.ok(endpoint.isClient);
  const km = server.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60);
  // As the client we protect with the client key and salt, and open with the server's.
  assert.equal(keys!.sendKey, Buffer.concat([km.subarray(0, 16), km.subarray(32, 46)]));
  assert.equal(keys!.recvKey, Buffer.concat([km.subarray(16, 32), km.subarray(46, 60)]));
  assert.is(`sha-256 ${new X509Certificate(clientCert!).fingerprint256}`, ours.fingerprint, 'we show the certificate our fingerprint names');
  server.close();
  endpoint.close();
});

test('the client role: a server whose certificate does not match its fingerprint gets no keys', async () => {
  const other = await createDtlsIdentity();
  const { keys, failure, server } = await handshakeAsClient(other.fingerprint);
  assert.is(keys, undefined);
  assert.match(failure ?? '', /does not match/);
  server.close();
});

test('parseFingerprint: sha-256 and sha-1, anything else refused', () => {
  assert.is(parseFingerprint('sha-256 ' + 'AB:'.repeat(31) + 'AB')!.value.length, 32);
  assert.is(parseFingerprint('SHA-1 ' + '0a:'.repeat(19) + '0a')!.hash, 'sha1');
  assert.is(parseFingerprint('sha-256 AB:CD'), undefined);
  assert.is(parseFingerprint('md5 ' + 'AB:'.repeat(15) + 'AB'), undefined);
});

test.run();
