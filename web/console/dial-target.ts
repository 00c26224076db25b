/**
 * What the softphone dials, and which WebSocket it uses: pure, no DOM (tested under Node in
 * test/console/softphone-logic.test.ts).
 */

/** A dial string: digits and the few signs a number or extension holds, optionally @host. */
const TARGET = /^[0-9A-Za-z*#+._-]{1,64}(@[0-9A-Za-z.-]{1,253})?$/;

/** A SIP URI for what the user typed, in the tenant's domain unless it names one; undefined for anything else. */
export function targetUri(typed: string, domain: string): string | undefined {
  const t = typed.trim().replace(/^sip:/i, '').replace(/\s+/g, '');
  if (!TARGET.test(t)) return undefined;
  return t.includes('@') ? `sip:${t}` : `sip:${t}@${domain}`;
}

/** The WebSocket URL a page can use: an https page only wss (mixed content is blocked), an http page ws first. */
export function pickWsUrl(urls: readonly string[], pageProtocol: string): string | undefined {
  if (pageProtocol === 'https:') return urls.find((u) => u.startsWith('wss://'));
  return urls.find((u) => u.startsWith('ws://')) ?? urls.find((u) => u.startsWith('wss://'));
}
