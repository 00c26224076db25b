/**
 * Entity tags of the API's documents, for optimistic concurrency (RFC 9110 §8.8.3, §13.1.1).
 *
 * A tag is a hash of the canonical JSON of what GET answers (keys sorted, no spaces), bound to
 * the request path (which names the tenant): two tenants with the same document never share a
 * tag, and a tag says nothing about another tenant. Chosen over a per-tenant revision counter
 * because it needs no schema change and no bump in every write path (API, YAML sync, CLI, the
 * services' own writes such as a time-condition toggle): whatever changes what GET shows changes
 * the tag, and nothing else does (an unrelated write never makes a form's save fail).
 * The tags are strong: equal tags mean byte-equal JSON answers.
 */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so that equal data has one text. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

/** The strong entity tag (quoted) of `body` as answered at `path` (the concrete path, e.g. /api/v1/tenants/acme/routing). */
export function entityTag(path: string, body: unknown): string {
  const h = createHash('sha256').update(path).update('\n').update(canonicalJson(body)).digest('base64url');
  return `"${h.slice(0, 32)}"`;
}

/** An If-Match field value: any current representation ('*'), or a list of entity tags. */
export type IfMatch = { kind: 'any' } | { kind: 'tags'; tags: Array<{ weak: boolean; tag: string }> };

const MAX_TAGS = 32;
// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3)
const ENTITY_TAG = /^(W\/)?("[\x21\x23-\x7e\x80-\xff]*")$/;

/**
 * Parses If-Match (RFC 9110 §13.1.1: "*" / #entity-tag). Undefined when the value is not
 * well formed (the caller answers 400): a precondition the server cannot read must not be
 * taken as "no precondition".
 */
export function parseIfMatch(value: string): IfMatch | undefined {
  const v = value.trim();
  if (v === '*') return { kind: 'any' };
  if (v.length > 4096) return undefined;
  const tags: Array<{ weak: boolean; tag: string }> = [];
  for (const part of v.split(',')) {
    const p = part.trim();
    if (p === '') continue; // the list rule allows empty elements (RFC 9110 §5.6.1)
    const m = ENTITY_TAG.exec(p);
    if (!m) return undefined;
    tags.push({ weak: m[1] !== undefined, tag: m[2]! });
    if (tags.length > MAX_TAGS) return undefined;
  }
  return tags.length > 0 ? { kind: 'tags', tags } : undefined;
}

/**
 * Whether the condition holds for the current tag (undefined: the resource has no current
 * representation). "*" needs one to exist; a list needs one of its tags to match by the
 * strong comparison (§8.8.3.2: a weak tag never matches).
 */
export function ifMatchHolds(cond: IfMatch, current: string | undefined): boolean {
  if (current === undefined) return false;
  if (cond.kind === 'any') return true;
  return cond.tags.some((t) => !t.weak && t.tag === current);
}
