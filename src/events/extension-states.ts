/**
 * The dialog states of RFC 4235 §3.7.1 as the PBX reports them: trying (our INVITE is out),
 * proceeding (100 only), early (a 18x), confirmed (answered), terminated (gone).
 */
export type DialogPhase = 'trying' | 'proceeding' | 'early' | 'confirmed' | 'terminated';

/** What a busy-lamp key shows: nothing going on, a call ringing there, or on the phone. */
export type LampState = 'idle' | 'ringing' | 'busy';

/**
 * One leg of a call as seen from one resource of a tenant (an extension "1001"; later a
 * park slot "park:701"). `peer` is the other party as the PBX knows it (an extension of the
 * same tenant or an outside number); whether a watcher may see it is the package's choice.
 */
export interface ResourceLeg {
  resource: string;
  direction: 'initiator' | 'recipient';
  phase: DialogPhase;
  peer?: string;
}

/** One dialog of a resource, as a dialog-info body lists it. */
export interface ResourceDialog {
  /** The PBX's own id (never a Call-ID from the wire) and the direction: unique per resource. */
  id: string;
  direction: 'initiator' | 'recipient';
  phase: DialogPhase;
  peer?: string;
}

/** The port the B2BUA reports its calls to (one report per change of a call, idempotent). */
export interface CallActivitySink {
  /** The legs of call `callId` of `tenantId` now; a resource of an earlier report not listed any more has ended. */
  callLegs(tenantId: string, callId: string, legs: readonly ResourceLeg[]): void;
  /** The call is over: every leg of it ends. */
  callEnded(tenantId: string, callId: string): void;
}

type Listener = (tenantId: string, resource: string) => void;

/**
 * Per tenant and resource: the calls going on there, counted (an extension may ring and be
 * on the phone at once, or carry several calls). Fed by the B2BUA through CallActivitySink;
 * read by the dialog and presence packages. A leg that ends is reported once as terminated
 * (the listeners run while it is still listed) and then forgotten, so a lamp goes back to
 * idle with a dialog-info that says which dialog ended (RFC 4235 §3.7.1).
 */
export class ExtensionStates implements CallActivitySink {
  /** tenant \0 resource → dialog key → dialog. */
  private readonly byResource = new Map<string, Map<string, ResourceDialog>>();
  /** tenant \0 call → the resources it touches (dialog keys). */
  private readonly byCall = new Map<string, Map<string, ResourceLeg>>();
  private readonly listeners = new Set<Listener>();

  onChange(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  callLegs(tenantId: string, callId: string, legs: readonly ResourceLeg[]): void {
    const ck = key(tenantId, callId);
    const before = this.byCall.get(ck) ?? new Map<string, ResourceLeg>();
    const now = new Map<string, ResourceLeg>();
    for (const leg of legs) {
      if (leg.phase === 'terminated') continue;
      const dk = `${leg.resource}\u0000${leg.direction}`;
      const had = now.get(dk);
      // Several contacts of one extension ring for the same call: the most advanced phase counts.
      if (!had || rank(leg.phase) > rank(had.phase)) now.set(dk, leg);
    }
    const changed = new Set<string>();
    const ended: Array<[string, string]> = [];
    for (const [dk, leg] of before) {
      if (now.has(dk)) continue;
      ended.push([leg.resource, dialogId(callId, leg.direction)]);
      this.put(tenantId, leg.resource, { id: dialogId(callId, leg.direction), direction: leg.direction, phase: 'terminated', ...(leg.peer !== undefined ? { peer: leg.peer } : {}) });
      changed.add(leg.resource);
    }
    for (const [dk, leg] of now) {
      const old = before.get(dk);
      if (old && old.phase === leg.phase && old.peer === leg.peer) continue;
      this.put(tenantId, leg.resource, { id: dialogId(callId, leg.direction), direction: leg.direction, phase: leg.phase, ...(leg.peer !== undefined ? { peer: leg.peer } : {}) });
      changed.add(leg.resource);
    }
    if (now.size > 0) this.byCall.set(ck, now);
    else this.byCall.delete(ck);
    for (const r of changed) this.emit(tenantId, r);
    for (const [resource, id] of ended) this.drop(tenantId, resource, id);
  }

  callEnded(tenantId: string, callId: string): void {
    this.callLegs(tenantId, callId, []);
  }

  /** The dialogs of a resource now (terminated ones only while their change is being told). */
  dialogs(tenantId: string, resource: string): ResourceDialog[] {
    return [...(this.byResource.get(key(tenantId, resource))?.values() ?? [])];
  }

  /** Busy while any call there is answered or placed from there; ringing while one rings there; else idle. */
  lamp(tenantId: string, resource: string): LampState {
    let ringing = false;
    for (const d of this.byResource.get(key(tenantId, resource))?.values() ?? []) {
      if (d.phase === 'terminated') continue;
      if (d.phase === 'confirmed' || d.direction === 'initiator') return 'busy';
      ringing = true;
    }
    return ringing ? 'ringing' : 'idle';
  }

  /** Live (not terminated) dialogs of every resource of every tenant, for tests and monitoring. */
  get size(): number {
    let n = 0;
    for (const m of this.byResource.values()) for (const d of m.values()) if (d.phase !== 'terminated') n++;
    return n;
  }

  private put(tenantId: string, resource: string, d: ResourceDialog): void {
    const rk = key(tenantId, resource);
    let m = this.byResource.get(rk);
    if (!m) this.byResource.set(rk, (m = new Map()));
    m.set(d.id, d);
  }

  private drop(tenantId: string, resource: string, id: string): void {
    const rk = key(tenantId, resource);
    const m = this.byResource.get(rk);
    if (!m || m.get(id)?.phase !== 'terminated') return;
    m.delete(id);
    if (m.size === 0) this.byResource.delete(rk);
  }

  private emit(tenantId: string, resource: string): void {
    for (const l of this.listeners) {
      try {
        l(tenantId, resource);
      } catch {
        // A listener's failure is its own; the others still hear of the change.
      }
    }
  }
}

function key(a: string, b: string): string {
  return `${a}\u0000${b}`;
}

function dialogId(callId: string, direction: 'initiator' | 'recipient'): string {
  return `${callId}-${direction === 'initiator' ? 'i' : 'r'}`;
}

function rank(p: DialogPhase): number {
  return ['terminated', 'trying', 'proceeding', 'early', 'confirmed'].indexOf(p);
}
