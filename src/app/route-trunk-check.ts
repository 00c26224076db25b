import type { PbxConfig, TenantConfig } from '../config/types.js';

/**
 * The trunks a tenant's outbound routes name that it cannot use: neither its own, nor a
 * provider trunk of pbx.yaml open to it. Only here can both files be seen together, so
 * this runs where a tenant file meets pbx.yaml: `pbx check`, and every apply. One
 * message per name, with the YAML path it is at.
 */
export function unusableRouteTrunks(tenant: Pick<TenantConfig, 'id' | 'trunks' | 'outboundRoutes'>, provider: PbxConfig['trunks']): string[] {
  const own = new Set(tenant.trunks.map((t) => t.name));
  const open = new Set(provider.filter((t) => t.tenants.includes('*') || t.tenants.includes(tenant.id)).map((t) => t.name));
  const closed = new Set(provider.map((t) => t.name));
  const out: string[] = [];
  tenant.outboundRoutes.forEach((r, i) =>
    r.trunks.forEach((name, j) => {
      if (own.has(name) || open.has(name)) return;
      const why = closed.has(name) ? `provider trunk ${name} is not open to tenant ${tenant.id} (its tenants: list in pbx.yaml)` : `no trunk ${name}: neither this tenant's own nor a provider trunk of pbx.yaml`;
      out.push(`outboundRoutes[${i}].trunks[${j}]: ${why}`);
    }),
  );
  return out;
}
