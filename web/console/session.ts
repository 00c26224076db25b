import type { ApiClient } from './api';

export type Role = 'provider' | 'tenant-admin' | 'user';

/** What POST /login and GET /session answer (the login contract). */
export interface Session {
  role: Role;
  tenantId?: string;
  ext?: string;
  username: string;
  csrfToken: string;
  expiresAt: number | string;
}

/** The current session, or undefined when there is none (401). */
export async function currentSession(api: ApiClient): Promise<Session | undefined> {
  try {
    const s = await api.get<Session>('/session');
    api.csrfToken = s.csrfToken;
    return s;
  } catch {
    return undefined;
  }
}

export async function logIn(api: ApiClient, username: string, password: string): Promise<Session> {
  const s = await api.post<Session>('/login', { username, password });
  api.csrfToken = s.csrfToken;
  return s;
}

export async function logOut(api: ApiClient): Promise<void> {
  try {
    await api.post<void>('/logout');
  } finally {
    api.csrfToken = undefined;
  }
}
