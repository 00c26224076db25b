/**
 * The outbound dial plan with its toll-fraud controls (issue 4): what happens to a number
 * an extension dialled. Pure; the planner calls it once per INVITE, so the routes' dial
 * patterns are compiled once per route object and kept while the plan lives.
 */
import type { ClassOfService, OutboundRoute, RoutingPlan } from '../model/routing-plan.js';
import { CLASSES_OF_SERVICE } from '../model/routing-plan.js';
import type { DialPattern } from '../util/dial-pattern.js';
import { compileDialPattern, matchDialPattern } from '../util/dial-pattern.js';
import type { NumberClass } from './number-class.js';
import { dearer } from './number-class.js';
import { classifyNumber } from './number-classifier.js';
import { reasonPhrase } from '../sip/message/reason-phrases.js';

export type OutboundDecision =
  | { kind: 'internal' }
  | { kind: 'refused'; status: number; reason: string }
  | {
      kind: 'route';
      /** The name of the outbound route taken ('' for an emergency call sent to every trunk). */
      route: string;
      /** Trunk names in the order to try them. */
      trunks: string[];
      /** The number to send, after the route's strip and prepend. */
      number: string;
      e164?: string;
      emergency: boolean;
      numberClass: NumberClass;
    };

export interface OutboundInput {
  plan: RoutingPlan;
  /** The tenant's emergency numbers ('911', '112', ...), always routed. */
  emergencyNumbers: readonly string[];
  /** Whether the dialled string is one of this tenant's extensions (or other internal targets). */
  isExtension(dialled: string): boolean;
  /** As the caller dialled it (the Request-URI user part). */
  dialled: string;
  /** The caller's class of service. Anything that is not a known class counts as 'internal'. */
  classOfService: ClassOfService;
}

