/**
 * Tenant YAML `webhooks:`: where the tenant's events are POSTed, signed with its secret
 * (src/notify/webhook-notifier.ts). The URL and secret may come from the environment.
 */
import { fromEnv, list, object, oneOf, str, type Where } from './schema.js';

/** The events a webhook may ask for. */
export const WEBHOOK_EVENTS = ['voicemail.new'] as const;

export const webhookSchema = object({
  url: fromEnv(str({ minLength: 10, maxLength: 2048 })),
  /** The HMAC-SHA256 key; at least 16 characters. */
  secret: fromEnv(str({ minLength: 16, maxLength: 512 })),
  events: list(oneOf(WEBHOOK_EVENTS), { min: 1, unique: { key: (e) => e, what: 'event' } }),
});

export function webhookList() {
  return list(webhookSchema, { max: 20 });
}

/**
 * A webhook URL must be http(s) with a host and no user info; a host given as an IP literal
 * must pass the outbound address policy of tenant trunks (a name is checked after DNS,
 * before each delivery).
 */
export function checkWebhooks(hooks: ReadonlyArray<{ url: string }>, root: Where, policy?: { hostRefusal(host: string): string | undefined }): void {
  hooks.forEach((h, i) => {
    const at = root.at('webhooks').at(i).at('url');
    const problem = webhookUrlProblem(h.url);
    if (problem) return at.report(problem);
    const host = new URL(h.url).hostname;
    const refusal = policy?.hostRefusal(host.startsWith('[') ? host.slice(1, -1) : host);
    if (refusal) at.report(refusal);
  });
}

export function webhookUrlProblem(u: string): string | undefined {
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    return 'must be an http:// or https:// URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
  if (url.hostname === '') return 'must name a host';
  if (url.username !== '' || url.password !== '') return 'must not hold credentials (the secret signs each request)';
  return undefined;
}
