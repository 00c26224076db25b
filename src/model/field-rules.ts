/**
 * The rules of the fields an operator can set both in a tenant's YAML and through the
 * admin API, written once. src/config decodes the YAML with them (checkField), src/tenant
 * checks a spec with them, and src/admin derives the JSON Schema of its bodies from them
 * (fieldJsonSchema), so the two doors cannot drift apart. Plain data, no I/O.
 */

/** A string field. Lengths count code points, as JSON Schema's minLength/maxLength do. */
export interface TextRule {
  readonly type: 'string';
  readonly minLength: number;
  readonly maxLength: number;
  /** ECMAScript pattern (with the u flag) the whole value must match. */
  readonly pattern?: string;
  /** Human-readable text: C0/C1 control characters and bidi controls are refused. */
  readonly human?: boolean;
  /** The message when the value breaks the rule. */
  readonly problem: string;
  readonly description: string;
  readonly examples?: readonly string[];
}

/** An integer field. */
export interface IntRule {
  readonly type: 'integer';
  readonly minimum: number;
  readonly maximum: number;
  readonly description: string;
}

/** One of a few words. */
export interface EnumRule {
  readonly type: 'enum';
  readonly values: readonly string[];
  readonly description: string;
}

export type FieldRule = TextRule | IntRule | EnumRule;

/**
 * C0 and C1 control characters (NUL, ESC, DEL, ...) and the Unicode bidi controls
 * (LRM/RLM U+200E-U+200F, embeddings and overrides U+202A-U+202E, isolates
 * U+2066-U+2069): they hide or reorder what an operator reads in a name (a "Trojan
 * source" label), and NUL ends a C string. Refused in every human-readable name.
 */
export const FORBIDDEN_IN_TEXT = '\\u0000-\\u001f\\u007f-\\u009f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
const FORBIDDEN_RE = new RegExp(`[${FORBIDDEN_IN_TEXT}]`, 'u');

/** A human-readable name of 1-`max` characters: not only spaces, no control or bidi characters. */
function humanText(max: number, description: string, examples?: readonly string[]): TextRule {
  return {
    type: 'string',
    minLength: 1,
    maxLength: max,
    pattern: `^(?!\\s*$)[^${FORBIDDEN_IN_TEXT}]*$`,
    human: true,
    problem: `must be 1-${max} characters, not only spaces, without control characters (U+0000-U+001F, U+007F-U+009F) or bidi controls (U+200E, U+200F, U+202A-U+202E, U+2066-U+2069)`,
    description,
    ...(examples ? { examples } : {}),
  };
}

export const CLASSES_OF_SERVICE_LIST = ['internal', 'local', 'national', 'international', 'premium'] as const;

/** The maximum of each per-tenant limit: far beyond any real tenant, far below 2^53. */
export const LIMIT_MAXIMUMS = {
  calls: 100_000,
  extensions: 100_000,
  /** 1 PB. */
  storageMB: 1_000_000_000,
  registrations: 1_000_000,
  callsPerSecond: 10_000,
  callsPerExtension: 1_000,
  trunkCalls: 100_000,
  /** 100 000 calls all day long. */
  outboundMinutesPerDay: 144_000_000,
} as const;

export type LimitKey = keyof typeof LIMIT_MAXIMUMS;

const LIMIT_TEXT: Record<LimitKey, string> = {
  calls: 'Concurrent calls',
  extensions: 'Number of extensions',
  storageMB: 'Storage (MB) for the tenant folder',
  registrations: 'Registered contacts',
  callsPerSecond: 'New calls per second',
  callsPerExtension: 'Concurrent calls per extension',
  trunkCalls: 'Concurrent calls through trunks',
  outboundMinutesPerDay: 'Outbound minutes per UTC day',
};

/** A limit: a whole number from 0 (nothing allowed) to its maximum; absent means no limit. */
export const LIMIT_RULES: Record<LimitKey, IntRule> = Object.fromEntries(
  Object.entries(LIMIT_MAXIMUMS).map(([k, max]) => [k, { type: 'integer', minimum: 0, maximum: max, description: `${LIMIT_TEXT[k as LimitKey]} (0-${max})` }]),
) as Record<LimitKey, IntRule>;

export const TRUNK_CODEC_LIST = ['PCMU', 'PCMA', 'G722', 'opus'] as const;

/** Trunk credentials: written into Authorization, so no controls; the username is quoted there (RFC 3261 §25.1 quoted-string): no '"' or '\'. */
const CREDENTIAL_PATTERN = `^[^${FORBIDDEN_IN_TEXT}]*$`;

