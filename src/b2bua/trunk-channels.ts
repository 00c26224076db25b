/**
 * Channels in use on trunks: a tenant's cap on concurrent trunk calls (limits.trunkCalls)
 * and each trunk's own cap (maxChannels). A call takes one channel on every trunk it may
 * use (an outbound call tries several in turn) and gives them back when it ends.
 */
export class TrunkChannels {
  private readonly byTenant = new Map<string, number>();
  private readonly byTrunk = new Map<string, number>();

  tryTake(tenantId: string, tenantCap: number | undefined, trunks: ReadonlyArray<{ name: string; channelKey: string; maxChannels?: number }>): { ok: true; release: () => void; /** The trunks with a channel for this call: only these may be tried. */ usable: string[] } | { ok: false; reason: string } {
    const t = this.byTenant.get(tenantId) ?? 0;
    if (tenantCap !== undefined && t >= tenantCap) return { ok: false, reason: `tenant trunk call limit (${tenantCap}) reached` };
    // A call may use a trunk that is full when another one on its list has room.
    const usable = trunks.filter((k) => k.maxChannels === undefined || (this.byTrunk.get(k.channelKey) ?? 0) < k.maxChannels);
    if (trunks.length > 0 && usable.length === 0) return { ok: false, reason: `all channels of trunk ${trunks[0]!.name} in use` };
    this.byTenant.set(tenantId, t + 1);
    for (const k of usable) this.byTrunk.set(k.channelKey, (this.byTrunk.get(k.channelKey) ?? 0) + 1);
    let released = false;
    return {
      ok: true,
      usable: usable.map((k) => k.name),
      release: () => {
        if (released) return;
        released = true;
        dec(this.byTenant, tenantId);
        for (const k of usable) dec(this.byTrunk, k.channelKey);
      },
    };
  }

  /** Trunk calls of a tenant. */
  inUse(tenantId: string): number {
    return this.byTenant.get(tenantId) ?? 0;
  }

  /** Calls on one trunk (by its channelKey), over every tenant using it. */
  onTrunk(channelKey: string): number {
    return this.byTrunk.get(channelKey) ?? 0;
  }
}

function dec(m: Map<string, number>, k: string): void {
  const n = (m.get(k) ?? 0) - 1;
  if (n <= 0) m.delete(k);
  else m.set(k, n);
}
