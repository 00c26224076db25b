/**
 * The console's session cookie (RFC 6265): `pbx_session`, HttpOnly (no script reads it),
 * SameSite=Strict (never sent on a request another site starts), Secure (browsers keep
 * Secure cookies from http://localhost and 127.0.0.1 too; elsewhere use api.tls), Path=/.
 * No Max-Age: it ends with the browser; the server ends it earlier (idle, absolute, logout).
 */
export const SESSION_COOKIE = 'pbx_session';

/** The value of `pbx_session` in a Cookie header, or undefined (the first one counts). */
export function sessionCookie(header: string | string[] | undefined): string | undefined {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (!text || text.length > 8192) return undefined;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const v = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{1,128}$/.test(v) ? v : undefined;
  }
  return undefined;
}

export function setSessionCookie(id: string): string {
  return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Secure`;
}

export function clearSessionCookie(): string {
  return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Secure; Max-Age=0`;
}
