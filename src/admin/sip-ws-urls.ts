/**
 * The SIP-over-WebSocket URLs (RFC 7118) the console's softphone connects to: the server's
 * ws/wss listeners, as the browser that loaded the page can reach them. A listener bound to
 * a wildcard address (0.0.0.0, ::) is named by the host the browser asked for (its Host
 * header), which is hostile input: only a plain host name, an IPv4 address or a bracketed
 * IPv6 address is used, anything else (a quote, a semicolon, a space: CSP or URL injection)
 * leaves the wildcard listeners out. wss comes first (browsers on an https page can use
 * nothing else). Pure.
 */

export interface WsListener {
  protocol: string;
  /** IPv6 without brackets, as the config holds it. */
  host: string;
  port: number;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);
const NAME = /^[a-z0-9](?:[a-z0-9.-]{0,252})$/i;
const V6 = /^\[[0-9a-f:.]{2,45}\]$/i;

/** The host of a Host header without its port, or undefined when it is not a plain host. */
export function hostOfHeader(host: string | undefined): string | undefined {
  if (host === undefined || host.length > 300) return undefined;
  const h = host.trim();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return undefined;
    const rest = h.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    const v6 = h.slice(0, end + 1);
    return V6.test(v6) ? v6 : undefined;
  }
  const colon = h.indexOf(':');
  const name = colon < 0 ? h : h.slice(0, colon);
  if (colon >= 0 && !/^\d{1,5}$/.test(h.slice(colon + 1))) return undefined;
  return NAME.test(name) ? name.toLowerCase() : undefined;
}

export function sipWsUrls(listen: readonly WsListener[], requestHost: string | undefined): string[] {
  const asked = hostOfHeader(requestHost);
  const out: string[] = [];
  for (const proto of ['wss', 'ws']) {
    for (const l of listen) {
      if (l.protocol !== proto) continue;
      let host: string | undefined;
      if (WILDCARDS.has(l.host)) host = asked;
      else host = l.host.includes(':') ? `[${l.host}]` : l.host;
      if (host === undefined) continue;
      const url = `${proto}://${host}:${l.port}`;
      if (!out.includes(url)) out.push(url);
    }
  }
  return out;
}
