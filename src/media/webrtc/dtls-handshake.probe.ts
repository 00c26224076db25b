/**
 * One-off cost probe of what a browser leg adds over an SDES-SRTP leg (not a test): the
 * ICE-lite check and the DTLS-SRTP handshake, once per call. Both ends run in this one
 * thread (our DtlsSrtpEndpoint as the server, werift's DtlsClient as the browser), so the
 * CPU time per handshake is an upper bound of the PBX's share. After the handshake a
 * browser leg's packets take the SDES-SRTP path (leg-srtp.ts) plus a one-octet demux
 * check, which srtp-cost.probe.ts and bench/media's srtp scenario measure.
 *
 *   node --import tsx src/media/webrtc/dtls-handshake.probe.ts [handshakes=50]
 */
import { randomBytes } from 'node:crypto';
import { DtlsClient } from 'werift-dtls/lib/dtls/src/index.js';
import { createDtlsIdentity } from './dtls-identity.js';
import { DtlsSrtpEndpoint } from './dtls-srtp-endpoint.js';
import { answerIceCheck, bindingRequest } from './ice-lite-check.js';

const n = Number(process.argv[2] ?? 50);
const ours = await createDtlsIdentity();
const browser = await createDtlsIdentity();

async function handshake(): Promise<void> {
  const clientTransport = { type: 'udp', address: {}, closed: false, onData: (_d: Buffer) => {}, send: async (d: Buffer) => server.receive(d), close: async () => {} };
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const server = new DtlsSrtpEndpoint({
    certPem: ours.certPem,
    keyPem: ours.keyPem,
    remoteFingerprint: browser.fingerprint,
    send: (d) => queueMicrotask(() => clientTransport.onData(d)),
    onKeys: () => done(),
    onFailure: (reason) => {
      throw new Error(reason);
    },
  });
  const client = new DtlsClient({ transport: clientTransport as never, cert: browser.certPem, key: browser.keyPem, signatureHash: { signature: 3, hash: 4 }, srtpProfiles: [1] });
  void client.connect();
  await finished;
  client.close();
  server.close();
}

const creds = { localUfrag: 'pbx1', localPwd: 'pbx-ice-password-0123456', remoteUfrag: 'brw1' };
const check = bindingRequest(randomBytes(12), 'pbx1:brw1', creds.localPwd);
const c0 = process.cpuUsage();
const checks = 20_000;
for (let i = 0; i < checks; i++) answerIceCheck(check, { address: '192.0.2.2', port: 50_000 }, creds);
const ci = process.cpuUsage(c0);
console.log(`ICE-lite check answered: ${((ci.user + ci.system) / checks).toFixed(1)} µs each`);

await handshake(); // warm-up
const t0 = process.cpuUsage();
const w0 = performance.now();
for (let i = 0; i < n; i++) await handshake();
const t = process.cpuUsage(t0);
const ms = (t.user + t.system) / 1000 / n;
console.log(`DTLS-SRTP handshake, both ends in one thread: ${ms.toFixed(1)} ms CPU each (${(1000 / ms).toFixed(0)} per core-second), wall ${((performance.now() - w0) / n).toFixed(1)} ms each`);
