import type { TrunkHandle } from '../b2bua/call-plan.js';
import type { TrunkDirectory } from '../edge/invite-admission.js';
import type { Trunk } from '../tenant/routing-plan.js';
import { answerChallenge } from '../trunk/challenge-responder.js';
import type { TrunkResolver } from '../trunk/trunk-target.js';
import type { Logger } from '../util/logger.js';

/** A provider trunk of pbx.yaml and the tenants that may use it ('*' = all). */
export type ProviderTrunk = Trunk & { tenants: readonly string[] };

/** Who owns a trunk: the provider, or one tenant. */
export type TrunkOwner = { kind: 'provider' } | { kind: 'tenant'; tenantId: string };

interface Entry {
  owner: TrunkOwner;
  trunk: Trunk;
  /** Tenants this trunk delivers inbound calls to and carries outbound calls of. */
  tenantIds: readonly string[] | '*';
  channelKey: string;
}

/**
 * Every trunk the server knows, the provider's and each tenant's own, refreshed whenever
 * the configuration is (start, SIGHUP). It answers the edge's question "which trunks may
 * this address be?" and the planner's "which trunk is this name for that tenant?", and
 * builds the TrunkHandle through which a call uses a trunk: its target, and its answer to
 * a carrier's challenge, given only for a challenge from that trunk's own address.
 */
export class TrunkBook implements TrunkDirectory {
  private provider = new Map<string, Entry>();
  private tenants = new Map<string, Map<string, Entry>>();
  private all: Entry[] = [];

  constructor(private readonly o: { resolver: TrunkResolver; logger: Logger }) {}

  /** Replace the trunks: the provider's, and each tenant's own (tenants with none may be left out). */
  sync(provider: readonly ProviderTrunk[], tenants: ReadonlyArray<{ tenantId: string; trunks: readonly Trunk[] }>): void {
    const p = new Map<string, Entry>();
    for (const t of provider) {
      const { tenants: who, ...trunk } = t;
      p.set(t.name, { owner: { kind: 'provider' }, trunk, tenantIds: who.includes('*') ? '*' : [...who], channelKey: `provider/${t.name}` });
    }
    const byTenant = new Map<string, Map<string, Entry>>();
    for (const { tenantId, trunks } of tenants) {
      if (trunks.length === 0) continue;
      const m = new Map<string, Entry>();
      for (const t of trunks) m.set(t.name, { owner: { kind: 'tenant', tenantId }, trunk: t, tenantIds: [tenantId], channelKey: `tenant/${tenantId}/${t.name}` });
      byTenant.set(tenantId, m);
    }
    this.provider = p;
    this.tenants = byTenant;
    this.all = [...p.values(), ...[...byTenant.values()].flatMap((m) => [...m.values()])];
    // Host names resolve in the background, so that calls and isFromTrunk find them.
    for (const e of this.all) void this.o.resolver.prepare(e.trunk);
  }

  /** Every trunk with its owner, e.g. for registrations. */
  entries(): ReadonlyArray<{ owner: TrunkOwner; trunk: Trunk }> {
    return this.all;
  }

  /** Trunks an inbound request from this address may have come through. */
  match(address: string): Array<{ handle: TrunkHandle; tenantIds: readonly string[] | '*' }> {
    const out: Array<{ handle: TrunkHandle; tenantIds: readonly string[] | '*' }> = [];
    for (const e of this.all) {
      if (this.o.resolver.isFromTrunk(e.trunk, address)) out.push({ handle: this.handle(e, true)!, tenantIds: e.tenantIds });
    }
    return out;
  }

  /**
   * The trunk a tenant means by a name: its own first, else a provider trunk open to it.
   * Undefined when there is none, or its host name is not resolved yet.
   */
  forTenant(tenantId: string, name: string): TrunkHandle | undefined {
    const own = this.tenants.get(tenantId)?.get(name);
    if (own) return this.handle(own, false);
    const p = this.provider.get(name);
    if (p && (p.tenantIds === '*' || p.tenantIds.includes(tenantId))) return this.handle(p, false);
    return undefined;
  }

  private handle(e: Entry, inbound: boolean): TrunkHandle | undefined {
    const { trunk } = e;
    const now = this.o.resolver.targetNow(trunk);
    if (!now && !inbound) {
      this.o.logger.warn('trunk host not resolved yet; trunk skipped', { trunk: trunk.name });
      return undefined;
    }
    const resolver = this.o.resolver;
    const log = this.o.logger;
    return {
      name: trunk.name,
      channelKey: e.channelKey,
      target: now ?? { protocol: trunk.transport, address: trunk.host, port: trunk.port },
      domain: trunk.domain ?? trunk.host,
      ...(trunk.maxChannels !== undefined ? { maxChannels: trunk.maxChannels } : {}),
      ...(trunk.codecs !== undefined ? { codecs: trunk.codecs } : {}),
      ...(trunk.outboundProxy ? { route: `<sip:${hostForUri(trunk.outboundProxy.host)}:${trunk.outboundProxy.port}${trunk.transport === 'udp' ? '' : `;transport=${trunk.transport}`};lr>` } : {}),
      answerChallenge(invite, challenge) {
        const a = answerChallenge(invite, challenge, { trunk, isFromTrunk: (t, addr) => resolver.isFromTrunk(t, addr) });
        if (a.ok) return a.request;
        log.warn('carrier challenge not answered', { trunk: trunk.name, reason: a.reason, detail: a.detail });
        return undefined;
      },
    };
  }
}

function hostForUri(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