/** The longest dialled string routed outside, separators removed. */
export const MAX_DIALLED_LENGTH = 32;
/** Raw input longer than this is not looked at (bounds the separator removal). */
const MAX_RAW_LENGTH = 128;
// RFC 3966 §3: visual-separator = "-" / "." / "(" / ")"; spaces are common in hand-written numbers.
const VISUAL_SEPARATORS = /[-.() ]/g;
const DIAL_STRING = /^\+?[0-9*#]+$/;


/**
 * Decides an outbound call, rules in this order:
 *  (a) the dialled string, visual separators removed, must be '+'? then digits, '*', '#',
 *      at most 32 characters; else 404 'Not Found' (unless it names an extension);
 *  (b) an extension: internal;
 *  (c) an emergency number, or a number that the first matching route turns into one
 *      (e.g. 9911 with strip 1): routed whatever the class of service, by the first
 *      matching route, else by every trunk of every route in route order; no trunk: 503;
 *  (d) class of service 'internal': 403;
 *  (e) the first route (declared order) with a matching pattern; none: 404 'No route';
 *  (f) the class, the dearer of the dialled and the sent number's (a prepend cannot hide
 *      an international call), must be allowed by the class of service; else 403;
 *  (g) routed by the route's trunks.
 * Never throws on any dialled string.
 */
export function routeOutbound(input: OutboundInput): OutboundDecision {
  const { plan, dialled } = input;
  const emergencyNumbers = Array.isArray(input.emergencyNumbers) ? input.emergencyNumbers : [];
  const cleaned = cleanDialled(dialled);
  // (a), (b)
  if (cleaned === undefined) return typeof dialled === 'string' && dialled !== '' && input.isExtension(dialled) ? { kind: 'internal' } : { kind: 'refused', status: 404, reason: reasonPhrase(404) };
  if (input.isExtension(dialled) || (cleaned !== dialled && input.isExtension(cleaned))) return { kind: 'internal' };

  const routes = (Array.isArray(plan?.outboundRoutes) ? plan.outboundRoutes : []).filter((r) => r !== null && typeof r === 'object');
  const route = routes.find((r) => routeMatches(r, cleaned));
  const sent = route !== undefined ? rewrite(route, cleaned) : cleaned;

  // (c) emergency, ahead of every other rule
  if (emergencyNumbers.includes(cleaned)) return emergencyRoute(routes, route, sent === '' ? cleaned : sent);
  if (route !== undefined && sent !== '' && emergencyNumbers.includes(sent)) return emergencyRoute(routes, route, sent);

  // (d)
  const cos = knownClassOfService(input.classOfService);
  if (cos === 'internal') return { kind: 'refused', status: 403, reason: 'class of service internal allows no outside calls' };

  // (e)
  if (route === undefined) return { kind: 'refused', status: 404, reason: 'No route' };
  if (sent === '') return { kind: 'refused', status: 404, reason: `route ${route.name} leaves no number to send` };

  // (f)
  const numbering = { countryCode: plan.countryCode, nationalPrefix: plan.nationalPrefix };
  const ofDialled = classifyNumber(cleaned, numbering);
  const ofSent = classifyNumber(sent, numbering);
  const numberClass = dearer(ofDialled.class, ofSent.class);
  if (CLASSES_OF_SERVICE.indexOf(numberClass) > CLASSES_OF_SERVICE.indexOf(cos)) {
    return { kind: 'refused', status: 403, reason: `class of service ${cos} does not allow ${numberClass} numbers` };
  }

  // (g)
  const trunks = uniqueNames(route.trunks);
  if (trunks.length === 0) return { kind: 'refused', status: 503, reason: `route ${route.name} has no trunk` };
  const e164 = ofSent.e164 ?? ofDialled.e164;
  return { kind: 'route', route: route.name, trunks, number: sent, ...(e164 !== undefined ? { e164 } : {}), emergency: false, numberClass };
}

/** The dialled string without visual separators, when it is a bounded dial string; else undefined. */
export function cleanDialled(dialled: unknown): string | undefined {
  if (typeof dialled !== 'string' || dialled.length === 0 || dialled.length > MAX_RAW_LENGTH) return undefined;
  const s = dialled.replace(VISUAL_SEPARATORS, '');
  return s.length <= MAX_DIALLED_LENGTH && DIAL_STRING.test(s) ? s : undefined;
}

function knownClassOfService(cos: unknown): ClassOfService {
  return CLASSES_OF_SERVICE.includes(cos as ClassOfService) ? (cos as ClassOfService) : 'internal';
}

function emergencyRoute(routes: readonly OutboundRoute[], route: OutboundRoute | undefined, number: string): OutboundDecision {
  let trunks = route !== undefined ? uniqueNames(route.trunks) : [];
  // A matching route without trunks must not stop an emergency call: every trunk then.
  if (trunks.length === 0) trunks = uniqueNames(routes.flatMap((r) => (Array.isArray(r.trunks) ? r.trunks : [])));
  if (trunks.length === 0) return { kind: 'refused', status: 503, reason: 'no trunk for an emergency call' };
  return { kind: 'route', route: route?.name ?? '', trunks, number, emergency: true, numberClass: 'emergency' };
}

function rewrite(route: OutboundRoute, dialled: string): string {
  const strip = Number.isInteger(route.strip) && route.strip > 0 ? route.strip : 0;
  const prepend = typeof route.prepend === 'string' ? route.prepend : '';
  return prepend + dialled.slice(strip);
}

function uniqueNames(names: readonly string[] | undefined): string[] {
  if (!Array.isArray(names)) return [];
  return [...new Set(names.filter((n) => typeof n === 'string' && n !== ''))];
}

/** Compiled patterns per route object; a pattern that does not compile matches nothing. */
const compiled = new WeakMap<OutboundRoute, readonly DialPattern[]>();

function patternsOf(route: OutboundRoute): readonly DialPattern[] {
  const cached = compiled.get(route);
  if (cached !== undefined) return cached;
  const patterns: DialPattern[] = [];
  for (const source of Array.isArray(route.patterns) ? route.patterns : []) {
    try {
      patterns.push(compileDialPattern(source));
    } catch {
      // Patterns are validated when the tenant's config is applied; one that slipped
      // through is skipped here rather than failing every call of the tenant.
    }
  }
  compiled.set(route, patterns);
  return patterns;
}

function routeMatches(route: OutboundRoute, dialled: string): boolean {
  return patternsOf(route).some((p) => matchDialPattern(p, dialled));
}
