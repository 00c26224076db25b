/**
 * Messages between the main thread and a media worker, sent in batches: what one side posts
 * within one turn (until its next process.nextTick) goes over the port as one message (an array), so a
 * call's answer (setRemote, setCodecs, setDtmf) costs one postMessage and one wake-up of the
 * other thread instead of three, and their three responses come back as one (issue 13: every
 * postMessage clones its data and wakes the other thread's event loop). A lone message goes
 * as itself. Order is kept: messages leave in the order they were sent, and the receiving
 * side (unbatch) hands them on in that order.
 */
export class PortBatch<T> {
  private queue: T[] = [];
  private scheduled = false;

  /**
   * @param post posts one message or a batch.
   * @param onPostError a message the port refused (one that cannot be cloned, a closed port):
   *   a refused batch is posted again message by message, so only the refused ones land here.
   */
  constructor(
    private readonly post: (m: T | T[]) => void,
    private readonly onPostError: (m: T, err: unknown) => void,
  ) {}

  send(m: T): void {
    this.queue.push(m);
    if (this.scheduled) return;
    this.scheduled = true;
    // process.nextTick, not queueMicrotask: Node's dgram defers a send to an IP address by one
    // nextTick, so a batch scheduled in the same turn leaves before the datagrams sent after it
    // (a B2BUA's setRemote for the callee, then the caller's 200: the worker must know the leg
    // before the caller's first RTP can arrive, as it did when every message was posted at once).
    process.nextTick(flushBatch, this);
  }

  /** Post what is queued now (before a message that must not wait behind it). */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    if (batch.length > 1) {
      try {
        this.post(batch);
        return;
      } catch {
        // one of them cannot go: each alone, as if never batched
      }
    }
    for (const m of batch) {
      try {
        this.post(m);
      } catch (err) {
        this.onPostError(m, err);
      }
    }
  }
}

function flushBatch(batch: PortBatch<unknown>): void {
  batch.flush();
}

/** The messages of one arrival, batched or not, in order. */
export function unbatch<T>(m: T | T[]): readonly T[] {
  return Array.isArray(m) ? m : [m];
}
