/**
 * Checks of a tenant file that need the whole of it: names that point at extensions,
 * ring groups and DIDs of the same file, and keys required by others.
 */
import { missingCountryCode } from '../model/field-rules.js';
import { didYouMean } from './did-you-mean.js';
import type { Where } from './schema.js';
import type { DestinationConfig, ExtensionConfig, InboundRouteConfig, RingGroupConfig, TrunkConfig } from './types.js';

/** The part of a decoded tenant file these checks read. */
export interface TenantParts {
  domains: string[];
  countryCode?: string;
  limits: { extensions?: number };
  extensions: Array<Pick<ExtensionConfig, 'ext' | 'ha1'>>;
  dids: string[];
  trunks: TrunkConfig[];
  ringGroups: RingGroupConfig[];
  inboundRoutes: InboundRouteConfig[];
  outboundRoutes: unknown[];
}

function suggest(name: string, known: Iterable<string>): string {
  const hint = didYouMean(name, [...known]);
  return hint ? ` (did you mean '${hint}'?)` : '';
}

export function checkTenantReferences(t: TenantParts, root: Where): void {
  const max = t.limits.extensions;
  if (max !== undefined && t.extensions.length > max) {
    root.key('extensions').report(`lists ${t.extensions.length} extensions but limits.extensions is ${max}`);
  }

  const realm = t.domains[0];
  t.extensions.forEach((e, i) => {
    if (e.ha1 !== undefined && realm !== undefined && e.ha1.realm !== realm) {
      root.at('extensions').at(i).at('ha1').at('realm').report(
        `the digests were computed for realm ${e.ha1.realm}, but this tenant's realm (its first domain) is ${realm}: give a password instead`,
      );
    }
  });

  const noCountry = missingCountryCode(t);
  if (noCountry !== undefined) root.at('countryCode').report(noCountry);

  const exts = new Set(t.extensions.map((e) => e.ext));
  const groups = new Map(t.ringGroups.map((g) => [g.name, g]));
  const checkDestination = (d: DestinationConfig | undefined, where: Where): void => {
    if (d?.type === 'extension' && !exts.has(d.ext)) where.at('extension').report(`no extension '${d.ext}' in this tenant${suggest(d.ext, exts)}`);
    if (d?.type === 'ringGroup' && !groups.has(d.name)) where.at('ringGroup').report(`no ring group '${d.name}' in this tenant${suggest(d.name, groups.keys())}`);
  };

  t.ringGroups.forEach((g, i) => {
    const at = root.at('ringGroups').at(i);
    g.members.forEach((m, j) => {
      if (!exts.has(m)) at.at('members').at(j).report(`no extension '${m}' in this tenant${suggest(m, exts)}`);
    });
    checkDestination(g.fallback, at.at('fallback'));
    const loop = fallbackLoop(g, groups);
    if (loop) at.at('fallback').report(`falls back in a circle: ${loop.join(' -> ')}`);
  });

  const dids = new Set(t.dids);
  t.inboundRoutes.forEach((r, i) => {
    const at = root.at('inboundRoutes').at(i);
    if (r.did !== '*' && !dids.has(r.did)) at.at('did').report(`'${r.did}' is not one of this tenant's dids${dids.size === 0 ? ' (it has none)' : ''}`);
    checkDestination(r.destination, at.at('destination'));
  });
}

/** The ring groups a fallback chain visits before it comes back to `start`, or undefined. */
function fallbackLoop(start: RingGroupConfig, groups: Map<string, RingGroupConfig>): string[] | undefined {
  const path = [start.name];
  let g: RingGroupConfig | undefined = start;
  while (g?.fallback?.type === 'ringGroup') {
    const next: string = g.fallback.name;
    path.push(next);
    if (next === start.name) return path;
    if (path.indexOf(next) < path.length - 1) return undefined; // a loop that does not pass through start: reported at its own groups
    g = groups.get(next);
  }
  return undefined;
}
