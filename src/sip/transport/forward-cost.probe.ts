/**
 * Probe (not a test): what the main thread pays per forwarded datagram, a parse of the
 * raw bytes against the deserialization of an already parsed message (structured clone,
 * what postMessage does). Run: node_modules/.bin/node --import tsx src/sip/transport/forward-cost.probe.ts
 */
import { parseMessage } from '../message/parse.js';

const register = Buffer.from(
  'REGISTER sip:acme.example SIP/2.0\r\n' +
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1-2-3;rport\r\n' +
    'Max-Forwards: 70\r\nFrom: <sip:1001@acme.example>;tag=abc123\r\nTo: <sip:1001@acme.example>\r\n' +
    'Call-ID: 1-2345@127.0.0.1\r\nCSeq: 2 REGISTER\r\nContact: <sip:1001@127.0.0.1:5070;transport=udp>\r\nExpires: 3600\r\n' +
    'Authorization: Digest username="1001",realm="acme.example",nonce="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",uri="sip:acme.example",response="0123456789abcdef0123456789abcdef",algorithm=MD5\r\n' +
    'User-Agent: probe\r\nContent-Length: 0\r\n\r\n',
);
const N = 200_000;
const parsed = parseMessage(register);
if (!parsed.ok) throw new Error('probe message does not parse');
let t = performance.now();
for (let i = 0; i < N; i++) parseMessage(register);
const parseUs = ((performance.now() - t) * 1000) / N;
t = performance.now();
for (let i = 0; i < N; i++) structuredClone(parsed.message);
const cloneUs = ((performance.now() - t) * 1000) / N; // serialize + deserialize: an upper bound for main's half
t = performance.now();
for (let i = 0; i < N; i++) structuredClone(register);
const bytesUs = ((performance.now() - t) * 1000) / N;
console.log(JSON.stringify({ parseUs: +parseUs.toFixed(2), cloneParsedUs: +cloneUs.toFixed(2), cloneBytesUs: +bytesUs.toFixed(2) }));
