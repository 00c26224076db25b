// Placement for the bench: whole tenants to nodes, round robin in tenant order, so every node
// gets the same number of tenants and of extensions (a tenant never spans two nodes).

/** @param {{ tenant: string }[]} users @returns {object[][]} one list of users per node */
export function splitTenants(users, nodes) {
  const order = [...new Set(users.map((u) => u.tenant))];
  const nodeOf = new Map(order.map((t, i) => [t, i % nodes]));
  const out = Array.from({ length: nodes }, () => []);
  for (const u of users) out[nodeOf.get(u.tenant)].push(u);
  return out;
}
