/**
 * The conference calls of the PBX: which call each in-dialog request belongs to, who is in
 * which room (rooms are keyed by tenant and number, so a number is a room only inside its
 * tenant), and what the admin API sees and does (list, mute, kick). Every lookup by the
 * API names the tenant: another tenant's room or participant is not found.
 */
import { getHeader } from '../sip/message/headers.js';
import type { CallActivitySink } from './call-activity.js';
import type { SipRequest } from '../sip/message/types.js';
import type { ServerTransaction } from '../sip/transaction/types.js';
import type { Target } from '../sip/transport/types.js';
import type { TenantContext } from '../tenant/tenant-context.js';
import type { B2buaIo } from './b2bua-io.js';
import { dialogKey } from './call-registry.js';
import { ConferenceCall, type ConferenceCallDeps, type ConferenceMedia, type ConferenceRoomConfig } from './conference-call.js';
import type { CallRecorder, WebrtcIdentity } from './ports.js';

export interface ConferenceCallsDeps {
  io: B2buaIo;
  clock: ConferenceCallDeps['clock'];
  logger: ConferenceCallDeps['logger'];
  settings(): { t1: number; t2: number };
  recorderFor(tenant: TenantContext): CallRecorder;
  /** A media session pinned to the worker of `affinity` (media/controller.ts createSession). */
  createMedia(id: string, opts: { affinity: string }): Promise<ConferenceMedia>;
  prompt(tenant: TenantContext, id: string): string[];
  musicOnHold(tenant: TenantContext): readonly string[] | undefined;
  sendToCaller(res: Parameters<ConferenceCallDeps['sendToCaller']>[0], target: Target): void;
  /** Busy lamps (call-activity.ts): an extension in a room is on the phone; absent: nobody listens. */
  activity?: CallActivitySink;
  /** The DTLS certificate for browser participants (webrtc-legs.ts); absent or undefined: their offers get 488. */
  webrtcIdentity?: () => WebrtcIdentity | undefined;
}

export interface ConferenceParticipantView {
  id: string;
  extension?: string;
  caller: string;
  joinedAt: number;
  muted: boolean;
  talking: boolean;
}

export interface StartConference {
  tenant: TenantContext;
  invite: SipRequest;
  inviteTx: ServerTransaction;
  callerTarget: Target;
  callerSourceAddress: string;
  callerExt?: string;
  room: ConferenceRoomConfig;
  offer: Buffer;
  releaseLimit(): void;
}

export function roomKey(tenantId: string, number: string): string {
  return `${tenantId}\u0000${number}`;
}

export class ConferenceCalls {
  private readonly byDialog = new Map<string, ConferenceCall>();
  private readonly byInvite = new Map<string, ConferenceCall>();
  /** Calls per room key: set up, asking for a PIN, or in the room. */
  private readonly rooms = new Map<string, Set<ConferenceCall>>();
  private readonly tenantOf = new WeakMap<ConferenceCall, string>();

  constructor(private readonly d: ConferenceCallsDeps) {}

  get activeCalls(): number {
    let n = 0;
    for (const s of this.rooms.values()) n += s.size;
    return n;
  }

