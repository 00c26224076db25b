// A browser's side of the console's session, over real HTTP: logs in, keeps the pbx_session
// cookie and the CSRF token, and sends them as a page of the console would.
export type Answer = { status: number; body: any; headers: Headers; text: string };

export class ConsoleClient {
  cookie: string | undefined;
  csrf: string | undefined;
  session: any;

  constructor(readonly apiUrl: string) {}

  static async login(apiUrl: string, username: string, password: string): Promise<ConsoleClient> {
    const c = new ConsoleClient(apiUrl);
    const r = await c.login(username, password);
    if (r.status !== 200) throw new Error(`login of ${username} failed: ${r.status} ${r.text}`);
    return c;
  }

  async login(username: string, password: string, headers: Record<string, string> = {}): Promise<Answer> {
    const r = await this.send('POST', '/login', { username, password }, { csrf: false, headers });
    const set = r.headers.get('set-cookie');
    if (r.status === 200 && set) {
      this.cookie = /pbx_session=([^;]*)/.exec(set)?.[1];
      this.csrf = r.body.csrfToken;
      this.session = r.body;
    }
    return r;
  }

  /** A request with the cookie; `csrf: false` leaves the token out, a string sends that one instead. */
  async send(method: string, path: string, body?: unknown, o: { csrf?: boolean | string; headers?: Record<string, string> } = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (this.cookie !== undefined) headers['cookie'] = `pbx_session=${this.cookie}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const csrf = o.csrf ?? true;
    if (typeof csrf === 'string') headers['x-csrf-token'] = csrf;
    else if (csrf && this.csrf !== undefined && method !== 'GET') headers['x-csrf-token'] = this.csrf;
    const r = await fetch(this.apiUrl + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: r.status, body: parsed, headers: r.headers, text };
  }
}
