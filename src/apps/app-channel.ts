/**
 * The contract between the B2BUA and the call applications of src/apps (voicemail deposit and
 * retrieval, IVR menus, feature-code actions, play-then-hang-up): an application gets one
 * caller's leg, answered by the PBX itself, with its media session, and drives it: play
 * prompts, read digits, record, then hang up or send the call on to another destination of
 * the SAME tenant. The B2BUA implements AppChannel (b2bua/app-channel-impl.ts); applications
 * import only this file, src/tenant, src/media/prompts and src/util, never the B2BUA.
 *
 * Everything an application names (a prompt, a box, a destination) is resolved inside the
 * channel's tenant: there is no way to name another tenant's anything through this interface.
 */
import type { TenantContext } from '../tenant/tenant-context.js';
import type { Destination } from '../model/routing-plan.js';

/** How a play ended. */
export type PlayOutcome = 'done' | 'interrupted' | 'hangup';

export interface ReadDigitsOptions {
  /** Stop after this many digits (terminator not counted). */
  max: number;
  /** Wait for the first digit this long (ms); 0: do not wait (only digits already typed). */
  firstMs: number;
  /** Wait between digits this long (ms). */
  interMs: number;
  /** Keys that end the input (e.g. '#'); the terminator is not part of `digits`. */
  terminators?: string;
}

export interface ReadDigitsResult {
  digits: string;
  /** The terminator pressed, if one ended the input. */
  terminator?: string;
  /** Ended by a timeout (first or inter-digit), not by max or a terminator. */
  timedOut: boolean;
  /** The caller hung up while we waited. */
  hangup: boolean;
}

export interface RecordOptions {
  /** A real path inside the tenant's folder, chosen by the application (never from the wire). */
  path: string;
  maxMs: number;
  /** Keys that end the recording (e.g. '#'); the key's own tone is trimmed. */
  stopDigits: string;
  /** Bytes the file may take (the tenant's storage left, the box's share). */
  quotaBytes: number;
  /** End the recording after this much continuous silence (ms); absent: no silence stop. */
  silenceMs?: number;
}

export interface RecordResult {
  durationMs: number;
  bytes: number;
  stoppedBy: 'digit' | 'max' | 'silence' | 'hangup' | 'quota' | 'error';
  digit?: string;
}

/** Who called, as the PBX knows it (never trusted for authorisation beyond `ext`). */
export interface AppCaller {
  /** The calling extension of this tenant when the caller authenticated as one; else absent. */
  ext?: string;
  /** The caller's number (E.164 from a trunk, or the extension), for envelopes and callback. */
  number?: string;
  /** Display name, as received (untrusted text). */
  name?: string;
}

export interface AppChannel {
  readonly tenant: TenantContext;
  /** The PBX's id of the call (its call record key). */
  readonly callId: string;
  readonly caller: AppCaller;
  /** What the caller dialled (a feature code with its argument, an IVR's DID, ...). */
  readonly dialled: string;
  /** Answer the caller (200 with our SDP) if not yet answered; idempotent. Resolves false when the caller is gone. */
  answer(): Promise<boolean>;
  /**
   * Prompt files for ids, tenant first, then the operator's set, then the built-in set
   * (media/prompts/prompt-path.ts); unknown ids are left out (and logged).
   */
  prompts(ids: readonly string[]): string[];
  /** Play files to the caller; with bargeIn a digit stops the play (the digit stays queued for readDigits). */
  play(files: readonly string[], opts?: { bargeIn?: boolean }): Promise<PlayOutcome>;
  stopPlay(): Promise<void>;
  /** Read digits the caller presses (RFC 4733, SIP INFO or in-band, whatever the leg uses). */
  readDigits(opts: ReadDigitsOptions): Promise<ReadDigitsResult>;
  /** Forget digits typed and not yet read. */
  flushDigits(): void;
  /** Record what the caller says into a WAV file. */
  record(opts: RecordOptions): Promise<RecordResult>;
  /**
   * Leave the application: the call goes on to a destination of this tenant (rings an
   * extension and bridges on answer, another IVR, voicemail, an outside number through the
   * outbound routes with the class of service `cos` (default: the tenant's inboundCos), ...).
   * The application's run() should return right after.
   */
  continueTo(d: Destination, opts?: { cos?: string; reason?: string }): void;
  /** Hang up (BYE, or a final response when not answered yet). */
  hangup(cause?: string): void;
  readonly hungUp: boolean;
  onHangup(cb: () => void): void;
  /**
   * Loop the tenant's music on hold to the caller (answering first) until stopPlay, a play
   * or a bridge; false when the tenant has none (the caller then hears silence). Optional:
   * absent where the B2BUA offers no music on hold.
   */
  musicOnHold?(): Promise<boolean>;
  /**
   * Ring these extensions of the channel's tenant at once for timeoutMs while the caller
   * stays answered (hearing music on hold). The first to answer is bridged to the caller
   * and the channel is spent (the application may only wait for onHangup); otherwise the
   * application goes on. Optional: absent where the B2BUA cannot bridge (queues need it).
   */
  bridgeTo?(exts: readonly string[], opts: { timeoutMs: number }): Promise<BridgeOutcome>;
}

/** How AppChannel.bridgeTo ended. */
export type BridgeOutcome = { kind: 'answered'; ext: string } | { kind: 'failed'; why: 'busy' | 'noanswer' | 'unavailable' } | { kind: 'hangup' };

/** One run of an application on one call. */
export interface CallApp {
  /** Runs until the application hangs up, continues elsewhere, or the caller hangs up. Never throws. */
  run(ch: AppChannel): Promise<void>;
}