/** The fields of a trunk shared by the tenant YAML (and pbx.yaml's provider trunks) and the admin API. */
export const TRUNK_FIELDS = {
  username: {
    type: 'string',
    minLength: 1,
    maxLength: 256,
    pattern: `^[^"\\\\${FORBIDDEN_IN_TEXT}]*$`,
    problem: `must be 1-256 characters, no control characters, '"' or '\\'`,
    description: 'The account at the carrier',
  },
  password: {
    type: 'string',
    minLength: 1,
    maxLength: 256,
    pattern: CREDENTIAL_PATTERN,
    problem: 'must be 1-256 characters without control characters',
    description: 'write-only',
  },
  registerExpires: { type: 'integer', minimum: 60, maximum: 86_400, description: 'Seconds a registration at the carrier lasts (60-86400)' },
  maxChannels: { type: 'integer', minimum: 1, maximum: 100_000, description: 'Concurrent calls through the trunk (1-100000)' },
  codec: { type: 'enum', values: TRUNK_CODEC_LIST, description: 'A codec the PBX can relay or transcode' },
} as const satisfies Record<string, FieldRule>;

/** Numbering, ring groups and routes: shared by the tenant YAML and PUT .../routing. */
export const ROUTING_FIELDS = {
  /** Names of trunks, ring groups and routes. */
  objectName: {
    type: 'string',
    minLength: 1,
    maxLength: 63,
    pattern: '^[a-z0-9-]{1,63}$',
    problem: 'must be 1-63 characters of a-z 0-9 -',
    description: 'A name of a-z 0-9 -',
  },
  countryCode: {
    type: 'string',
    minLength: 1,
    maxLength: 3,
    pattern: '^[1-9][0-9]{0,2}$',
    problem: 'must be a country calling code: 1-3 digits, not starting with 0, without + (e.g. 1, 44, 358)',
    description: 'Country calling code',
    examples: ['1'],
  },
  nationalPrefix: { type: 'string', minLength: 0, maxLength: 4, pattern: '^[0-9]{0,4}$', problem: 'must be a national prefix: 0-4 digits, e.g. 0 or 1', description: 'National trunk prefix' },
  ringSeconds: { type: 'integer', minimum: 5, maximum: 300, description: 'Seconds each ring lasts (5-300)' },
  conferenceNumber: { type: 'string', minLength: 1, maxLength: 32, pattern: '^[0-9]{1,32}$', problem: 'must be a room number: 1-32 digits', description: 'Number extensions dial to reach the conference room', examples: ['800'] },
  conferencePin: { type: 'string', minLength: 1, maxLength: 16, pattern: '^[0-9]{1,16}$', problem: 'must be a PIN: 1-16 digits', description: 'Digits a caller enters (then #) to join the room' },
  conferenceName: humanText(100, 'Display name of the conference room', ['Sales bridge']),
  maxParticipants: { type: 'integer', minimum: 1, maximum: 100, description: 'Most participants in the room at once (1-100)' },
  strip: { type: 'integer', minimum: 0, maximum: 20, description: 'Leading characters removed from the dialled number (0-20)' },
  prepend: {
    type: 'string',
    minLength: 0,
    maxLength: 21,
    pattern: '^\\+?[0-9]{0,20}$',
    problem: "must be digits to prepend: up to 20 digits, with an optional leading '+'",
    description: 'Put in front of the number',
  },
} as const satisfies Record<string, FieldRule>;

/**
 * A tenant with trunks, DIDs or routes must say its country calling code (numbers are
 * normalised with it), or '' for none: the problem when it says nothing, or undefined.
 * The YAML and the API's routing writes both ask it.
 */
export function missingCountryCode(t: { countryCode?: string; trunks?: readonly unknown[]; dids?: readonly unknown[]; inboundRoutes?: readonly unknown[]; outboundRoutes?: readonly unknown[] }): string | undefined {
  if (t.countryCode !== undefined) return undefined;
  const needs = (['trunks', 'dids', 'inboundRoutes', 'outboundRoutes'] as const).filter((k) => (t[k]?.length ?? 0) > 0);
  return needs.length > 0
    ? `required because the tenant has ${needs.join(', ')}: the country calling code, e.g. 1 or 44 ("" for none: every outside number then counts as international)`
    : undefined;
}

