import type { FlowDestination } from './flow-destination.js';

/**
 * A tenant's ring groups and routes: the shapes config (tenant YAML), the tenant store's
 * routing plan and the routing services share, declared once here.
 */
export interface RingGroup {
  name: string;
  strategy: 'simultaneous' | 'sequential';
  /** Extensions of this tenant: rung all at once, or one after the other in this order. */
  members: string[];
  /** Simultaneous: how long all ring; sequential: how long each rings. */
  ringSeconds: number;
  /** When nobody answers; absent: hang up (480). */
  fallback?: FlowDestination;
}

export interface InboundRoute {
  /** A DID of this tenant (E.164, e.g. +14155550100), or '*' for any of its DIDs without a route of its own. */
  did: string;
  destination: FlowDestination;
}

export interface OutboundRoute {
  name: string;
  /**
   * Dial patterns in the familiar PBX style (dial-pattern-text.ts), X/N/Z upper-case:
   * digits match themselves, X any digit, N 2-9, Z 1-9, [1-5] a range or set, '.' one or
   * more of anything after; a leading '+' literal.
   */
  patterns: string[];
  /** Digits removed from the front of the dialled number before prepend. */
  strip: number;
  prepend: string;
  /** Trunk names, tried in order: the tenant's own trunks, or provider trunks it may use. */
  trunks: string[];
}
