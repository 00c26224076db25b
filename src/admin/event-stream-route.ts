/**
 * GET /api/v1/events: server-sent events (text/event-stream, WHATWG HTML §9.2) of what the
 * caller may see (live-events.ts visibleTo): `event: registration` and `event: call`, data
 * one JSON object. A comment line every `heartbeatMs` keeps proxies from closing it and
 * finds out when the session has ended (the stream is then closed). At most `maxStreams`
 * open streams per principal (a session, or a token): more get 429. A client that does not
 * read is cut off once `maxBufferedBytes` wait for it.
 */
import type { Clock, TimerHandle } from '../util/clock.js';
import { ApiError, type ApiResult, type Principal } from './api-types.js';
import type { HttpRoute } from './http-route.js';
import { visibleTo, wireOf, type LiveEvents } from './live-events.js';

export interface EventStreamDeps {
  live: LiveEvents;
  clock: Clock;
  /** Default 15 s. */
  heartbeatMs?: number;
  maxStreams: () => number;
  /** Whether the principal may still listen (its session is live, its tenant not gone). */
  stillAllowed: (p: Principal) => boolean;
  maxBufferedBytes?: number;
}

/** The data of each event, by its name (wireOf in live-events.ts). */
const EVENT_DATA = {
  registration: {
    type: 'object',
    required: ['tenantId', 'ext', 'contacts'],
    properties: { tenantId: { type: 'string' }, ext: { type: 'string' }, contacts: { type: 'integer', minimum: 0, description: 'Contacts registered now' } },
  },
  call: {
    type: 'object',
    required: ['tenantId', 'callId', 'state'],
    properties: {
      tenantId: { type: 'string' },
      callId: { type: 'string' },
      state: { enum: ['trying', 'proceeding', 'early', 'confirmed', 'terminated'] },
      from: { type: 'string' },
      to: { type: 'string' },
    },
  },
};

export function eventStreamRoute(d: EventStreamDeps): HttpRoute {
  const open = new Map<string, number>();
  const heartbeatMs = d.heartbeatMs ?? 15_000;
  const maxBuffered = d.maxBufferedBytes ?? 1024 * 1024;
  return {
    method: 'GET',
    path: '/events',
    auth: 'principal',
    summary: 'Live registrations and calls as server-sent events, scoped like the API',
    doc: {
      tag: 'console',
      responses: {
        200: {
          description:
            'text/event-stream (WHATWG HTML §9.2), open until the client goes or the session ends. `event: registration` with data ' +
            '{ tenantId, ext, contacts }; `event: call` with data { tenantId, callId, state: trying|proceeding|early|confirmed|terminated, from?, to? }; ' +
            'a comment line as heartbeat. A provider sees every tenant, a tenant admin its tenant, a user its own extension.',
          contentType: 'text/event-stream',
          schema: { type: 'string', description: 'Server-sent events; the data of each is one JSON object, by event name as in x-event-data', 'x-event-data': EVENT_DATA },
        },
        401: { description: 'No token or session', schema: { $ref: '#/components/schemas/Error' } },
        403: { description: 'A session cookie with a mutating method and no CSRF token (not for GET)', schema: { $ref: '#/components/schemas/Error' } },
        429: { description: 'Too many open streams for this principal (console.maxStreams)', schema: { $ref: '#/components/schemas/Error' } },
      },
    },
    handler(ctx): ApiResult {
      const p = ctx.principal!;
      const key = p.tokenId;
      const n = open.get(key) ?? 0;
      if (n >= d.maxStreams()) throw new ApiError(429, 'too_many_streams', `at most ${d.maxStreams()} event streams at once`);
      open.set(key, n + 1);
      const { req, res } = ctx;
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      res.write(': connected\nretry: 5000\n\n');
      let timer: TimerHandle | undefined;
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        d.clock.clearTimeout(timer);
        const left = (open.get(key) ?? 1) - 1;
        if (left <= 0) open.delete(key);
        else open.set(key, left);
        if (!res.writableEnded) res.end();
      };
      const write = (text: string) => {
        if (closed) return;
        if (res.writableLength > maxBuffered) return close();
        res.write(text);
      };
      const unsubscribe = d.live.subscribe((ev) => {
        if (!visibleTo(p, ev)) return;
        if (!d.stillAllowed(p)) return close();
        write(`event: ${ev.type}\ndata: ${JSON.stringify(wireOf(ev))}\n\n`);
      });
      const beat = () => {
        timer = d.clock.setTimeout(() => {
          if (!d.stillAllowed(p)) return close();
          write(': heartbeat\n\n');
          if (!closed) beat();
        }, heartbeatMs);
      };
      beat();
      req.on('close', close);
      res.on('close', close);
      res.on('error', close);
      return { streamed: true };
    },
  };
}
