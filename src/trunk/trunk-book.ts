import type { TrunkHandle } from './trunk-handle.js';
import type { Trunk } from '../model/routing-plan.js';
import { answerChallenge } from './challenge-responder.js';
import { TrunkTargetRefused, type AddressRefusal, type TrunkResolver } from './trunk-target.js';
import { normalizeIp, parseCidr } from '../util/ip.js';
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
 * the configuration is (start, SIGHUP). It answers the edge's question (its TrunkDirectory) "which trunks may
 * this address be?" and the planner's "which trunk is this name for that tenant?", and
 * builds the TrunkHandle through which a call uses a trunk: its target, and its answer to
 * a carrier's challenge, given only for a challenge from that trunk's own address.
 */
export class TrunkBook {
  private provider = new Map<string, Entry>();
  private tenants = new Map<string, Map<string, Entry>>();
  private all: Entry[] = [];
  /** Trunks known by single addresses only, by address: most carriers (one lookup per INVITE). */
  private byAddress = new Map<string, Entry[]>();
  /** Trunks with a network wider than one address, or a host name: checked one by one. */
  private broad: Entry[] = [];

  constructor(
    private readonly o: {
      resolver: TrunkResolver;
      logger: Logger;
      /** Addresses an owner's trunks may not be sent to: set for tenants (request forgery), none for the provider. */
      refusalFor?: (owner: TrunkOwner) => AddressRefusal | undefined;
    },
  ) {}

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
    const byAddress = new Map<string, Entry[]>();
    const broad: Entry[] = [];
    for (const e of this.all) {
      const addresses = singleAddresses(e.trunk);
      if (!addresses) {
        broad.push(e);
        continue;
      }
      for (const a of addresses) {
        const list = byAddress.get(a) ?? [];
        if (!list.includes(e)) list.push(e);
        byAddress.set(a, list);
      }
    }
    this.byAddress = byAddress;
    this.broad = broad;
    // Host names resolve in the background, so that calls and isFromTrunk find them.
    for (const e of this.all) void this.o.resolver.prepare(e.trunk);
  }

  /** Every trunk with its owner, e.g. for registrations. */
  entries(): ReadonlyArray<{ owner: TrunkOwner; trunk: Trunk }> {
    return this.all;
  }

  /** Whether some trunk may send from this address (asked per message by the guards: no allocation). */
  isTrunkAddress(address: string): boolean {
    if (this.all.length === 0) return false;
    const a = normalizeIp(address);
    if (a !== undefined && this.byAddress.has(a)) return true;
    for (const e of this.broad) if (this.o.resolver.isFromTrunk(e.trunk, address)) return true;
    return false;
  }

  /** Trunks an inbound request from this address may have come through. */
  match(address: string): Array<{ handle: TrunkHandle; tenantIds: readonly string[] | '*' }> {
    const out: Array<{ handle: TrunkHandle; tenantIds: readonly string[] | '*' }> = [];
    const a = normalizeIp(address);
    for (const e of (a !== undefined ? this.byAddress.get(a) : undefined) ?? []) out.push({ handle: this.handle(e, true)!, tenantIds: e.tenantIds });
    for (const e of this.broad) {
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
    let now;
    try {
      // Inbound, the handle only names the trunk (answers go back where the request came from).
      now = this.o.resolver.targetsNow(trunk, inbound ? undefined : this.o.refusalFor?.(e.owner));
    } catch (err) {
      if (!(err instanceof TrunkTargetRefused)) throw err;
      this.o.logger.warn('trunk refused', { trunk: trunk.name, owner: e.owner.kind === 'tenant' ? e.owner.tenantId : 'provider', reason: err.message });
      return undefined;
    }
    if ((!now || now.length === 0) && !inbound) {
      this.o.logger.warn('trunk host not resolved yet; trunk skipped', { trunk: trunk.name });
      return undefined;
    }
    const resolver = this.o.resolver;
    const log = this.o.logger;
    return {
      name: trunk.name,
      channelKey: e.channelKey,
      target: now?.[0] ?? { protocol: trunk.transport, address: trunk.host, port: trunk.port },
      ...(now && now.length > 1 ? { targets: now } : {}),
      markFailed: (target) => resolver.markFailed(target),
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

/**
 * Every address a trunk is known by, when each is a single IP (the host and proxy as IP
 * literals, allowedSources of /32 or /128); undefined when any is a wider network or a
 * host name, which TrunkResolver.isFromTrunk must judge.
 */
function singleAddresses(t: Trunk): string[] | undefined {
  const out: string[] = [];
  for (const h of [t.host, ...(t.outboundProxy ? [t.outboundProxy.host] : [])]) {
    const ip = normalizeIp(h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h);
    if (ip === undefined) return undefined;
    out.push(ip);
  }
  for (const src of t.allowedSources) {
    const c = parseCidr(src);
    const bare = src.includes('/') ? src.slice(0, src.indexOf('/')) : src;
    const ip = normalizeIp(bare);
    if (!c || ip === undefined || c.prefix !== (c.address.family === 4 ? 32 : 128) || (ip.includes(':') && c.address.family === 4)) return undefined;
    out.push(ip);
  }
  return out;
}

function hostForUri(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
