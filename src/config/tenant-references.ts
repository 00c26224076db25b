/**
 * Checks of a tenant file that need the whole of it: names that point at extensions,
 * ring groups and DIDs of the same file, and keys required by others.
 */
import { findDestinationLoop, loopText } from '../model/destination-graph.js';
import { featureCodeProblems } from '../model/feature-code-table.js';
import { missingCountryCode } from '../model/field-rules.js';
import { didYouMean } from './did-you-mean.js';
import type { Where } from './schema.js';
import type { DestinationConfig, ExtensionConfig, InboundRouteConfig, RingGroupConfig, TrunkConfig } from './types.js';

/** The part of a decoded tenant file these checks read. */
export interface TenantParts {
  domains: string[];
  countryCode?: string;
  limits: { extensions?: number };
  extensions: Array<Pick<ExtensionConfig, 'ext' | 'ha1' | 'forward' | 'voicemail'>>;
  voicemailBoxes?: Array<{ box: string; operator?: DestinationConfig }>;
  dids: string[];
  trunks: TrunkConfig[];
  ringGroups: RingGroupConfig[];
  inboundRoutes: InboundRouteConfig[];
  outboundRoutes: unknown[];
  conferences?: Array<{ number: string }>;
  featureCodes?: Record<string, unknown>;
  /** Sections of other call flows (IVRs, time conditions, shared boxes): their names, and their nodes for the loop check. */
  callFlows?: CallFlowSection[];
}

/** What a call-flow section adds to the checks of the whole file. */
export interface CallFlowSection {
  kind: 'ivr' | 'timeCondition' | 'voicemail' | 'queue';
  names: string[];
  /** Nodes for the loop check, each with where to report a loop through it. */
  nodes: Array<{ node: string; targets: DestinationConfig[]; where: Where }>;
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
  const known: Record<'ivr' | 'timeCondition' | 'voicemail' | 'conference' | 'queue', Set<string>> = {
    ivr: new Set(),
    queue: new Set(),
    timeCondition: new Set(),
    // An extension's own box unless turned off, and the shared boxes.
    voicemail: new Set([...t.extensions.filter((e) => e.voicemail?.enabled !== false).map((e) => e.ext), ...(t.voicemailBoxes ?? []).map((b) => b.box)]),
    conference: new Set((t.conferences ?? []).map((c) => c.number)),
  };
  for (const f of t.callFlows ?? []) for (const n of f.names) known[f.kind].add(n);
  const WHAT = { ivr: 'IVR menu', timeCondition: 'time condition', voicemail: 'voicemail box', conference: 'conference room', queue: 'call queue' } as const;
  const checkDestination = (d: DestinationConfig | undefined, where: Where): void => {
    if (d?.type === 'extension' && !exts.has(d.ext)) where.at('extension').report(`no extension '${d.ext}' in this tenant${suggest(d.ext, exts)}`);
    if (d?.type === 'ringGroup' && !groups.has(d.name)) where.at('ringGroup').report(`no ring group '${d.name}' in this tenant${suggest(d.name, groups.keys())}`);
    if (d?.type === 'ivr' || d?.type === 'timeCondition' || d?.type === 'voicemail' || d?.type === 'conference' || d?.type === 'queue') {
      const name = d.type === 'voicemail' ? d.box : d.type === 'conference' ? d.room : d.name;
      if (!known[d.type].has(name)) where.at(d.type).report(`no ${WHAT[d.type]} '${name}' in this tenant${suggest(name, known[d.type])}`);
    }
  };

  // The loop check over every section that sends calls on (destination-graph.ts).
  const graph: Array<{ node: string; targets: DestinationConfig[]; where: Where }> = [];
  t.ringGroups.forEach((g, i) => {
    const at = root.at('ringGroups').at(i);
    g.members.forEach((m, j) => {
      if (!exts.has(m)) at.at('members').at(j).report(`no extension '${m}' in this tenant${suggest(m, exts)}`);
    });
    checkDestination(g.fallback, at.at('fallback'));
    graph.push({ node: `ringGroup:${g.name}`, targets: g.fallback ? [g.fallback] : [], where: at.at('fallback') });
  });

  t.extensions.forEach((e, i) => {
    const f = e.forward;
    if (!f) return;
    const at = root.at('extensions').at(i).at('forward');
    const targets: DestinationConfig[] = [];
    for (const [k, d] of [['always', f.always], ['busy', f.busy], ['unavailable', f.unavailable]] as const) {
      if (!d) continue;
      if (d.type === 'extension' && d.ext === e.ext) at.at(k).report(`${e.ext} cannot forward to itself`);
      checkDestination(d, at.at(k));
      targets.push(d);
    }
    if (f.noAnswer) {
      const d = f.noAnswer.to;
      if (d.type === 'extension' && d.ext === e.ext) at.at('noAnswer').at('to').report(`${e.ext} cannot forward to itself`);
      checkDestination(d, at.at('noAnswer').at('to'));
      targets.push(d);
    }
    graph.push({ node: `ext:${e.ext}`, targets, where: at });
  });
  // Where a caller pressing 0 in a voicemail box goes.
  t.extensions.forEach((e, i) => checkDestination(e.voicemail?.operator, root.at('extensions').at(i).at('voicemail').at('operator')));
  (t.voicemailBoxes ?? []).forEach((b, i) => checkDestination(b.operator, root.at('voicemailBoxes').at(i).at('operator')));
  for (const f of t.callFlows ?? []) graph.push(...f.nodes);
  const loop = findDestinationLoop(graph);
  if (loop) {
    const first = graph.find((n) => n.node === loop[0]);
    first?.where.report(`the destinations loop: ${loopText(loop)}`);
  }

  if (t.featureCodes) {
    for (const p of featureCodeProblems(t.featureCodes, exts)) root.at('featureCodes').at(p.id).report(p.message);
  }

  const dids = new Set(t.dids);
  t.inboundRoutes.forEach((r, i) => {
    const at = root.at('inboundRoutes').at(i);
    if (r.did !== '*' && !dids.has(r.did)) at.at('did').report(`'${r.did}' is not one of this tenant's dids${dids.size === 0 ? ' (it has none)' : ''}`);
    checkDestination(r.destination, at.at('destination'));
  });
}