/** The fields shared by the tenant YAML and the admin API. */
export const FIELDS = {
  /** DESIGN.md: tenant ids name folders, so nothing else is allowed. */
  tenantId: {
    type: 'string',
    minLength: 1,
    maxLength: 63,
    pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
    problem: "must be a tenant id: 1-63 lowercase letters, digits and '-', not starting with '-'",
    description: 'Tenant id',
    examples: ['acme'],
  },
  tenantName: humanText(200, 'Display name of the tenant', ['Acme Corp']),
  /** Extension numbers are digest usernames: no ':' (it separates the HA1 input), no '@', no spaces. */
  ext: {
    type: 'string',
    minLength: 1,
    maxLength: 32,
    pattern: '^[A-Za-z0-9+][A-Za-z0-9+._-]{0,31}$',
    problem: 'must be an extension number: 1-32 characters of 0-9 A-Z a-z + . _ -, starting with a letter, digit or +',
    description: 'Extension number',
    examples: ['1001'],
  },
  extName: humanText(200, 'Display name of the extension', ['Alice']),
  password: {
    type: 'string',
    minLength: 8,
    maxLength: 256,
    problem: 'must be a password of 8-256 characters',
    description: 'SIP digest password',
  },
  /** ITU-T E.164: '+', a country code (never starting with 0), 8-15 digits in all. */
  e164: {
    type: 'string',
    minLength: 9,
    maxLength: 16,
    pattern: '^\\+[1-9][0-9]{7,14}$',
    problem: "must be an E.164 number: '+' then 8-15 digits, e.g. +14155550100",
    description: 'E.164 number',
    examples: ['+14155550100'],
  },
  classOfService: { type: 'enum', values: CLASSES_OF_SERVICE_LIST, description: 'What it may dial outside; emergency numbers are always allowed' },
  maxContacts: { type: 'integer', minimum: 1, maximum: 1000, description: 'Registered contacts of the extension (1-1000)' },
  /** A label a person reads in lists (API tokens). */
  label: humanText(200, 'A label for people'),
  /** Call recording policy of a tenant, an extension or a route (b2bua/recording-policy.ts). */
  recording: { type: 'enum', values: ['never', 'always', 'on-demand'], description: 'Call recording: never, always, or on-demand (started and stopped during the call)' },
  /** SDES-SRTP policy of a tenant or an extension (b2bua/srtp-policy.ts). */
  srtp: { type: 'enum', values: ['none', 'optional', 'required'], description: 'SDES-SRTP on TLS: none, optional (offered and accepted), or required (488 without it)' },
  /** A music-on-hold class: a folder `moh/<class>/` of the tenant; the prompt-name rule (media/prompts/prompt-path.ts PROMPT_NAME_RE). */
  mohClass: {
    type: 'string',
    minLength: 1,
    maxLength: 64,
    pattern: '^[a-z0-9][a-z0-9_-]{0,63}$',
    problem: 'must be a class name: 1-64 of a-z 0-9 _ -, starting with a letter or digit',
    description: 'Music-on-hold class (a folder moh/<class>/ of the tenant)',
    examples: ['default', 'jazz'],
  },
  /** A feature code dialled as DTMF during a call (b2bua/feature-code-matcher.ts), e.g. '*1'. */
  featureCode: {
    type: 'string',
    minLength: 2,
    maxLength: 8,
    pattern: '^[*#][0-9*#]{1,7}$',
    problem: "must be a feature code: '*' or '#' then 1-7 of 0-9 * #, e.g. *1",
    description: 'DTMF feature code dialled during a call',
    examples: ['*1'],
  },
} as const satisfies Record<string, FieldRule>;

const regexCache = new Map<string, RegExp>();
function regexFor(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) regexCache.set(pattern, (re = new RegExp(pattern, 'u')));
  return re;
}

/** Why `value` breaks `rule`, or undefined when it does not. */
export function checkField(rule: FieldRule, value: unknown): string | undefined {
  switch (rule.type) {
    case 'string': {
      if (typeof value !== 'string') return rule.problem;
      const len = [...value].length;
      if (len < rule.minLength || len > rule.maxLength) return rule.problem;
      if (rule.human && FORBIDDEN_RE.test(value)) return rule.problem;
      if (rule.pattern !== undefined && !regexFor(rule.pattern).test(value)) return rule.problem;
      return undefined;
    }
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < rule.minimum || value > rule.maximum) {
        return `must be a whole number from ${rule.minimum} to ${rule.maximum}`;
      }
      return undefined;
    case 'enum':
      return typeof value === 'string' && rule.values.includes(value) ? undefined : `must be one of ${rule.values.join(', ')}`;
  }
}

/**
 * The JSON Schema of a field, for the admin API's bodies and its OpenAPI document.
 * `x-problem` is the message the API gives when the pattern or a length is broken, the
 * same message as for the YAML.
 */
export function fieldJsonSchema(rule: FieldRule): Record<string, unknown> {
  switch (rule.type) {
    case 'string':
      return {
        type: 'string',
        minLength: rule.minLength,
        maxLength: rule.maxLength,
        ...(rule.pattern !== undefined ? { pattern: rule.pattern } : {}),
        description: rule.description,
        ...(rule.examples ? { examples: [...rule.examples] } : {}),
        'x-problem': rule.problem,
      };
    case 'integer':
      return { type: 'integer', minimum: rule.minimum, maximum: rule.maximum, description: rule.description };
    case 'enum':
      return { type: 'string', enum: [...rule.values], description: rule.description };
  }
}
