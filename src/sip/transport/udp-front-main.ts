/**
 * Entry of a SIP front thread (spawned by udp-front-spawn.ts): runs one UdpFront, posts
 * its counters twice a second, and ends when told to stop. An uncaught error ends the
 * thread; the main thread's UdpFrontPool starts a new one.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromFront, ToFront, UdpFrontInit } from './udp-front-protocol.js';
import { UdpFront } from './udp-front.js';

const port = parentPort;
if (!port) throw new Error('udp-front-main runs in a worker thread');
const post = (msg: FromFront, transfer?: ArrayBuffer[]): void => port.postMessage(msg, transfer ?? []);
const front = new UdpFront(workerData as UdpFrontInit, post);
const timer = setInterval(() => post({ type: 'stats', stats: { ...front.stats } }), 500);
port.on('message', (msg: ToFront) => {
  if (msg.type === 'stop') {
    clearInterval(timer);
    post({ type: 'stats', stats: { ...front.stats } });
    void front.stop().then(() => port.close());
    return;
  }
  front.handle(msg);
});
front.start().then(
  () => post({ type: 'ready' }),
  (err: unknown) => {
    post({ type: 'log', level: 'error', message: 'sip front thread could not bind its sockets', detail: (err as Error).message });
    throw err;
  },
);
