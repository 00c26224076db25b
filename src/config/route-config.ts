/**
 * A tenant's routes. Inbound: which destination a call to one of its DIDs reaches.
 * Outbound: ordered rules that pick trunks for a dialled number, with strip and prepend.
 */
import { destination } from './destination.js';
import { dialPattern } from './dial-pattern.js';
import { ROUTING_FIELDS } from '../model/field-rules.js';
import { objectName, sharedField } from './field-types.js';
import { E164_RE, prependDigits } from './phone-numbers.js';
import { list, object, reject, strOrNumber, type Schema } from './schema.js';
import type { InboundRouteConfig, OutboundRouteConfig } from './types.js';

const inboundRoute = object({
  // Whether the DID is the tenant's is checked against its dids (tenant-references.ts).
  did: strOrNumber({ minLength: 1 }).to((s) =>
    s === '*' || E164_RE.test(s) ? s : reject(`'${s}' is not a DID: an E.164 number such as +14155550100, or '*' for every other DID`),
  ),
  destination: destination(),
});

export function inboundRouteList(): Schema<InboundRouteConfig[]> {
  return list(inboundRoute, { max: 10_001, unique: { key: (r) => r.did, what: 'route for DID', at: 'did' } });
}

const outboundRoute = object({
  name: objectName(),
  patterns: list(dialPattern(), { min: 1, max: 100, unique: { key: (p) => p.pattern, what: 'pattern' } }),
  strip: sharedField(ROUTING_FIELDS.strip).default(0),
  prepend: prependDigits().default(''),
  // Names not among the tenant's own trunks must be provider trunks open to it: only
  // `pbx check` and apply can see pbx.yaml and tell.
  trunks: list(objectName(), { min: 1, max: 20, unique: { key: (t) => t, what: 'trunk' } }),
}).check((r, where) => {
  const short = r.patterns.find((p) => r.strip > p.minLength || (r.strip === p.minLength && r.prepend === ''));
  if (short) {
    where.at('strip').report(`strips ${r.strip} but pattern '${short.pattern}' matches numbers of ${short.minLength} characters: nothing would be left to dial`);
  }
});

export function outboundRouteList(): Schema<OutboundRouteConfig[]> {
  return list(
    outboundRoute.to((r) => ({ ...r, patterns: r.patterns.map((p) => p.pattern) })),
    { max: 1000, unique: { key: (r) => r.name, what: 'outbound route', at: 'name' } },
  );
}
