import type { TenantStore } from '../store/tenant-store.js';

/** One webhook of a tenant, as declared and as stored (settings row `webhooks`, JSON). */
export interface WebhookSpec {
  url: string;
  secret: string;
  events: readonly string[];
}

export const WEBHOOKS_SETTING = 'webhooks';
const EVENTS = new Set(['voicemail.new']);

/**
 * Checks a tenant's webhooks (the API and the YAML reach here alike) and returns them as
 * stored, or undefined when there are none. The URL's address is checked again before each
 * delivery (src/notify/webhook-notifier.ts).
 */
export function validateWebhooks(hooks: unknown, bad: (path: string, message: string) => void): WebhookSpec[] | undefined {
  if (hooks === undefined) return undefined;
  if (!Array.isArray(hooks)) {
    bad('webhooks', 'must be a list');
    return undefined;
  }
  if (hooks.length > 20) bad('webhooks', 'at most 20 webhooks');
  const out: WebhookSpec[] = [];
  hooks.forEach((h: Partial<WebhookSpec> | null, i) => {
    const at = `webhooks[${i}]`;
    let ok = true;
    let url: URL | undefined;
    try {
      url = typeof h?.url === 'string' && h.url.length <= 2048 ? new URL(h.url) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '') {
      bad(`${at}.url`, 'must be an http:// or https:// URL without credentials');
      ok = false;
    }
    if (typeof h?.secret !== 'string' || h.secret.length < 16 || h.secret.length > 512) {
      bad(`${at}.secret`, 'must be 16 to 512 characters');
      ok = false;
    }
    if (!Array.isArray(h?.events) || h.events.length === 0 || h.events.some((e) => typeof e !== 'string' || !EVENTS.has(e))) {
      bad(`${at}.events`, `must list events of: ${[...EVENTS].join(', ')}`);
      ok = false;
    }
    if (ok) out.push({ url: h!.url!, secret: h!.secret!, events: [...new Set(h!.events!)] });
  });
  return out.length > 0 ? out : undefined;
}

/** The webhooks of a tenant from its store; none when the setting is absent or unreadable. */
export function readWebhooks(store: Pick<TenantStore, 'getSetting'>): WebhookSpec[] {
  const text = store.getSetting(WEBHOOKS_SETTING);
  if (text === undefined) return [];
  try {
    const v = JSON.parse(text) as WebhookSpec[];
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}
