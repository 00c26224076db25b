// One thread of the bare Node dgram relay (bench/media's ceiling, issue 13 point 3): for each of
// its calls two UDP sockets; whatever arrives on one is sent on from the other to the far end's
// address given at setup. No parsing, no latching, no counters beyond a packet count: what Node's
// own UDP receive + send costs, the floor under any relay written in JavaScript on this runtime.
import { createSocket } from 'node:dgram';
import { parentPort } from 'node:worker_threads';

/** @type {import('node:dgram').Socket[]} */
let socks = [];
let packets = 0;

function bind(address) {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type: 'udp4', recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
    s.once('error', reject);
    s.bind(0, address, () => {
      s.off('error', reject);
      s.on('error', () => undefined);
      resolve(s);
    });
  });
}

/** calls: [{ a: { host, port }, b: { host, port } }] (the generator's two legs); answers our two ports per call. */
async function setup(calls, address) {
  const ports = [];
  for (const c of calls) {
    const sa = await bind(address);
    const sb = await bind(address);
    sa.on('message', (msg) => {
      packets++;
      sb.send(msg, c.b.port, c.b.host);
    });
    sb.on('message', (msg) => {
      packets++;
      sa.send(msg, c.a.port, c.a.host);
    });
    socks.push(sa, sb);
    ports.push(sa.address().port, sb.address().port);
  }
  return ports;
}

parentPort.on('message', async (m) => {
  try {
    if (m.cmd === 'setup') parentPort.postMessage({ type: 'ports', ports: await setup(m.calls, m.address) });
    else if (m.cmd === 'teardown') {
      for (const s of socks) s.close();
      socks = [];
      parentPort.postMessage({ type: 'done' });
    } else if (m.cmd === 'load') parentPort.postMessage({ type: 'load', packets });
  } catch (err) {
    parentPort.postMessage({ type: 'error', error: String(err?.stack ?? err) });
  }
});
