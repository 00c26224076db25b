/**
 * What the API server needs of the console's sessions, and the headers every answer
 * carries. The Content-Security-Policy allows nothing inline and nothing from elsewhere
 * (issue 14 "Bad input": a script in a name field must stay text).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Principal } from './api-types.js';

export interface SessionVerifier {
  /** The live session of a cookie value: its principal and its CSRF token. */
  get(id: string): { principal: Principal; csrfToken: string } | undefined;
  /** Counts a request refused for its CSRF token. */
  csrfRefused?(): void;
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** Constant-time comparison of a CSRF token sent with the session's. */
export function csrfMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}
