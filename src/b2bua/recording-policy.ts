/**
 * Whether a call is recorded (issue 10, item 8): `never`, `always`, or `on-demand` (not at
 * first; started and stopped during the call through the admin API, and by a feature code
 * once DTMF reaches the main thread). Pure.
 *
 * How the settings combine, most specific first:
 * 1. The tenant's `features.recording` flag (set by the provider) must be on; off: never,
 *    whatever the other settings say, and on-demand starts are refused.
 * 2. A route's `recording` (when the call went through one that sets it) decides alone.
 * 3. Else each extension on the call (the caller's, the callee's) counts with its own
 *    setting, or the tenant's when it has none; the strongest wins: `always` if either side
 *    says always (a side that must be recorded is recorded, whoever it talks to), else
 *    `on-demand` if either side allows it, else `never`. A trunk side has no extension and
 *    counts with the tenant's setting only when no extension is on the call.
 * 4. The tenant's own `recording` (default `never`).
 */
export const RECORDING_MODES = ['never', 'always', 'on-demand'] as const;
export type RecordingMode = (typeof RECORDING_MODES)[number];

export function isRecordingMode(v: unknown): v is RecordingMode {
  return typeof v === 'string' && (RECORDING_MODES as readonly string[]).includes(v);
}

export interface RecordingPolicyInput {
  featureOn: boolean;
  tenant?: RecordingMode;
  route?: RecordingMode;
  /** One entry per extension on the call: its own setting (undefined: the tenant's). */
  extensions: ReadonlyArray<RecordingMode | undefined>;
}

const RANK: Record<RecordingMode, number> = { never: 0, 'on-demand': 1, always: 2 };

export function recordingModeOf(p: RecordingPolicyInput): RecordingMode {
  if (!p.featureOn) return 'never';
  if (p.route !== undefined) return p.route;
  const tenant = p.tenant ?? 'never';
  if (p.extensions.length === 0) return tenant;
  let best: RecordingMode = 'never';
  for (const e of p.extensions) {
    const m = e ?? tenant;
    if (RANK[m] > RANK[best]) best = m;
  }
  return best;
}
