/**
 * Live events for the console (GET /api/v1/events): registrations and calls as they
 * change, each of one tenant. `visibleTo` is the same scope as the API: a provider sees
 * every tenant, a tenant admin its tenant, a user its own extension only.
 */
import type { CallActivitySink, DialogPhase, ResourceLeg } from '../events/extension-states.js';
import type { Principal } from './api-types.js';

export type LiveEvent =
  | { type: 'registration'; tenantId: string; ext: string; contacts: number }
  | {
      type: 'call';
      tenantId: string;
      callId: string;
      state: DialogPhase;
      from?: string;
      to?: string;
      /** The extensions the call touches (who may see it); not sent. */
      exts: readonly string[];
    };

export function visibleTo(p: Principal, ev: LiveEvent): boolean {
  if (p.role === 'provider') return true;
  if (p.tenantId === undefined || ev.tenantId !== p.tenantId) return false;
  if (p.role === 'tenant-admin') return true;
  if (p.ext === undefined) return false;
  return ev.type === 'registration' ? ev.ext === p.ext : ev.exts.includes(p.ext);
}

/** What goes on the wire of an event. */
export function wireOf(ev: LiveEvent): Record<string, unknown> {
  if (ev.type === 'registration') return { tenantId: ev.tenantId, ext: ev.ext, contacts: ev.contacts };
  return { tenantId: ev.tenantId, callId: ev.callId, state: ev.state, ...(ev.from !== undefined ? { from: ev.from } : {}), ...(ev.to !== undefined ? { to: ev.to } : {}) };
}

type Listener = (ev: LiveEvent) => void;

export class LiveEvents {
  private readonly listeners = new Set<Listener>();

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  publish(ev: LiveEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(ev);
      } catch {
        // one broken stream must not stop the others
      }
    }
  }
}

const RANK: Record<DialogPhase, number> = { trying: 0, proceeding: 1, early: 2, confirmed: 3, terminated: 4 };

/**
 * A CallActivitySink that tells `inner` (the busy lamps) and then the live events: one
 * `call` event per report, its state the most advanced phase of its legs; `terminated`
 * when the call ends.
 */
export function liveCallSink(inner: CallActivitySink, live: LiveEvents): CallActivitySink {
  const last = new Map<string, { from?: string; to?: string; exts: string[] }>();
  return {
    callLegs(tenantId: string, callId: string, legs: readonly ResourceLeg[]): void {
      inner.callLegs(tenantId, callId, legs);
      const key = `${tenantId}\u0000${callId}`;
      const open = legs.filter((l) => l.phase !== 'terminated');
      if (open.length === 0) {
        const was = last.get(key);
        last.delete(key);
        live.publish({ type: 'call', tenantId, callId, state: 'terminated', ...(was?.from !== undefined ? { from: was.from } : {}), ...(was?.to !== undefined ? { to: was.to } : {}), exts: was?.exts ?? [] });
        return;
      }
      const caller = open.find((l) => l.direction === 'initiator');
      const callee = open.find((l) => l.direction === 'recipient');
      const from = caller?.resource ?? callee?.peer;
      const to = callee?.resource ?? caller?.peer;
      const exts = [...new Set(open.map((l) => l.resource).filter((r) => !r.includes(':')))];
      let state: DialogPhase = 'trying';
      for (const l of open) if (RANK[l.phase] > RANK[state]) state = l.phase;
      last.set(key, { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), exts });
      live.publish({ type: 'call', tenantId, callId, state, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), exts });
    },
    callEnded(tenantId: string, callId: string): void {
      this.callLegs(tenantId, callId, []);
    },
  };
}
