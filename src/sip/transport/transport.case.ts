/**
 * The cases every transport must pass, run by udp.test.ts, tcp.test.ts and tls.test.ts
 * with real sockets on 127.0.0.1 and plain node clients on the other end (the shape of
 * Hono's common.case.test.ts). Time moves only through the FakeClock.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { getHeader } from '../message/headers.js';
import { parseMessage } from '../message/parse.js';
import { createResponse } from '../message/response.js';
import type { SipMessage, SipRequest } from '../message/types.js';
import { FakeClock } from '../../util/fake-clock.js';
import { silentLogger } from '../../util/logger.js';
import { connectClient, guard, listenPeer, pseudoRandomBytes, TEST_CERT, TEST_KEY, tick, waitUntil, type RawClient } from './test-peers.js';
import { TransportError } from './transport-error.js';
import { TransportLayer, type AdmitVerdict, type TransportLayerOptions } from './transport-layer.js';
import type { Inbound, TransportProtocol } from './types.js';

export interface Harness {
  layer: TransportLayer;
  clock: FakeClock;
  protocol: TransportProtocol;
  /** Port of the listener under test. */
  port: number;
  /** Everything onMessage received, in order. */
  received: Inbound[];
  nextInbound(): Promise<Inbound>;
  /** What admit() answers; every call is recorded. */
  verdict: AdmitVerdict;
  admitCalls: string[];
  client(): Promise<RawClient>;
}

/** Start a layer with one listener of `protocol` on 127.0.0.1:0, run fn, and always clean up. */
export async function withLayer(protocol: TransportProtocol, over: Partial<TransportLayerOptions>, fn: (h: Harness) => Promise<void>): Promise<void> {
  const clock = new FakeClock();
  const received: Inbound[] = [];
  const waiters: Array<() => void> = [];
  const clients: RawClient[] = [];
  let read = 0;
  const h = {} as Harness;
  const layer = new TransportLayer({
    listen: [{ protocol, host: '127.0.0.1', port: 0 }],
    tls: { cert: TEST_CERT, key: TEST_KEY, ca: TEST_CERT },
    clock,
    logger: silentLogger,
    onMessage: (inbound) => {
      received.push(inbound);
      for (const w of waiters.splice(0)) w();
    },
    admit: (address) => {
      h.admitCalls.push(address);
      return h.verdict;
    },
    ...over,
  });
  await layer.start();
  Object.assign(h, {
    layer,
    clock,
    protocol,
    port: layer.localEndpoints()[0]!.port,
    received,
    verdict: 'ok',
    admitCalls: [],
    async nextInbound() {
      while (read >= received.length) await guard(new Promise<void>((r) => waiters.push(r)), 'a message at onMessage');
      return received[read++]!;
    },
    async client() {
      const c = await connectClient(protocol, h.port);
      clients.push(c);
      return c;
    },
  } satisfies Harness);
  try {
    await fn(h);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await layer.stop();
  }
}

let seq = 0;

/** A well-formed request unless told otherwise. */
const BAD_MAX_FORWARDS = { omit: ['Max-Forwards'], extra: ['Max-Forwards: lots'] };

export function sipRequest(
  protocol: TransportProtocol,
  o: { method?: string; via?: string; callId?: string; omit?: string[]; extra?: string[]; body?: string; contentLength?: string } = {},
): string {
  const method = o.method ?? 'OPTIONS';
  const callId = o.callId ?? `call-${++seq}-${Date.now()}`;
  const via = o.via ?? `SIP/2.0/${protocol.toUpperCase()} 192.0.2.1:5099;rport;branch=z9hG4bK${callId}`;
  const lines = [
    `${method} sip:acme.example SIP/2.0`,
    `Via: ${via}`,
    'Max-Forwards: 70',
    'From: <sip:1001@acme.example>;tag=a1',
    'To: <sip:acme.example>',
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
  ].filter((l) => !(o.omit ?? []).some((name) => l.startsWith(name + ':')));
  lines.push(...(o.extra ?? []));
  const body = o.body ?? '';
  lines.push(`Content-Length: ${o.contentLength ?? Buffer.byteLength(body)}`);
  return lines.join('\r\n') + '\r\n\r\n' + body;
}

