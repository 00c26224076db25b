/** A problem with one field of a request body, as the API's 422 details name it (JSON pointer). */
export interface FieldProblem {
  path: string;
  message: string;
}

/** An answer of the API that is not 2xx: its status, code and message, and any field problems. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: readonly FieldProblem[] = [],
  ) {
    super(message);
  }
}

/** The PBX's REST API, same origin, by the session cookie; mutations carry the CSRF token. */
export class ApiClient {
  /** The session's CSRF token (from login or GET /session). */
  csrfToken: string | undefined;
  /** Called when an answer is 401 (the session ended). */
  onUnauthorized: (() => void) | undefined;

  constructor(readonly base = '/api/v1') {}

  get<T>(path: string, query?: Record<string, string | undefined>): Promise<T> {
    return this.call<T>('GET', path + queryString(query));
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }
  put<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('PUT', path, body);
  }
  patch<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('PATCH', path, body);
  }
  del(path: string): Promise<void> {
    return this.call<void>('DELETE', path);
  }

  /** The URL of a GET (a CSV download, a WAV for <audio>): the cookie authenticates it. */
  url(path: string, query?: Record<string, string | undefined>): string {
    return this.base + path + queryString(query);
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.exchange<T>(method, path, body)).body;
  }

  /** GET with the document's ETag, to send back as If-Match when writing it. */
  getTagged<T>(path: string): Promise<Tagged<T>> {
    return this.exchange<T>('GET', path);
  }

  /**
   * A write that happens only if the document still has the tag read (If-Match, RFC 9110
   * §13.1.1): someone else's change in between is a 412 (isStale). Without a tag, a plain write.
   * Answers the document's new tag.
   */
  writeTagged<T>(method: 'PUT' | 'PATCH' | 'DELETE', path: string, body: unknown, ifMatch: string | undefined): Promise<Tagged<T>> {
    return this.exchange<T>(method, path, body, ifMatch);
  }

  private async exchange<T>(method: string, path: string, body?: unknown, ifMatch?: string): Promise<Tagged<T>> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && method !== 'HEAD' && this.csrfToken) headers['X-CSRF-Token'] = this.csrfToken;
    if (ifMatch !== undefined) headers['If-Match'] = ifMatch;
    let res: Response;
    try {
      res = await fetch(this.base + path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch {
      throw new ApiFailure(0, 'network', 'network');
    }
    const etag = res.headers.get('ETag') ?? undefined;
    if (res.status === 204) return { body: undefined as T, etag };
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
      const fields = Array.isArray(e?.details) ? (e!.details as FieldProblem[]).filter((d) => typeof d?.path === 'string' && typeof d?.message === 'string') : [];
      if (res.status === 401 && path !== '/login' && path !== '/session') this.onUnauthorized?.();
      throw new ApiFailure(res.status, e?.code ?? `http_${res.status}`, e?.message ?? res.statusText, fields);
    }
    return { body: json as T, etag };
  }
}

/** A document with the ETag it was read (or written) with. */
export interface Tagged<T> {
  body: T;
  etag: string | undefined;
}

/** The write was refused because someone else changed the document since it was read (412). */
export function isStale(e: unknown): boolean {
  return e instanceof ApiFailure && e.status === 412;
}

/** Every segment of a path from user data goes through this: '/' or '..' can never change the path. */
export function seg(s: string): string {
  return encodeURIComponent(s);
}

function queryString(q: Record<string, string | undefined> | undefined): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, v);
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}
