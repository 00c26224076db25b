import type { ApplyResult } from '../tenant/apply-tenant.js';

/** An ApplyResult as lines an operator reads: what was (or, in a dry run, would be) changed. */
export function formatApplyResult(r: ApplyResult, opts: { dryRun: boolean }): string[] {
  const verb = opts.dryRun ? 'would be ' : '';
  const head = r.created ? `${verb}created` : !r.changed ? 'unchanged' : r.reenabled ? `${verb}re-enabled and updated` : `${verb}updated`;
  const out = [`tenant ${r.tenantId}: ${head}${opts.dryRun ? ' (dry run: nothing written)' : ''}`];
  if (!r.changed) return out;
  const list = (label: string, c: { added: string[]; removed: string[]; updated?: string[] }) => {
    const parts: string[] = [];
    if (c.added.length > 0) parts.push(`added ${c.added.join(', ')}`);
    if (c.updated && c.updated.length > 0) parts.push(`updated ${c.updated.join(', ')}`);
    if (c.removed.length > 0) parts.push(`removed ${c.removed.join(', ')}`);
    if (parts.length > 0) out.push(`  ${label}: ${parts.join('; ')}`);
  };
  if (r.settingsChanged) out.push('  settings: name or limits changed');
  list('domains', r.domains);
  list('DIDs', r.dids);
  const x = r.extensions;
  if (x.added.length + x.updated.length + x.removed.length > 0) {
    list('extensions', x);
    out.push(`    (${x.unchanged} unchanged${x.bindingsRemoved ? `; ${x.bindingsRemoved} registrations dropped` : ''})`);
  }
  const g = r.routing;
  if (g.numberingChanged) out.push('  numbering: country code, national prefix or caller ID changed');
  list('trunks', g.trunks);
  list('ring groups', g.ringGroups);
  list('inbound routes', g.inboundRoutes);
  list('outbound routes', g.outboundRoutes);
  if (out.length === 1) out.push('  (apply revision only: the two files disagreed and are made equal again)');
  return out;
}
