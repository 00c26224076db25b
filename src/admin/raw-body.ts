/**
 * A binary request body (an uploaded prompt, music on hold) as RawBody: the Content-Type
 * is checked against what the route accepts (415), a declared Content-Length past the cap
 * is refused before a byte is read (413), and saveTo streams the body into a file with a
 * running count, so neither a lying Content-Length nor a chunked body of any size is
 * buffered or written past the cap.
 */
import { createWriteStream, unlinkSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { ApiError, BodyOverLimit, type RawBody } from './api-types.js';

/** Default cap of a raw body (api.uploadLimitMB). */
export const UPLOAD_LIMIT_BYTES = 20 * 1024 * 1024;
/** After a refusal the rest of a body is read and dropped up to this much (so the client sees the answer); beyond it the connection is cut. */
const DRAIN_BYTES = 8 * 1024 * 1024;

/** The media type of a Content-Type header, lower case, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Reads and drops what is left of a refused body, cutting the connection past DRAIN_BYTES. */
function drain(req: IncomingMessage): void {
  let seen = 0;
  req.on('data', (c: Buffer) => {
    seen += c.length;
    if (seen > DRAIN_BYTES) req.destroy();
  });
  req.resume();
}

export function rawBodyOf(req: IncomingMessage, accepted: readonly string[], limitBytes: number): RawBody {
  const type = mediaType(req.headers['content-type']);
  if (!accepted.includes(type)) {
    drain(req);
    throw new ApiError(415, 'unsupported_media_type', `send the body as ${accepted.join(' or ')}${type ? `, not ${type.slice(0, 60)}` : ''}`);
  }
  const header = req.headers['content-length'];
  const declared = header !== undefined && /^\d{1,15}$/.test(header) ? Number(header) : undefined;
  if (declared !== undefined && declared > limitBytes) {
    if (declared > limitBytes + DRAIN_BYTES) req.destroy();
    else drain(req);
    throw new ApiError(413, 'body_too_large', `the body is larger than ${limitBytes} bytes (api.uploadLimitMB)`);
  }
  let used = false;
  return {
    contentType: type,
    ...(declared !== undefined ? { declaredBytes: declared } : {}),
    limitBytes,
    saveTo(path, quotaBytes) {
      if (used) return Promise.reject(new Error('the body was read already'));
      used = true;
      const max = Math.min(limitBytes, quotaBytes ?? Infinity);
      const which = quotaBytes !== undefined && quotaBytes < limitBytes ? 'quota' : 'limit';
      return new Promise<number>((resolve, reject) => {
        // 'wx': never follows or replaces something already at `path`.
        const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
        let size = 0;
        let settled = false;
        const fail = (e: unknown) => {
          if (settled) return;
          settled = true;
          req.off('data', onData);
          out.destroy();
          out.once('close', () => {
            try {
              unlinkSync(path);
            } catch {
              // never created, or gone
            }
            reject(e);
          });
          if (out.closed) out.emit('close');
        };
        const onData = (c: Buffer) => {
          size += c.length;
          if (size > max) {
            fail(new BodyOverLimit(which, max));
            drain(req);
            return;
          }
          if (!out.write(c)) {
            req.pause();
            out.once('drain', () => req.resume());
          }
        };
        out.on('error', fail);
        req.on('data', onData);
        req.on('error', fail);
        req.on('aborted', () => fail(new Error('request aborted')));
        req.on('close', () => {
          if (!req.complete) fail(new Error('request aborted'));
        });
        req.on('end', () => {
          if (settled) return;
          out.end(() => {
            if (settled) return;
            settled = true;
            resolve(size);
          });
        });
        req.resume();
      });
    },
  };
}
