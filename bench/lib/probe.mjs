// Is a SIP server answering on host:port? Sends OPTIONS over UDP every 250 ms until any SIP
// response comes back (a 200, a 404 for an unknown domain: anything proves it is up).
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';

function optionsRequest(host, port, localPort, domain) {
  const branch = 'z9hG4bK' + randomBytes(8).toString('hex');
  const tag = randomBytes(4).toString('hex');
  const callId = randomBytes(8).toString('hex') + '@bench-probe';
  return [
    `OPTIONS sip:${domain} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${localPort};rport;branch=${branch}`,
    'Max-Forwards: 70',
    `From: <sip:probe@${domain}>;tag=${tag}`,
    `To: <sip:${domain}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    'Accept: application/sdp',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/**
 * @returns {Promise<string|undefined>} the status line of the first reply, or undefined when
 * nothing answered within timeoutMs (or `isAlive()` turned false: the server died).
 */
export function waitForSip(host, port, { timeoutMs = 30_000, domain = host, isAlive = () => true } = {}) {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    let done = false;
    let interval;
    let deadline;
    const finish = (v) => {
      if (done) return;
      done = true;
      clearInterval(interval);
      clearTimeout(deadline);
      try {
        sock.close();
      } catch {
        /* closed */
      }
      resolve(v);
    };
    sock.on('error', () => finish(undefined));
    sock.on('message', (msg) => {
      const first = msg.subarray(0, 200).toString('latin1').split('\r\n')[0];
      if (first.startsWith('SIP/2.0 ')) finish(first);
    });
    sock.bind(0, '127.0.0.1', () => {
      const send = () => {
        if (!isAlive()) return finish(undefined);
        const req = optionsRequest(host, port, sock.address().port, domain);
        sock.send(req, port, host, () => {});
      };
      send();
      interval = setInterval(send, 250);
      deadline = setTimeout(() => finish(undefined), timeoutMs);
    });
  });
}
