import { createResponse } from '../sip/message/response.js';
import type { SipRequest, SipResponse } from '../sip/message/types.js';
import type { Inbound, Target } from '../sip/transport/types.js';
import type { SipError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { SipMessage } from '../sip/message/types.js';

/** The part of the transports the edge uses. */
export interface EdgeTransport {
  send(msg: SipMessage, target: Target): Promise<void>;
  responseTarget(inbound: Inbound): Target;
  /** Tell a stream transport that a connection is in use (a registration or a dialog over it); see TransportLayer.pinConnection. */
  pinConnection?(connectionId: string): boolean;
}

/**
 * Sends responses without a transaction (RFC 3261 §8.2.7 stateless UAS): used for
 * challenges and refusals, so that a request that fails creates no lasting state.
 */
export class StatelessReplier {
  constructor(
    private readonly transport: EdgeTransport,
    private readonly logger: Logger,
    private readonly serverHeader: () => string | undefined,
  ) {}

  reply(inbound: Inbound, status: number, opts: { reason?: string; headers?: ReadonlyArray<readonly [string, string]> } = {}): void {
    const req = inbound.message as SipRequest;
    const res = createResponse(req, status, opts);
    this.send(inbound, res);
  }

  replyError(inbound: Inbound, e: SipError): void {
    this.reply(inbound, e.status, { reason: e.reason, headers: e.headers });
  }

  send(inbound: Inbound, res: SipResponse): void {
    this.decorate(res);
    this.transport.send(res, this.transport.responseTarget(inbound)).catch((err: unknown) => {
      this.logger.debug('stateless reply not sent', { error: err, to: inbound.source.address });
    });
  }

  /** Adds the configured product string; none is sent unless configured. */
  decorate(res: SipResponse): SipResponse {
    const server = this.serverHeader();
    if (server !== undefined && !res.headers.some((h) => h.name === 'server')) res.headers.push({ name: 'server', value: server });
    return res;
  }
}
