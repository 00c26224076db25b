import { useEffect } from 'preact/hooks';

/** One event of GET /api/v1/events (the login contract): scoped by the server to what the session may see. */
export type LiveEvent =
  | { type: 'registration'; tenantId: string; ext: string; contacts?: number }
  | { type: 'call'; tenantId: string; callId: string; state: string; from?: string; to?: string };

/** Calls `on` for each live event while the component is mounted (EventSource reconnects by itself). */
export function useLiveEvents(on: (e: LiveEvent) => void, deps: unknown[]): void {
  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    const es = new EventSource('/api/v1/events', { withCredentials: true });
    const handler = (type: LiveEvent['type']) => (m: MessageEvent) => {
      try {
        const data = JSON.parse(String(m.data)) as Record<string, unknown>;
        on({ ...data, type } as LiveEvent);
      } catch {
        // a malformed event is dropped
      }
    };
    const reg = handler('registration');
    const call = handler('call');
    es.addEventListener('registration', reg);
    es.addEventListener('call', call);
    // A server that sends unnamed events names the kind in the data.
    es.onmessage = (m: MessageEvent) => {
      try {
        const data = JSON.parse(String(m.data)) as Record<string, unknown>;
        if (data['type'] === 'registration' || data['type'] === 'call') on(data as unknown as LiveEvent);
      } catch {
        // dropped
      }
    };
    return () => es.close();
  }, deps);
}