  start(i: StartConference): void {
    const key = roomKey(i.tenant.id, i.room.number);
    const set = this.rooms.get(key) ?? new Set<ConferenceCall>();
    this.rooms.set(key, set);
    const s = this.d.settings();
    const call: ConferenceCall = new ConferenceCall(
      {
        io: this.d.io,
        clock: this.d.clock,
        logger: this.d.logger,
        recorder: this.d.recorderFor(i.tenant),
        t1: s.t1,
        t2: s.t2,
        createMedia: (id, room) => this.d.createMedia(id, { affinity: room }),
        ...(this.d.webrtcIdentity?.() ? { webrtcIdentity: this.d.webrtcIdentity()! } : {}),
        prompt: (id) => this.d.prompt(i.tenant, id),
        moh: () => this.d.musicOnHold(i.tenant) ?? [],
        occupancy: () => [...set].filter((c) => c.state === 'joined').length,
        sendToCaller: (res, target) => this.d.sendToCaller(res, target),
        joined: (c) => this.d.logger.info('conference joined', { tenant: i.tenant.id, room: i.room.number, call: c.id }),
        dialogUp: (c, k) => this.byDialog.set(dialogKey(k.callId, k.localTag, k.remoteTag), c),
        ended: (c) => {
          if (i.callerExt !== undefined) this.d.activity?.callEnded(i.tenant.id, c.id);
          set.delete(c);
          if (set.size === 0 && this.rooms.get(key) === set) this.rooms.delete(key);
          if (c.dialog) this.byDialog.delete(dialogKey(c.dialog.id.callId, c.dialog.id.localTag, c.dialog.id.remoteTag));
          this.byInvite.delete(i.inviteTx.id);
        },
      },
      { invite: i.invite, inviteTx: i.inviteTx, callerTarget: i.callerTarget, callerSourceAddress: i.callerSourceAddress, ...(i.callerExt !== undefined ? { callerExt: i.callerExt } : {}), room: i.room, roomKey: key, offer: i.offer, releaseLimit: i.releaseLimit },
    );
    set.add(call);
    // The PBX answers a room at once: the calling extension is busy (no peer: a room is nobody).
    if (i.callerExt !== undefined) this.d.activity?.callLegs(i.tenant.id, call.id, [{ resource: i.callerExt, direction: 'initiator', phase: 'confirmed' }]);
    this.tenantOf.set(call, i.tenant.id);
    this.byInvite.set(i.inviteTx.id, call);
    void call.start().catch((e: unknown) => {
      this.d.logger.warn('conference call failed', { call: call.id, error: e });
      call.hangup('internal error');
    });
  }

  /** The conference call of an in-dialog request or ACK, by dialog key. */
  findDialog(key: string): ConferenceCall | undefined {
    return this.byDialog.get(key);
  }

  /** CANCEL before the answer. */
  cancel(inviteTxId: string): boolean {
    const c = this.byInvite.get(inviteTxId);
    if (!c || c.state !== 'setup' || c.dialog) return false;
    c.hangup('cancelled', 'SIP;cause=487;text="Request Terminated"');
    return true;
  }

  /** Participants in the room now (joined), per configured room number of a tenant. */
  counts(tenantId: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const [key, set] of this.rooms) {
      const [t, number] = key.split('\u0000') as [string, string];
      if (t !== tenantId) continue;
      out.set(number, [...set].filter((c) => c.state === 'joined').length);
    }
    return out;
  }

  /** The participants of a tenant's room, with talking/muted as its worker sees them. */
  async participants(tenantId: string, number: string): Promise<ConferenceParticipantView[]> {
    const set = this.rooms.get(roomKey(tenantId, number));
    const joined = set ? [...set].filter((c) => c.state === 'joined') : [];
    if (joined.length === 0) return [];
    const states = await joined[0]!.media!.roomParticipants(roomKey(tenantId, number)).catch(() => []);
    const bySession = new Map(states.map((s) => [s.session, s]));
    return joined
      .map((c) => ({
        id: c.id,
        ...(c.input.callerExt !== undefined ? { extension: c.input.callerExt } : {}),
        caller: fromUser(c),
        joinedAt: c.joinedAt ?? c.startedAt,
        muted: bySession.get(c.id)?.muted ?? c.muted,
        talking: bySession.get(c.id)?.talking ?? false,
      }))
      .sort((a, b) => a.joinedAt - b.joinedAt || (a.id < b.id ? -1 : 1));
  }

  /** Mute or unmute; false when the tenant's room has no such participant. */
  async mute(tenantId: string, number: string, id: string, muted: boolean): Promise<boolean> {
    const c = this.find(tenantId, number, id);
    if (!c) return false;
    await c.setMuted(muted);
    return true;
  }

  /** Kick: BYE with a Reason (RFC 3326); false when the tenant's room has no such participant. */
  kick(tenantId: string, number: string, id: string): boolean {
    const c = this.find(tenantId, number, id);
    if (!c) return false;
    c.hangup('kicked by the administrator', 'SIP;cause=200;text="removed from the conference"');
    return true;
  }

  hangupAll(cause: string): void {
    for (const set of this.rooms.values()) for (const c of [...set]) c.hangup(cause);
  }

  private find(tenantId: string, number: string, id: string): ConferenceCall | undefined {
    const set = this.rooms.get(roomKey(tenantId, number));
    for (const c of set ?? []) if (c.id === id && c.state === 'joined' && this.tenantOf.get(c) === tenantId) return c;
    return undefined;
  }
}

function fromUser(c: ConferenceCall): string {
  const m = /sips?:([^@;>]{1,64})@/i.exec(getHeader(c.input.invite, 'from') ?? '');
  return m ? m[1]! : '';
}
