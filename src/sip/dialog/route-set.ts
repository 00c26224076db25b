import { getHeaderValues } from '../message/headers.js';
import { parseNameAddr } from '../message/name-addr.js';
import { isSipUri, serializeUri, type SipUri } from '../message/uri.js';
import type { SipMessage } from '../message/types.js';
import { sipError } from '../message/reason-phrases.js';

/** One entry of a dialog's route set: the Record-Route value as received, and its URI. */
export interface RouteEntry {
  /** The name-addr text, written back unchanged as a Route value. */
  value: string;
  uri: SipUri;
}

/**
 * The route set from the Record-Route values of a message (RFC 3261 §12.1.1: a UAS
 * takes them in order; §12.1.2: a UAC reverses them). Throws SipError 400 when a value
 * does not parse or is not a SIP or SIPS URI: a proxy that cannot be routed through
 * would leave the dialog with no path back.
 */
export function routeSetOf(msg: SipMessage, reverse: boolean): RouteEntry[] {
  let values: string[];
  try {
    values = getHeaderValues(msg, 'record-route');
  } catch (e) {
    throw sipError(400, { detail: 'unparseable Record-Route', cause: e });
  }
  const out: RouteEntry[] = [];
  for (const value of values) {
    let uri;
    try {
      uri = parseNameAddr(value).uri;
    } catch (e) {
      throw sipError(400, { detail: 'malformed Record-Route', cause: e });
    }
    if (!isSipUri(uri)) throw sipError(400, { detail: 'Record-Route is not a SIP or SIPS URI' });
    out.push({ value, uri });
  }
  return reverse ? out.reverse() : out;
}

/** Where an in-dialog request goes: its Request-URI and its Route values, in order. */
export interface RequestTarget {
  uri: string;
  routes: string[];
}

/**
 * RFC 3261 §12.2.1.1. With an empty route set, the Request-URI is the remote target and
 * there is no Route. When the first route is a loose router (its URI has `lr`), the
 * Request-URI is the remote target and the Route values are the route set in order.
 *
 * Otherwise the first hop is a strict (RFC 2543) router: the Request-URI is the first
 * route's URI, less the parameters a Request-URI may not carry (§19.1.1: `method`, and
 * no headers part); the Route values are the rest of the route set followed by the
 * remote target, so that the last strict router can put it back in the Request-URI.
 */
export function requestTarget(remoteTarget: string, routeSet: readonly RouteEntry[]): RequestTarget {
  const first = routeSet[0];
  if (first === undefined) return { uri: remoteTarget, routes: [] };
  if ('lr' in first.uri.params) return { uri: remoteTarget, routes: routeSet.map((r) => r.value) };
  const params: SipUri['params'] = Object.assign(Object.create(null) as SipUri['params'], first.uri.params);
  delete params['method'];
  const uri: SipUri = { ...first.uri, params };
  delete uri.headers;
  const routes = routeSet.slice(1).map((r) => r.value);
  routes.push(`<${remoteTarget}>`);
  return { uri: serializeUri(uri), routes };
}

/** The URI the request is sent to (§8.1.2): the first route when there is one, else the remote target. */
export function nextHopUri(remoteTarget: string, routeSet: readonly RouteEntry[]): string {
  const first = routeSet[0];
  return first === undefined ? remoteTarget : serializeUri(first.uri);
}
