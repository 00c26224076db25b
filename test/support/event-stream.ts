// A reader of the console's event stream (GET /api/v1/events) as a browser's EventSource
// would see it: each `event:`/`data:` block parsed, kept in order, waited for by predicate.
export interface StreamEvent {
  event: string;
  data: any;
}

export class EventStreamReader {
  readonly events: StreamEvent[] = [];
  readonly comments: string[] = [];
  ended = false;
  private waiters: Array<() => void> = [];
  body: string | undefined;

  private constructor(
    readonly status: number,
    readonly headers: Headers,
    private readonly abort: AbortController,
  ) {}

  static async open(url: string, headers: Record<string, string>): Promise<EventStreamReader> {
    const ctl = new AbortController();
    const r = await fetch(url, { headers, signal: ctl.signal });
    const reader = new EventStreamReader(r.status, r.headers, ctl);
    if (r.status !== 200 || !r.body) {
      reader.ended = true;
      reader.body = await r.text();
      return reader;
    }
    void reader.pump(r.body.getReader());
    return reader;
  }

  private async pump(rd: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { done, value } = await rd.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) this.events.push({ event, data: JSON.parse(data.join('\n')) });
          this.wake();
        }
      }
    } catch {
      // aborted or cut
    }
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** The first event (from index `from`) that `match` accepts. */
  async next(match: (e: StreamEvent) => boolean, timeoutMs = 5000, from = 0): Promise<StreamEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.slice(from).find(match);
      if (hit) return hit;
      if (this.ended) throw new Error(`stream ended; events: ${JSON.stringify(this.events)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no such event within ${timeoutMs} ms; events: ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Resolves once the server has closed the stream. */
  async closedWithin(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.ended;
  }

  close(): void {
    this.abort.abort();
  }
}
