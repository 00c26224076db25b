// A client for rtpengine's ng control protocol over UDP: "<cookie> <bencoded dict>" both ways
// (rtpengine's docs/ng_control_protocol.md). One socket, requests matched by cookie, every
// request bounded by a timeout and retried once (UDP).
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { bdecode, bencode } from './bencode.mjs';

export class NgClient {
  /** @param {{ host: string, port: number, timeoutMs?: number }} o */
  constructor(o) {
    this.o = { timeoutMs: 3000, ...o };
    this.pending = new Map();
    this.sock = createSocket('udp4');
    this.sock.on('message', (msg) => {
      const sp = msg.indexOf(0x20);
      if (sp <= 0) return;
      const cookie = msg.subarray(0, sp).toString('latin1');
      const p = this.pending.get(cookie);
      if (!p) return;
      this.pending.delete(cookie);
      clearTimeout(p.timer);
      try {
        p.resolve(bdecode(msg.subarray(sp + 1)));
      } catch (err) {
        p.reject(err);
      }
    });
    this.sock.on('error', () => {});
    this.ready = new Promise((resolve) => this.sock.bind(0, '127.0.0.1', resolve));
  }

  /** @returns {Promise<Record<string, unknown>>} the reply dictionary; rejects on result=error */
  async request(dict) {
    await this.ready;
    const cookie = randomBytes(6).toString('hex');
    const data = Buffer.concat([Buffer.from(cookie + ' '), bencode(dict)]);
    const attempt = () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          this.pending.delete(cookie);
          reject(new Error(`ng ${dict.command}: no reply in ${this.o.timeoutMs} ms`));
        }, this.o.timeoutMs);
        this.pending.set(cookie, { resolve, reject, timer });
        this.sock.send(data, this.o.port, this.o.host);
      });
    let reply;
    try {
      reply = await attempt();
    } catch {
      reply = await attempt();
    }
    if (reply?.result === 'error') throw new Error(`ng ${dict.command}: ${reply['error-reason'] ?? 'error'}`);
    return reply;
  }

  ping() {
    return this.request({ command: 'ping' });
  }

  close() {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    try {
      this.sock.close();
    } catch {
      /* closed */
    }
  }
}

/** A minimal audio SDP offering PCMU/8000 from host:port. */
export function pcmuSdp(host, port, id = 1) {
  return ['v=0', `o=- ${id} 1 IN IP4 ${host}`, 's=-', `c=IN IP4 ${host}`, 't=0 0', `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');
}

/** The audio address of an SDP body. */
export function sdpAudio(sdp) {
  const m = /^m=audio (\d+) /m.exec(sdp);
  const c = /^c=IN IP4 (\S+)/m.exec(sdp.slice(m?.index ?? 0)) ?? /^c=IN IP4 (\S+)/m.exec(sdp);
  return m && c ? { host: c[1], port: Number(m[1]) } : undefined;
}
