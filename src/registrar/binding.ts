import type { TransportProtocol } from '../sip/transport/types.js';

/**
 * One registered contact of an address-of-record, as the registrar keeps it.
 * Structurally identical to the tenant store's BindingRow, so rows pass through as is.
 */
export interface Binding {
  /** The extension (unescaped user part of the AOR). */
  aor: string;
  /** The Contact URI as registered, serialized. */
  contact: string;
  /** RFC 5626 +sip.instance, without the angle brackets and quotes. */
  instance?: string;
  /** RFC 5626 reg-id. */
  regId?: number;
  callId: string;
  cseq: number;
  /** ms since the epoch. */
  expiresAt: number;
  q?: number;
  /** Where the REGISTER really came from: the address a phone behind NAT is reached at. */
  source: {
    protocol: TransportProtocol;
    address: string;
    port: number;
    connectionId?: string;
    localAddress: string;
    localPort: number;
  };
  /** RFC 3327 Path, top first. */
  path?: string[];
  userAgent?: string;
  updatedAt: number;
}

/** What the registrar needs of a tenant store. */
export interface BindingStore {
  getBindings(aor: string): Binding[];
  replaceBindings(aor: string, rows: Binding[]): void;
}
