// One admin API request over HTTP with the path sent exactly as written (fetch would
// normalise `..` and `%2e%2e`), an optional binary body, and the answer read whole.
import { request } from 'node:http';

export interface ApiAnswer {
  status: number;
  body: Buffer;
  /** The body parsed as JSON, or undefined. */
  json: any;
  headers: Record<string, string | string[] | undefined>;
}

export interface ApiCallOptions {
  /** The bearer token. */
  token: string;
  /** Content-Type of the body. */
  type?: string;
  body?: Buffer;
  headers?: Record<string, string>;
}

/** `path` is below /api/v1. */
export function apiCall(port: number, method: string, path: string, o: ApiCallOptions): Promise<ApiAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${o.token}`, ...(o.type ? { 'content-type': o.type } : {}), ...(o.headers ?? {}) };
    if (o.body) headers['content-length'] = String(o.body.length);
    const req = request({ host: '127.0.0.1', port, method, path: `/api/v1${path}`, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        let json: unknown;
        try {
          json = JSON.parse(body.toString());
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body, json, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(o.body);
  });
}
