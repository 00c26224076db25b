/**
 * A failure to hand a message to the network (RFC 3261 §18.4): no socket for the
 * target, a refused or reset connection, a full write buffer, a stopped layer.
 * The transaction layer treats it as a transport error (§17.1.4).
 */
export class TransportError extends Error {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'TransportError';
  }
}
