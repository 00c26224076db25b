import { OptionsKeepalive, type KeepaliveTenant } from '../registrar/options-keepalive.js';
import type { SipRequest } from '../sip/message/types.js';
import type { ClientTransactionUser } from '../sip/transaction/types.js';
import type { Target } from '../sip/transport/types.js';
import { NAT_KEEPALIVE_SETTING, readNatKeepalive } from '../tenant/nat-keepalive-setting.js';
import type { TenantStorePool } from '../store/store-pool.js';
import type { SystemStore } from '../store/system-store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/**
 * The OPTIONS keep-alive pinger over the real stores: like the binding sweeper, it visits
 * the open stores of active tenants only (a tenant with registered phones has its store
 * open), reading each tenant's natKeepalive setting on every pass so that an apply takes
 * effect without a restart.
 */
export function optionsKeepalive(o: {
  system: SystemStore;
  pool: TenantStorePool;
  clock: Clock;
  logger: Logger;
  sendRequest: (req: SipRequest, target: Target, user: ClientTransactionUser) => unknown;
  publicAddress: () => string;
}): OptionsKeepalive {
  function* tenants(): Iterable<KeepaliveTenant> {
    for (const t of o.system.listTenants({ status: 'active' })) {
      // Reading the policy is not a use (peek): a tenant without keep-alive may go idle and
      // close. One with keep-alive is used by the pings themselves and stays open meanwhile.
      const open = o.pool.peek(t.id);
      if (!open) continue;
      const policy = readNatKeepalive(open.getSetting(NAT_KEEPALIVE_SETTING));
      if (policy.optionsSeconds <= 0) continue;
      const store = o.pool.get(t.id);
      yield {
        id: t.id,
        realm: t.domains?.[0] ?? t.id,
        policy,
        bindings: () => store.listBindings(),
        removeBinding: (b) => store.replaceBindings(b.aor, store.getBindings(b.aor).filter((x) => !(x.contact === b.contact && x.source.address === b.source.address && x.source.port === b.source.port))),
      };
    }
  }
  return new OptionsKeepalive({
    clock: o.clock,
    logger: o.logger,
    tenants,
    sendRequest: o.sendRequest,
    viaFor: (port) => ({ transport: 'udp', host: o.publicAddress(), port }),
  });
}
