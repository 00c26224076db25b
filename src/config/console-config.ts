/**
 * pbx.yaml `console:` (issue 14): who may log in to the web console as the provider, and the
 * session and login-guard policy; `api.tls` for the API listener. Pure.
 */
import { filePath } from './field-types.js';
import { fromEnv, int, list, object, reject, str } from './schema.js';

const SCRYPT_HASH = /^\$scrypt\$N=[0-9]{1,8},r=[0-9]{1,2},p=[0-9]{1,2}\$[A-Za-z0-9+/]{22,24}={0,2}\$[A-Za-z0-9+/]{43}=?$/;

export interface ConsoleConfig {
  /** Provider accounts: name (no '@') and the scrypt hash of the password. */
  providers: Array<{ name: string; passwordHash: string }>;
  /** A session ends this long after its last request. */
  sessionIdleMinutes: number;
  /** ... and this long after the login, whatever happens. */
  sessionMaxHours: number;
  /** Open event streams (GET /api/v1/events) per logged-in principal or token. */
  maxStreams: number;
  /** Failed logins from one address within windowSeconds before it is refused for banSeconds. */
  loginFailBan: { attempts: number; windowSeconds: number; banSeconds: number };
  /** Failed logins for one username within loginFailBan.windowSeconds before that username is locked for banSeconds. */
  userFailLock: number;
}

export const CONSOLE_DEFAULTS: ConsoleConfig = {
  providers: [],
  sessionIdleMinutes: 30,
  sessionMaxHours: 12,
  maxStreams: 4,
  loginFailBan: { attempts: 10, windowSeconds: 300, banSeconds: 900 },
  userFailLock: 5,
};

const provider = object({
  name: str({ minLength: 1, maxLength: 64 }).to((n) => (/^[A-Za-z0-9._-]+$/.test(n) ? n : reject('letters, digits, ".", "_" and "-" only (no "@")'))),
  passwordHash: fromEnv(str()).to((h) => (SCRYPT_HASH.test(h) ? h : reject('must be a $scrypt$ hash as `pbx web-password-hash` prints'))),
});

export const consoleSchema = object({
  providers: list(provider, { unique: { key: (p) => p.name, what: 'provider' } }).default([]),
  sessionIdleMinutes: int({ min: 1, max: 1440 }).default(CONSOLE_DEFAULTS.sessionIdleMinutes),
  sessionMaxHours: int({ min: 1, max: 168 }).default(CONSOLE_DEFAULTS.sessionMaxHours),
  maxStreams: int({ min: 1, max: 100 }).default(CONSOLE_DEFAULTS.maxStreams),
  loginFailBan: object({
    attempts: int({ min: 1, max: 1000 }).default(CONSOLE_DEFAULTS.loginFailBan.attempts),
    windowSeconds: int({ min: 1, max: 86_400 }).default(CONSOLE_DEFAULTS.loginFailBan.windowSeconds),
    banSeconds: int({ min: 1, max: 86_400 * 7 }).default(CONSOLE_DEFAULTS.loginFailBan.banSeconds),
  }),
  userFailLock: int({ min: 1, max: 1000 }).default(CONSOLE_DEFAULTS.userFailLock),
});

/** api.tls: the API listener speaks HTTPS with this certificate (PEM files, as sip.tls). */
export const apiTlsSchema = object({ cert: fromEnv(filePath()), key: fromEnv(filePath()) });
