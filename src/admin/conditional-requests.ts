/**
 * Optimistic concurrency for the API's documents (RFC 9110 §13.1.1 If-Match): a GET of a
 * resource that can also be written (PUT, PATCH or DELETE at the same path) answers an ETag;
 * a write that sends If-Match is carried out only when the tag still matches what GET would
 * answer now. Without If-Match a write behaves as before (machines and the CLI keep working).
 *
 * The current tag is found by running the resource's own GET route for the same caller, so
 * it is exactly the tag a client read, and authorisation (tenant scope) is the GET's: a
 * caller never learns a tag of something it may not read, and a tag is bound to its path
 * (tenant included), so another tenant's tag never matches.
 */
import { ApiError, type Principal, type RouteDef } from './api-types.js';
import { entityTag, ifMatchHolds, parseIfMatch } from './etag.js';
import { runRoute } from './run-route.js';

const WRITES = new Set(['PUT', 'PATCH', 'DELETE']);

export class ConditionalRequests {
  /** The GET route of each template that also has a write method. */
  private readonly reads = new Map<string, RouteDef<any>>();

  constructor(routes: readonly RouteDef<any>[]) {
    const written = new Set(routes.filter((r) => WRITES.has(r.method)).map((r) => r.path));
    for (const r of routes) if (r.method === 'GET' && written.has(r.path) && !r.response.contentType) this.reads.set(r.path, r);
  }

  /** Whether GET at this template answers an ETag (and writes there take If-Match against it). */
  tagged(template: string): boolean {
    return this.reads.has(template);
  }

  /** The tag of a GET answer `body` at `template` with these parameters (tenant id among them). */
  tagOf(template: string, params: Record<string, string>, body: unknown): string {
    const scope = `${template}?${JSON.stringify(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;
    return entityTag(scope, body);
  }

  /** The tag GET would answer now for this caller; undefined when there is nothing there (404). */
  async current(template: string, principal: Principal, params: Record<string, string>): Promise<string | undefined> {
    const get = this.reads.get(template);
    if (!get) return undefined;
    try {
      const out = await runRoute(get, principal, params, {}, () => undefined);
      return out.status === 200 && out.body !== undefined ? this.tagOf(template, params, out.body) : undefined;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  /**
   * Evaluates If-Match for a write (call it just before the handler). A value that is not
   * "*" or a list of entity tags is 400; a tag that is not the current one, or "*" where
   * nothing exists, is 412 and nothing is written.
   */
  async check(route: Pick<RouteDef, 'method' | 'path'>, principal: Principal, params: Record<string, string>, ifMatch: string | undefined): Promise<void> {
    if (ifMatch === undefined || !WRITES.has(route.method)) return;
    const cond = parseIfMatch(ifMatch);
    if (!cond) throw new ApiError(400, 'bad_if_match', 'If-Match must be "*" or a list of entity tags in double quotes');
    // A path with no GET has no representation to compare with: If-Match can never hold (§13.1.1).
    if (!this.tagged(route.path)) throw new ApiError(412, 'precondition_failed', 'this resource has no GET and so no entity tag: If-Match cannot match; nothing was written');
    const now = await this.current(route.path, principal, params);
    if (!ifMatchHolds(cond, now)) {
      throw new ApiError(
        412,
        'precondition_failed',
        now === undefined ? 'it does not exist (If-Match): nothing was written' : 'it was changed by someone else since you read it (If-Match does not match its ETag): nothing was written; read it again',
      );
    }
  }
}
