/** Message counts of one voicemail box (RFC 3842 §5.2: new and old, urgent ones among them). */
export interface BoxCounts {
  new: number;
  old: number;
  urgentNew?: number;
  urgentOld?: number;
}

/**
 * The voicemail service as message-summary and unsolicited MWI see it. Implemented by the
 * voicemail application (src/apps/voicemail); every call names the tenant, and a box name
 * is only ever looked up in that tenant.
 */
export interface MailboxCounts {
  /** Counts of a box of `tenant`; undefined when the tenant has no such box. */
  counts(tenant: string, box: string): BoxCounts | undefined;
  /** Called after every deposit, read and delete; returns a function that stops the calls. */
  onChange(cb: (tenant: string, box: string, counts: BoxCounts) => void): () => void;
  /**
   * Extensions of `tenant` that may watch `box` besides its owner (members of a shared
   * box); undefined or empty: only the extension of the same name.
   */
  members?(tenant: string, box: string): readonly string[] | undefined;
}

/**
 * An in-memory MailboxCounts: the stand-in the composition root uses until the voicemail
 * service provides the real one, and what tests set counts on.
 */
export class InMemoryMailboxCounts implements MailboxCounts {
  private readonly boxes = new Map<string, { counts: BoxCounts; members: string[] }>();
  private readonly listeners = new Set<(tenant: string, box: string, counts: BoxCounts) => void>();

  /** Create or update a box and tell the listeners. */
  set(tenant: string, box: string, counts: BoxCounts, members?: string[]): void {
    const key = `${tenant}\u0000${box}`;
    const prev = this.boxes.get(key);
    this.boxes.set(key, { counts: { ...counts }, members: members ?? prev?.members ?? [] });
    for (const l of this.listeners) l(tenant, box, { ...counts });
  }

  /** Remove a box (listeners are not called: a removed box has no counts). */
  delete(tenant: string, box: string): void {
    this.boxes.delete(`${tenant}\u0000${box}`);
  }

  counts(tenant: string, box: string): BoxCounts | undefined {
    const b = this.boxes.get(`${tenant}\u0000${box}`);
    return b ? { ...b.counts } : undefined;
  }

  members(tenant: string, box: string): readonly string[] | undefined {
    return this.boxes.get(`${tenant}\u0000${box}`)?.members;
  }

  onChange(cb: (tenant: string, box: string, counts: BoxCounts) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
}
