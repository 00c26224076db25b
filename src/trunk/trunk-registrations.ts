import type { Trunk as TrunkConfig } from '../model/routing-plan.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { TrunkRegistration, type RegistrationState, type TrunkRegistrationDeps } from './trunk-registration.js';
import type { AddressRefusal } from './trunk-target.js';

/**
 * Whose trunk it is: the provider's (shared by tenants' outbound routes) or one tenant's.
 * An object rather than a string, since 'provider' is also a valid tenant id.
 */
export type TrunkOwner = { kind: 'provider' } | { kind: 'tenant'; tenantId: string };

export const PROVIDER: TrunkOwner = Object.freeze({ kind: 'provider' });

export function tenantOwner(tenantId: string): TrunkOwner {
  return { kind: 'tenant', tenantId };
}

export interface OwnedTrunk {
  owner: TrunkOwner;
  trunk: TrunkConfig;
}

export interface OwnedRegistrationState extends RegistrationState {
  owner: TrunkOwner;
  /** The user part of the Contact registered for this trunk. */
  contactUser: string;
}

/**
 * The Contact user part that names a registration trunk to requests the carrier sends
 * back to it: `p.<trunk>` for a provider trunk, `t.<tenant>.<trunk>` for a tenant's.
 * Tenant ids and trunk names are [a-z0-9-], so the dots keep it unambiguous.
 */
export function trunkContactUser(owner: TrunkOwner, trunkName: string): string {
  return owner.kind === 'provider' ? `p.${trunkName}` : `t.${owner.tenantId}.${trunkName}`;
}

/** The owner and trunk name a Contact user part written by trunkContactUser() stands for. */
export function parseTrunkContactUser(user: string): { owner: TrunkOwner; trunk: string } | undefined {
  const name = '[a-z0-9][a-z0-9-]{0,62}';
  let m = new RegExp(`^p\\.(${name})$`).exec(user);
  if (m) return { owner: PROVIDER, trunk: m[1]! };
  m = new RegExp(`^t\\.(${name})\\.(${name})$`).exec(user);
  if (m) return { owner: tenantOwner(m[1]!), trunk: m[2]! };
  return undefined;
}

export function ownerKey(owner: TrunkOwner): string {
  return owner.kind === 'provider' ? 'provider' : `tenant:${owner.tenantId}`;
}

function keyOf(owner: TrunkOwner, name: string): string {
  return `${ownerKey(owner)}/${name}`;
}

/** What sync() did, by "owner/trunk" key (ownerKey + '/' + name). */
export interface SyncResult {
  started: string[];
  restarted: string[];
  updated: string[];
  stopped: string[];
}

export interface TrunkRegistrationsDeps extends TrunkRegistrationDeps {
  /** The Contact user part per trunk; default trunkContactUser. */
  contactUserFor?: (owner: TrunkOwner, trunk: TrunkConfig) => string;
  /** Addresses an owner's trunks may not be sent to: set for tenants (request forgery), none for the provider. */
  refusalFor?: (owner: TrunkOwner) => AddressRefusal | undefined;
}

interface Entry {
  owner: TrunkOwner;
  contactUser: string;
  reg: TrunkRegistration;
}

/**
 * Every registration trunk's client, keyed by owner and trunk name. sync() is given the
 * whole list of trunks each time the configuration changes: new register trunks start,
 * changed ones register again (the old binding removed first, since it has the same
 * Contact), removed ones (or ones no longer of kind 'register') unregister and stop.
 */
export class TrunkRegistrations {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Set<Promise<void>>();
  private readonly log: Logger;
  private closed = false;

  constructor(private readonly d: TrunkRegistrationsDeps) {
    this.log = (d.logger ?? silentLogger).child('trunk-registrations');
  }

  sync(list: readonly OwnedTrunk[]): SyncResult {
    const result: SyncResult = { started: [], restarted: [], updated: [], stopped: [] };
    if (this.closed) return result;
    const wanted = new Map<string, OwnedTrunk>();
    for (const item of list) {
      if (item.trunk.kind !== 'register') continue;
      const key = keyOf(item.owner, item.trunk.name);
      if (wanted.has(key)) this.log.warn('trunk listed twice; the last one is used', { key });
      wanted.set(key, item);
    }
    for (const [key, entry] of [...this.entries]) {
      if (wanted.has(key)) continue;
      this.entries.delete(key);
      this.track(entry.reg.stop());
      result.stopped.push(key);
    }
    for (const [key, item] of wanted) {
      const contactUser = this.d.contactUserFor ? this.d.contactUserFor(item.owner, item.trunk) : trunkContactUser(item.owner, item.trunk.name);
      const entry = this.entries.get(key);
      if (!entry) {
        const reg = this.create(item, contactUser);
        this.entries.set(key, { owner: item.owner, contactUser, reg });
        reg.start();
        result.started.push(key);
        continue;
      }
      if (entry.contactUser === contactUser && sameRegistration(entry.reg.trunk, item.trunk)) {
        if (entry.reg.trunk !== item.trunk) {
          entry.reg.replaceTrunk(item.trunk);
          result.updated.push(key);
        }
        continue;
      }
      // Changed: remove the old binding first (the new one has the same Contact), then register anew.
      const reg = this.create(item, contactUser);
      this.entries.set(key, { owner: item.owner, contactUser, reg });
      this.track(
        entry.reg.stop().then(() => {
          if (this.entries.get(key)?.reg === reg) reg.start();
        }),
      );
      result.restarted.push(key);
    }
    if (result.started.length + result.restarted.length + result.stopped.length > 0) this.log.info('trunk registrations synced', { ...result });
    return result;
  }

  states(): OwnedRegistrationState[] {
    return [...this.entries.values()].map((e) => ({ ...e.reg.state(), owner: e.owner, contactUser: e.contactUser }));
  }

  state(owner: TrunkOwner, trunkName: string): OwnedRegistrationState | undefined {
    const e = this.entries.get(keyOf(owner, trunkName));
    return e ? { ...e.reg.state(), owner: e.owner, contactUser: e.contactUser } : undefined;
  }

  /** Resolves when the stops and restarts begun by sync() have finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Unregister every trunk (each bounded by stopTimeoutMs) and take no more sync(). */
  async stopAll(): Promise<void> {
    this.closed = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) this.track(e.reg.stop());
    await this.settled();
  }

  private create(item: OwnedTrunk, contactUser: string): TrunkRegistration {
    const refusalFor = this.d.refusalFor;
    // Asked at each attempt, so that a reloaded policy applies to running registrations.
    const refuse: AddressRefusal | undefined = refusalFor ? (a) => refusalFor(item.owner)?.(a) : undefined;
    return new TrunkRegistration(item.trunk, refuse ? { ...this.d, refuse } : this.d, { contactUser });
  }

  private track(p: Promise<void>): void {
    const t = p.catch((e: unknown) => this.log.warn('trunk registration stop failed', { error: e })).finally(() => this.pending.delete(t));
    this.pending.add(t);
  }
}

/** Whether two versions of a trunk register the same way (what is sent, where, with which credentials). */
export function sameRegistration(a: TrunkConfig, b: TrunkConfig): boolean {
  return (
    a.name === b.name &&
    a.kind === b.kind &&
    a.host === b.host &&
    a.port === b.port &&
    a.transport === b.transport &&
    a.outboundProxy?.host === b.outboundProxy?.host &&
    a.outboundProxy?.port === b.outboundProxy?.port &&
    a.username === b.username &&
    a.password === b.password &&
    a.authUsername === b.authUsername &&
    a.domain === b.domain &&
    a.registerExpires === b.registerExpires
  );
}
