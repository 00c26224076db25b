/**
 * AppChannel.bridgeTo on an application leg: ring the registered devices of some
 * extensions of the leg's OWN tenant at once (one stage), for a time; the first answer is
 * bridged to the caller (AppLeg.ring), and the outcome names the extension that answered.
 * The caller stays answered by the PBX throughout and hears the tenant's music on hold
 * while it rings (AppLeg's ringback). A call queue offers its callers to agents this way.
 */
import type { BridgeOutcome } from '../apps/app-channel.js';
import type { AppLeg } from './app-leg.js';
import { extensionStages } from './call-plan.js';
import type { ForkTarget } from './fork-targets.js';

export function bridgeExtensions(leg: AppLeg, exts: readonly string[], timeoutMs: number, now: number): Promise<BridgeOutcome> {
  if (leg.hungUp) return Promise.resolve({ kind: 'hangup' });
  const tenant = leg.tenant;
  const extOf = new Map<ForkTarget, string>();
  const targets: ForkTarget[] = [];
  for (const ext of exts) {
    const row = tenant.store.getExtension(ext);
    if (!row || !row.enabled) continue;
    for (const stage of extensionStages(tenant, ext, now)) {
      for (const t of stage.targets) {
        extOf.set(t, ext);
        targets.push(t);
      }
    }
  }
  if (targets.length === 0) return Promise.resolve({ kind: 'failed', why: 'unavailable' });
  return new Promise<BridgeOutcome>((resolve) => {
    let settled = false;
    const settle = (o: BridgeOutcome) => {
      if (settled) return;
      settled = true;
      resolve(o);
    };
    leg.onHangup(() => settle({ kind: 'hangup' }));
    void leg.ring({
      stages: [{ targets }],
      label: exts.length === 1 ? exts[0]! : exts.join(','),
      calleeUri: `sip:${exts[0]}@${tenant.realm}`,
      noAnswerMs: Math.max(1, timeoutMs),
      onFail: (why) => settle({ kind: 'failed', why }),
      onBridged: (fork) => settle({ kind: 'answered', ext: extOf.get(fork.target) ?? exts[0]! }),
    });
  });
}
