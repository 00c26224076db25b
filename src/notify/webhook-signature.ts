import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The webhook signature: `sha256=` + hex HMAC-SHA256(secret, timestamp + "." + body),
 * sent as X-PBX-Signature with the timestamp (Unix seconds) as X-PBX-Timestamp. Signing
 * the timestamp lets the receiver refuse replays of old deliveries.
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** For receivers (and tests): constant-time check of a signature header. */
export function verifyWebhookSignature(secret: string, timestamp: string, body: string, header: string | undefined): boolean {
  if (header === undefined) return false;
  const want = Buffer.from(webhookSignature(secret, timestamp, body));
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}
