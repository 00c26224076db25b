/**
 * pbx.yaml `subscriptions:` (SUBSCRIBE/NOTIFY, src/events) and `smtp:` (the operator's mail
 * relay for voicemail e-mail). Pure schema; parsePbxConfig copies the results.
 */
import { host, positiveInt } from './field-types.js';
import { bool, fromEnv, int, object, str } from './schema.js';

/** The policy when pbx.yaml has no `subscriptions:` (the schema's defaults, the same numbers). */
export const SUBSCRIPTION_DEFAULTS = { minExpires: 60, maxExpires: 3600, defaultExpires: 3600, ratePerSecond: 50, burst: 200, maxPerTenant: 2000 } as const;

const d = SUBSCRIPTION_DEFAULTS;
export const subscriptionsSchema = object({
  /** Shortest subscription accepted; shorter gets 423 Interval Too Brief (RFC 6665 §4.2.1.1). */
  minExpires: positiveInt(86_400).default(d.minExpires),
  /** Longest subscription granted; longer requests are shortened to it. */
  maxExpires: positiveInt(86_400).default(d.maxExpires),
  /** Granted when the SUBSCRIBE has no Expires. */
  defaultExpires: positiveInt(86_400).default(d.defaultExpires),
  /** SUBSCRIBEs a second per tenant before 503 with Retry-After; 0 = off. */
  ratePerSecond: int({ min: 0, max: 100_000 }).default(d.ratePerSecond),
  /** How many may arrive at once before the rate applies. */
  burst: positiveInt(100_000).default(d.burst),
  /** Live subscriptions per tenant. */
  maxPerTenant: positiveInt(1_000_000).default(d.maxPerTenant),
}).check((r, where) => {
  if (r.minExpires > r.maxExpires) where.at('minExpires').report(`must not exceed maxExpires (${r.maxExpires})`);
  else if (r.defaultExpires < r.minExpires) where.at('defaultExpires').report(`must not be less than minExpires (${r.minExpires})`);
  else if (r.defaultExpires > r.maxExpires) where.at('defaultExpires').report(`must not exceed maxExpires (${r.maxExpires})`);
});

export const smtpSchema = object({
  host: fromEnv(host()),
  port: fromEnv(int({ min: 1, max: 65_535 })).default(587),
  /** true: TLS from the first byte (port 465); false: STARTTLS when the relay offers it. */
  secure: bool().default(false),
  user: fromEnv(str({ minLength: 1, maxLength: 256 })).optional(),
  password: fromEnv(str({ maxLength: 1024 })).optional(),
  /** The From address of voicemail mail, e.g. "PBX <voicemail@pbx.example>". */
  from: fromEnv(str({ minLength: 3, maxLength: 256 })),
  /** Attempts per message before it is given up (with back-off between them). */
  attempts: positiveInt(20).default(5),
}).check((r, where) => {
  if (r.password !== undefined && r.user === undefined) where.at('password').report('needs user');
  if (!/@/.test(r.from)) where.at('from').report('must be an e-mail address');
});
