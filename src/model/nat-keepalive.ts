/**
 * A tenant's NAT keep-alive policy (issue 17): OPTIONS pings to its phones' UDP contacts
 * so that the NAT bindings in front of them stay open. Shared by the tenant file (config),
 * the tenant store's settings (tenant) and the pinger (registrar).
 */
export interface NatKeepalive {
  /** Seconds between two OPTIONS to one UDP contact; 0 = off. */
  optionsSeconds: number;
  /** Remove a binding after this many OPTIONS in a row went unanswered; 0 = never (only counted and logged). */
  dropAfterMisses: number;
}

export const NAT_KEEPALIVE_OFF: NatKeepalive = { optionsSeconds: 0, dropAfterMisses: 0 };

/** Bounds: below 10 s the pings are a load of their own; above an hour no NAT keeps a UDP binding. */
export const OPTIONS_SECONDS_RANGE = { min: 10, max: 3600 } as const;
export const DROP_AFTER_RANGE = { min: 0, max: 100 } as const;
