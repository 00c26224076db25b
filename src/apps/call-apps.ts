/**
 * The call applications the B2BUA can start, as the composition root wires them from
 * src/apps (voicemail, IVR, time conditions, feature codes, per-extension forwarding and
 * do-not-disturb). Every lookup takes the tenant of the call: a name is only ever looked up
 * in that tenant, so no destination of another tenant can be reached. Each member is
 * optional: absent means the feature is not wired (the B2BUA then behaves as before).
 */
import type { TenantContext } from '../tenant/tenant-context.js';
import type { Destination } from '../model/routing-plan.js';
import type { CallApp } from './app-channel.js';

/** Why a call reaches a voicemail box: decides the greeting (busy or unavailable). */
export type DepositReason = 'busy' | 'noanswer' | 'unavailable' | 'dnd' | 'direct';

/** How one extension wants its calls handled (forwards and do-not-disturb). */
export interface ExtensionPolicy {
  /** Do not disturb: the extension does not ring; the call goes to its voicemail box (else busy). */
  dnd: boolean;
  /** Forward every call, without ringing the extension. */
  forwardAlways?: Destination;
  /** Forward when the extension is busy (486/600 from all its devices, or at its call cap). */
  forwardBusy?: Destination;
  /** Forward when the extension does not answer within afterSeconds. */
  forwardNoAnswer?: { destination: Destination; afterSeconds: number };
  /** Forward when the extension has no registered device. */
  forwardUnavailable?: Destination;
  /** The box unanswered calls go to (default: the extension's own box, when it has one). */
  voicemailBox?: string;
}

export interface CallApps {
  /** A deposit into a box of this tenant; undefined when the tenant has no such box. */
  voicemailDeposit?(tenant: TenantContext, box: string, reason: DepositReason): CallApp | undefined;
  /** The box an extension's unanswered calls go to; undefined: none. */
  boxOfExtension?(tenant: TenantContext, ext: string): string | undefined;
  /** An IVR menu of this tenant; undefined when there is none of that name. */
  ivr?(tenant: TenantContext, name: string): CallApp | undefined;
  /** Where a time condition of this tenant routes at `nowMs`; undefined when there is none of that name. */
  timeCondition?(tenant: TenantContext, name: string, nowMs: number): Destination | undefined;
  /**
   * A feature code dialled by an extension of this tenant (e.g. `*97`, `*72` + number):
   * the application that handles it, or undefined when `dialled` is not one of the tenant's
   * feature codes (the dial plan goes on as usual).
   */
  featureCode?(tenant: TenantContext, callerExt: string, dialled: string): CallApp | undefined;
  /** Forwards and DND of an extension; undefined: none set. */
  extensionPolicy?(tenant: TenantContext, ext: string): ExtensionPolicy | undefined;
  /** A call queue of this tenant (the caller waits, answered, for an agent); undefined when there is none of that name. */
  queue?(tenant: TenantContext, name: string): CallApp | undefined;
  /** The queue of this tenant whose dial number is `dialled`; undefined: none. */
  queueByNumber?(tenant: TenantContext, dialled: string): string | undefined;
}
