import type { TenantContext } from '../tenant/tenant-context.js';

/** What a subscriber may watch: a resource of its own tenant, or the reason it may not. */
export type ResourceAccess =
  | { ok: true; resource: string }
  /** 403: exists but not the subscriber's; 404: no such resource in the subscriber's tenant. */
  | { ok: false; status: 403 | 404; reason: string };

/** Which NOTIFY of which subscription a body is for. */
export interface NotifyView {
  /** The authenticated extension that subscribed. */
  subscriber: string;
  /** How many NOTIFYs this subscription sent before this one (0 for the first). */
  sent: number;
}

/** The body of a NOTIFY for one resource's current state. */
export interface EventState {
  contentType: string;
  body: string;
}

/**
 * One SIP event package (RFC 6665 §7.2): its name as it appears in the Event header, the
 * body type it sends, who may watch what, and the state of a resource. The subscription
 * manager is the same for every package (message-summary here, dialog and presence later);
 * a package never sees another tenant than the one it is given.
 */
export interface EventPackage {
  /** The Event header token, lower-case (e.g. "message-summary"). */
  readonly name: string;
  /** The body type of its NOTIFYs (the SUBSCRIBE's Accept must allow it, RFC 6665 §4.2.1). */
  readonly contentType: string;
  /**
   * Whether the authenticated extension `subscriberExt` of `tenant` may watch the resource
   * the Request-URI user names (`requestUser`); the resource key is what state() and the
   * change notifications use.
   */
  access(tenant: TenantContext, subscriberExt: string, requestUser: string): ResourceAccess;
  /**
   * The current state of a resource of `tenant`; undefined when the resource is gone (the
   * subscription then ends: noresource). `view`: the subscription it is for, when the body
   * depends on it (RFC 4235 §4.1.2: a version counted per subscription).
   */
  state(tenant: TenantContext, resource: string, view?: NotifyView): EventState | undefined;
}