/** Parse what a client read; fail the test if it is not SIP. */
export function parsed(text: string): SipMessage {
  const r = parseMessage(Buffer.from(text), { framed: false });
  if (!r.ok) throw new Error(`not a SIP message (${r.error}): ${JSON.stringify(text.slice(0, 200))}`);
  return r.message;
}

const callIdOf = (m: SipMessage) => getHeader(m, 'call-id');

export function transportCases(protocol: TransportProtocol): void {
  const stream = protocol !== 'udp';
  const P = protocol.toUpperCase();
  const name = (s: string) => `${protocol}: ${s}`;

  // ---- every transport ---------------------------------------------------------------

  test(name('a request arrives parsed, with its source, the local listener and (streams) a connection id'), () =>
    withLayer(protocol, {}, async (h) => {
      const c = await h.client();
      await c.write(sipRequest(protocol, { callId: 'arrive-1' }));
      const i = await h.nextInbound();
      assert.is(i.message.kind, 'request');
      assert.is(callIdOf(i.message), 'arrive-1');
      assert.equal(i.source, { protocol, address: '127.0.0.1', port: c.localPort });
      assert.equal(i.local, h.layer.localEndpoints()[0]);
      assert.is(i.receivedAt, h.clock.now());
      if (stream) assert.type(i.connectionId, 'string');
      else assert.is(i.connectionId, undefined);
      assert.is(h.layer.stats().received, 1);
    }),
  );

  test(name('the top Via gets received and rport (RFC 3261 §18.2.1, RFC 3581 §4); a second value on the same line is untouched'), () =>
    withLayer(protocol, {}, async (h) => {
      const c = await h.client();
      const via = `SIP/2.0/${P} 192.0.2.1:5099;rport;branch=z9hG4bKtop, SIP/2.0/${P} 10.9.9.9:5060;rport;branch=z9hG4bKsecond`;
      await c.write(sipRequest(protocol, { via }));
      const i = await h.nextInbound();
      assert.is(
        getHeader(i.message, 'via'),
        `SIP/2.0/${P} 192.0.2.1:5099;rport=${c.localPort};branch=z9hG4bKtop;received=127.0.0.1, SIP/2.0/${P} 10.9.9.9:5060;rport;branch=z9hG4bKsecond`,
      );
    }),
  );

  test(name(stream ? 'a response goes back over the connection the request came in on' : 'a response goes back to the source port named by rport, from the listening socket'), () =>
    withLayer(protocol, {}, async (h) => {
      const c = await h.client();
      await c.write(sipRequest(protocol, { callId: 'answer-me' }));
      const i = await h.nextInbound();
      const target = h.layer.responseTarget(i);
      if (stream) assert.is(target.connectionId, i.connectionId);
      else assert.equal([target.address, target.port], ['127.0.0.1', c.localPort]);
      await h.layer.send(createResponse(i.message as SipRequest, 200), target);
      const r = parsed(await c.readMessage());
      assert.ok(r.kind === 'response' && r.status === 200);
      assert.is(callIdOf(r), 'answer-me');
      assert.ok(getHeader(r, 'via')!.includes(`rport=${c.localPort}`), 'the stamped Via is echoed');
    }),
  );

  test(name('a malformed request gets a stateless 400 naming the problem, and the transport keeps serving'), () =>
    withLayer(protocol, { serverHeader: 'pbx-test/1' }, async (h) => {
      const c = await h.client();
      await c.write(sipRequest(protocol, { callId: 'bad-mf', ...BAD_MAX_FORWARDS }));
      const r = parsed(await c.readMessage());
      assert.ok(r.kind === 'response' && r.status === 400);
      assert.ok(r.kind === 'response' && r.reason.includes('Max-Forwards'), r.kind === 'response' ? r.reason : '');
      assert.is(callIdOf(r), 'bad-mf');
      assert.is(getHeader(r, 'server'), 'pbx-test/1');
      assert.is(h.received.length, 0, 'never reaches onMessage');
      await c.write(sipRequest(protocol, { callId: 'after-400' }));
      assert.is(callIdOf((await h.nextInbound()).message), 'after-400');
      assert.is(h.layer.stats().parseErrors, 1);
      assert.is(h.layer.stats().rejectedMessages, 1);
    }),
  );

  test(name('random bytes never crash the transport; it is closed (streams) and the next peer is served'), () =>
    withLayer(protocol, {}, async (h) => {
      const c = await h.client();
      if (stream) {
        await c.write(pseudoRandomBytes(64 * 1024, 0xc0ffee));
        // Framing fails (closed at once) or garbage waits in the buffer until the first-message grace ends.
        await tick();
        h.clock.advance(60_000);
        await guard(c.closed, 'the connection to close');
        assert.is(h.layer.stats().connections, 0);
      } else {
        for (let k = 0; k < 20; k++) await c.write(pseudoRandomBytes(1 + ((k * 97) % 1400), k + 1));
      }
      const d = await h.client();
      await d.write(sipRequest(protocol, { callId: 'after-noise' }));
      assert.is(callIdOf((await h.nextInbound()).message), 'after-noise');
      assert.is(h.received.length, 1, 'none of the noise reached onMessage');
      if (!stream) assert.is(h.layer.stats().parseErrors, 20);
    }),
  );

  test(name(stream ? 'a header section that never ends closes the connection without an answer' : 'an oversized header section is dropped without an answer'), () =>
    withLayer(protocol, {}, async (h) => {
      const c = await h.client();
      const junk = `OPTIONS sip:acme.example SIP/2.0\r\nVia: SIP/2.0/${P} 192.0.2.1;branch=z9hG4bKj\r\nX-Junk: ${'a'.repeat(40_000)}`;
      await c.write(junk);
      if (stream) {
        await guard(c.closed, 'the connection to close');
        assert.is(h.layer.stats().parseErrors, 1);
      } else {
        // The next datagram the client gets is the answer to this probe, not to the junk.
        await c.write(sipRequest(protocol, { callId: 'probe', ...BAD_MAX_FORWARDS }));
        assert.is(callIdOf(parsed(await c.readMessage())), 'probe');
        assert.is(h.layer.stats().dropped, 1);
      }
      assert.is(h.received.length, 0);
    }),
  );

  test(name(stream ? 'a negative Content-Length gets a 400, then the connection is closed (RFC 4475 §3.1.2.3)' : 'a negative Content-Length gets a 400 (RFC 4475 §3.1.2.3)'), () =>
    withLayer(protocol, {}, async (h) => {
      const c = await h.client();
      await c.write(sipRequest(protocol, { callId: 'neg-cl', contentLength: '-999' }) + 'body');
      const r = parsed(await c.readMessage());
      assert.ok(r.kind === 'response' && r.status === 400 && r.reason.includes('Content-Length'));
      assert.is(callIdOf(r), 'neg-cl');
      if (stream) await guard(c.closed, 'the connection to close');
      const d = await h.client();
      await d.write(sipRequest(protocol, { callId: 'after-neg' }));
      assert.is(callIdOf((await h.nextInbound()).message), 'after-neg');
    }),
  );

  test(name("admit() is asked before parsing; 'banned' and 'throttled' drop silently"), () =>
    withLayer(protocol, {}, async (h) => {
      if (stream) {
        h.verdict = 'banned';
        const c = await h.client();
        await guard(c.closed, 'the banned connection to close');
        assert.is(h.layer.stats().rejectedConnections, 1);
        h.verdict = 'ok';
        const d = await h.client();
        await d.write(sipRequest(protocol, { callId: 'before-throttle' }));
        await h.nextInbound();
        h.verdict = 'throttled';
        await d.write(sipRequest(protocol, { callId: 'throttled' }));
        await waitUntil(() => h.layer.stats().dropped === 1, 'the throttled message is dropped');
        h.verdict = 'ok';
        await d.write(sipRequest(protocol, { callId: 'after-throttle' }));
        assert.is(callIdOf((await h.nextInbound()).message), 'after-throttle', 'a throttled source keeps its connection');
        h.verdict = 'banned';
        await d.write(sipRequest(protocol, { callId: 'banned-mid-stream' }));
        await guard(d.closed, 'the connection of a source banned meanwhile to close');
      } else {
        h.verdict = 'banned';
        const c = await h.client();
        await c.write(sipRequest(protocol, { callId: 'banned' }));
        await waitUntil(() => h.admitCalls.length === 1, 'admit() is asked');
        await tick();
        assert.is(h.layer.stats().dropped, 1);
        h.verdict = 'ok';
        await c.write(sipRequest(protocol, { callId: 'allowed' }));
        assert.is(callIdOf((await h.nextInbound()).message), 'allowed');
      }
      assert.is(h.received.length, stream ? 2 : 1, 'nothing from a banned or throttled source reached onMessage');
      assert.ok(h.admitCalls.every((a) => a === '127.0.0.1'));
    }),
  );

  test(name(stream ? 'a request we send opens one connection, reuses it, and the responses come back through onMessage' : 'a request we send reaches the peer and its response comes back through onMessage'), () =>
    withLayer(protocol, {}, async (h) => {
      const peer = await listenPeer(protocol);
      try {
        const target = { protocol, address: '127.0.0.1', port: peer.port };
        const ids: Array<string | undefined> = [];
        for (const callId of ['out-1', 'out-2']) {
          const via = `SIP/2.0/${P} 127.0.0.1:${h.port};branch=z9hG4bK${callId}`;
          const req = parsed(sipRequest(protocol, { callId, via })) as SipRequest;
          await h.layer.send(req, target);
          const got = await peer.next();
          const seen = parsed(got.text) as SipRequest;
          assert.is(callIdOf(seen), callId);
          got.reply(sipResponseText(seen));
          const i = await h.nextInbound();
          assert.ok(i.message.kind === 'response' && i.message.status === 200);
          assert.is(callIdOf(i.message), callId);
          assert.equal([i.source.address, i.source.port], ['127.0.0.1', peer.port]);
          ids.push(i.connectionId);
        }
        if (stream) {
          assert.is(peer.accepted, 1, 'the second request reused the connection');
          assert.type(ids[0], 'string');
          assert.is(ids[1], ids[0]);
          assert.is(h.layer.stats().connections, 1);
        }
        assert.is(h.layer.stats().sent, 2);
      } finally {
        await peer.close();
      }
    }),
  );

  test(name('stop() closes the listener and every connection, and the port is free again'), async () => {
    let port = 0;
    let client: RawClient | undefined;
    let layer: TransportLayer | undefined;
    await withLayer(protocol, {}, async (h) => {
      port = h.port;
      layer = h.layer;
      client = await h.client();
      await client.write(sipRequest(protocol));
      await h.nextInbound();
      await h.layer.stop();
      if (stream) await guard(client.closed, 'the client connection to close');
      assert.is(h.layer.stats().connections, 0);
    });
    const sent = layer!.send(parsed(sipRequest(protocol)), { protocol, address: '127.0.0.1', port });
    await sent.then(
      () => assert.unreachable('send after stop must reject'),
      (err: unknown) => assert.instance(err, TransportError),
    );
    await rebind(protocol, port);
  });

  // ---- UDP only ----------------------------------------------------------------------

  if (!stream) {
    test(name('without rport the response goes to the sent-by port (RFC 3261 §18.2.2)'), () =>
      withLayer(protocol, {}, async (h) => {
        const sender = await h.client();
        const listener = await h.client();
        await sender.write(sipRequest(protocol, { callId: 'sent-by', via: `SIP/2.0/UDP 127.0.0.1:${listener.localPort};branch=z9hG4bKsb` }));
        const i = await h.nextInbound();
        assert.is(getHeader(i.message, 'via'), `SIP/2.0/UDP 127.0.0.1:${listener.localPort};branch=z9hG4bKsb`, 'sent-by is the source: no received');
        await h.layer.send(createResponse(i.message as SipRequest, 200), h.layer.responseTarget(i));
        assert.is(callIdOf(parsed(await listener.readMessage())), 'sent-by');
      }),
    );

    test(name('octets after Content-Length are ignored (RFC 4475 §3.1.1.8)'), () =>
      withLayer(protocol, {}, async (h) => {
        const c = await h.client();
        await c.write(sipRequest(protocol, { body: 'abcd' }) + 'TRAILING JUNK\r\n\r\nmore');
        const i = await h.nextInbound();
        assert.is(i.message.body.toString(), 'abcd');
      }),
    );

    test(name('a CRLF keep-alive datagram is ignored, not counted as an error'), () =>
      withLayer(protocol, {}, async (h) => {
        const c = await h.client();
        await c.write('\r\n\r\n');
        await c.write('\r\n');
        await c.write(sipRequest(protocol, { callId: 'after-keepalive' }));
        assert.is(callIdOf((await h.nextInbound()).message), 'after-keepalive');
        assert.is(h.layer.stats().parseErrors, 0);
        assert.is(h.layer.stats().dropped, 0);
        assert.is(h.admitCalls.length, 1, 'keep-alives are not messages');
      }),
    );
  }

  // ---- streams only ------------------------------------------------------------------

  if (stream) {
    test(name('a message split across many small writes arrives whole'), () =>
      withLayer(protocol, {}, async (h) => {
        const c = await h.client();
        const text = sipRequest(protocol, { callId: 'split', body: 'v=0\r\n' });
        for (let k = 0; k < text.length; k += 7) await c.write(text.slice(k, k + 7));
        const i = await h.nextInbound();
        assert.is(callIdOf(i.message), 'split');
        assert.is(i.message.body.toString(), 'v=0\r\n');
      }),
    );

    test(name('two messages in one write arrive as two'), () =>
      withLayer(protocol, {}, async (h) => {
        const c = await h.client();
        await c.write(sipRequest(protocol, { callId: 'first', body: 'x' }) + sipRequest(protocol, { callId: 'second' }));
        assert.is(callIdOf((await h.nextInbound()).message), 'first');
        assert.is(callIdOf((await h.nextInbound()).message), 'second');
        await tick();
        assert.is(h.received.length, 2);
      }),
    );

    test(name('a CRLF CRLF keep-alive ping is answered with a CRLF pong (RFC 5626 §3.5.1)'), () =>
      withLayer(protocol, {}, async (h) => {
        const c = await h.client();
        await c.write('\r\n\r\n');
        assert.is((await c.readBytes(2)).toString(), '\r\n');
        await c.write(sipRequest(protocol, { callId: 'after-ping' }));
        assert.is(callIdOf((await h.nextInbound()).message), 'after-ping');
      }),
    );

    test(name('an idle connection is closed by the sweep, not before'), () =>
      withLayer(protocol, { limits: { idleConnectionMs: 5_000 } }, async (h) => {
        const c = await h.client();
        await c.write(sipRequest(protocol));
        await h.nextInbound();
        h.clock.advance(4_000);
        assert.is(h.layer.stats().connections, 1);
        assert.not.ok(c.isClosed());
        h.clock.advance(2_000);
        assert.is(h.layer.stats().connections, 0);
        assert.is(h.layer.stats().expiredConnections, 1);
        await guard(c.closed, 'the idle connection to close');
      }),
    );

    test(name('a connection that delivers no message within the grace is closed; pings do not buy time'), () =>
      withLayer(protocol, { limits: { idleConnectionMs: 60_000, firstMessageMs: 2_000 } }, async (h) => {
        const silent = await h.client();
        await silent.write('\r\n\r\n');
        await silent.readBytes(2);
        const talker = await h.client();
        await talker.write(sipRequest(protocol));
        await h.nextInbound();
        h.clock.advance(2_500);
        await guard(silent.closed, 'the silent connection to close');
        assert.not.ok(talker.isClosed());
        await talker.write(sipRequest(protocol, { callId: 'still-open' }));
        assert.is(callIdOf((await h.nextInbound()).message), 'still-open');
      }),
    );

    test(name('per-source cap: the extra connection is closed at once; trusted sources are exempt'), async () => {
      await withLayer(protocol, { limits: { maxConnectionsPerSource: 2 } }, async (h) => {
        const a = await h.client();
        const b = await h.client();
        await waitUntil(() => h.layer.stats().connections === 2, 'two connections are open');
        const extra = await h.client();
        await guard(extra.closed, 'the connection over the cap to close');
        assert.is(h.layer.stats().rejectedConnections, 1);
        await a.write(sipRequest(protocol));
        await b.write(sipRequest(protocol));
        await h.nextInbound();
        await h.nextInbound();
      });
      await withLayer(protocol, { limits: { maxConnectionsPerSource: 2 }, isTrusted: (addr) => addr === '127.0.0.1' }, async (h) => {
        const cs = [await h.client(), await h.client(), await h.client()];
        for (const c of cs) await c.write(sipRequest(protocol));
        for (let k = 0; k < 3; k++) await h.nextInbound();
        assert.is(h.layer.stats().connections, 3);
        assert.is(h.layer.stats().rejectedConnections, 0);
      });
    });

    test(name('at the total cap a newcomer evicts the idle unpinned connection; pinned ones are kept, and with only those left it is refused'), () =>
      withLayer(protocol, { limits: { maxConnections: 2 }, isTrusted: () => true }, async (h) => {
        const phone = await h.client();
        await phone.write(sipRequest(protocol, { callId: 'phone' }));
        const phoneConn = (await h.nextInbound()).connectionId!;
        assert.ok(h.layer.pinConnection(phoneConn), 'the upper layer pins the phone connection');
        const stranger = await h.client();
        await waitUntil(() => h.layer.stats().connections === 2, 'two connections are open');
        h.clock.advance(100);
        const newcomer = await h.client();
        await guard(stranger.closed, 'the idle stranger to be evicted');
        await newcomer.write(sipRequest(protocol, { callId: 'newcomer' }));
        assert.is(callIdOf((await h.nextInbound()).message), 'newcomer', 'the newcomer is served');
        assert.is(h.layer.stats().evictedConnections, 1);
        assert.not.ok(phone.isClosed());
        h.layer.pinConnection((h.received.at(-1) as Inbound).connectionId!);
        const extra = await h.client();
        await guard(extra.closed, 'the connection over the total cap to close: both are pinned');
        assert.is(h.layer.stats().connections, 2);
        assert.not.ok(phone.isClosed());
      }),
    );

    test(name('a trickled header or a short body is closed at the message deadline, whatever the traffic'), () =>
      withLayer(protocol, { limits: { idleConnectionMs: 600_000, unpinnedIdleMs: 600_000, messageDeadlineMs: 10_000 } }, async (h) => {
        const trickler = await h.client();
        const shortBody = await h.client();
        const whole = await h.client();
        await whole.write(sipRequest(protocol, { callId: 'first' }));
        await h.nextInbound();
        const text = sipRequest(protocol, { callId: 'trickled' });
        await shortBody.write(sipRequest(protocol, { callId: 'short', body: 'v=0\r\n', contentLength: '500' }));
        // Real time only lets each octet reach the server; the clock is what moves the deadline.
        const settle = () => new Promise((r) => setTimeout(r, 20));
        for (let i = 0; i < 4; i++) {
          await trickler.write(text.slice(i, i + 1));
          await settle();
          h.clock.advance(2_000); // each octet well within any idle timeout
        }
        await settle();
        assert.not.ok(trickler.isClosed(), 'within the deadline the trickler is still served');
        assert.not.ok(shortBody.isClosed());
        h.clock.advance(3_000);
        await guard(trickler.closed, 'the trickling connection to close at the deadline');
        await guard(shortBody.closed, 'the short-body connection to close at the deadline');
        assert.not.ok(whole.isClosed(), 'a connection between messages has no deadline');
        assert.is(h.received.length, 1);
        await whole.write(sipRequest(protocol, { callId: 'still-served' }));
        assert.is(callIdOf((await h.nextInbound()).message), 'still-served');
      }),
    );

    test(name('an unpinned connection is closed after the short idle timeout, a pinned one only after the long one'), () =>
      withLayer(protocol, { limits: { idleConnectionMs: 60_000, unpinnedIdleMs: 5_000 } }, async (h) => {
        const stranger = await h.client();
        const phone = await h.client();
        await stranger.write(sipRequest(protocol, { callId: 'stranger' }));
        await h.nextInbound();
        await phone.write(sipRequest(protocol, { callId: 'phone' }));
        h.layer.pinConnection((await h.nextInbound()).connectionId!);
        h.clock.advance(6_000);
        await guard(stranger.closed, 'the unpinned connection to close');
        assert.not.ok(phone.isClosed());
        h.clock.advance(55_000);
        await guard(phone.closed, 'the pinned connection to close after the long idle timeout');
      }),
    );

    test(name('pings keep a pinned flow open (RFC 5626 §4.4.1) but not a stranger: sip.tcp.idleSeconds still closes a connection that only pings'), () =>
      withLayer(protocol, { limits: { idleConnectionMs: 60_000, unpinnedIdleMs: 5_000 } }, async (h) => {
        const stranger = await h.client();
        const phone = await h.client();
        await stranger.write(sipRequest(protocol, { callId: 'stranger' }));
        await h.nextInbound();
        await phone.write(sipRequest(protocol, { callId: 'phone' }));
        h.layer.pinConnection((await h.nextInbound()).connectionId!);
        // Every 3 s both send a ping and get their pong, for 12 s: past the short idle timeout.
        for (let t = 0; t < 4 && !stranger.isClosed(); t++) {
          h.clock.advance(3_000);
          if (stranger.isClosed()) break;
          await stranger.write('\r\n\r\n');
          await phone.write('\r\n\r\n');
          assert.is((await phone.readBytes(2)).toString(), '\r\n');
        }
        await guard(stranger.closed, 'the stranger that only pings to be closed');
        // The phone's pings count: 70 s of pings every 30 s and it is still open, past the 60 s idle limit.
        for (let t = 0; t < 3; t++) {
          h.clock.advance(25_000);
          await phone.write('\r\n\r\n');
          assert.is((await phone.readBytes(2)).toString(), '\r\n');
        }
        assert.not.ok(phone.isClosed());
        await phone.write(sipRequest(protocol, { callId: 'phone-again' }));
        assert.is(callIdOf((await h.nextInbound()).message), 'phone-again');
      }),
    );

    test(name('a response whose connection has closed goes over a new one to the sent-by port (RFC 3261 §18.2.2)'), () =>
      withLayer(protocol, {}, async (h) => {
        const peer = await listenPeer(protocol);
        try {
          const c = await h.client();
          await c.write(sipRequest(protocol, { callId: 'reconnect', via: `SIP/2.0/${P} 127.0.0.1:${peer.port};rport;branch=z9hG4bKrc` }));
          const i = await h.nextInbound();
          await c.close();
          await waitUntil(() => h.layer.stats().connections === 0, 'the server sees the close');
          const target = h.layer.responseTarget(i);
          assert.equal([target.connectionId, target.port], [undefined, peer.port]);
          await h.layer.send(createResponse(i.message as SipRequest, 200), target);
          const got = parsed((await peer.next()).text);
          assert.ok(got.kind === 'response' && got.status === 200 && callIdOf(got) === 'reconnect');
        } finally {
          await peer.close();
        }
      }),
    );

    test(name('sending to a port nobody listens on rejects with a TransportError'), () =>
      withLayer(protocol, {}, async (h) => {
        const port = await freePort();
        await h.layer.send(parsed(sipRequest(protocol)), { protocol, address: '127.0.0.1', port }).then(
          () => assert.unreachable('must reject'),
          (err: unknown) => assert.instance(err, TransportError),
        );
        await waitUntil(() => h.layer.stats().connections === 0, 'the failed connection leaves the table');
        assert.is(h.layer.stats().sendErrors, 1);
      }),
    );
  }
}

function sipResponseText(req: SipRequest): string {
  const via = getHeader(req, 'via')!;
  return [
    'SIP/2.0 200 OK',
    `Via: ${via}`,
    `From: ${getHeader(req, 'from')}`,
    `To: ${getHeader(req, 'to')};tag=peer`,
    `Call-ID: ${getHeader(req, 'call-id')}`,
    `CSeq: ${getHeader(req, 'cseq')}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** Bind the port again with a plain socket: proves stop() released it. */
async function rebind(protocol: TransportProtocol, port: number): Promise<void> {
  if (protocol === 'udp') {
    const s = createSocket('udp4');
    await guard(new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, '127.0.0.1', () => resolve());
    }), `udp port ${port} to be free`);
    await new Promise<void>((r) => s.close(() => r()));
    return;
  }
  const server = createServer();
  await guard(new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  }), `tcp port ${port} to be free`);
  await new Promise<void>((r) => server.close(() => r()));
}

/** A TCP port that was free a moment ago (bound and released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  return typeof a === 'object' && a ? a.port : 0;
}
