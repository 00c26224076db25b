/**
 * A failure that maps onto a SIP final response. Thrown by services and the edge;
 * the transaction user turns it into the response.
 */
export class SipError extends Error {
  readonly status: number;
  readonly reason: string;
  /** Extra headers to put on the response, e.g. [['Min-Expires', '60']]. */
  readonly headers: ReadonlyArray<readonly [string, string]>;

  constructor(status: number, reason: string, opts: { headers?: ReadonlyArray<readonly [string, string]>; cause?: unknown; detail?: string } = {}) {
    super(opts.detail ? `${status} ${reason}: ${opts.detail}` : `${status} ${reason}`, { cause: opts.cause });
    this.name = 'SipError';
    this.status = status;
    this.reason = reason;
    this.headers = opts.headers ?? [];
  }
}

/** A configuration problem, located in a file. The message reads `file:line:col: what is wrong`. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}:${col}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** Several config problems at once; message lists each on its own line. */
export class ConfigErrors extends Error {
  constructor(readonly errors: ConfigError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'ConfigErrors';
  }
}

/** A storage failure; the store is left as it was before the failing operation. */
export class StoreError extends Error {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'StoreError';
  }
}
