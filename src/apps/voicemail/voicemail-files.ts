/**
 * Where a tenant's voicemail lives on disk: `<tenantDir>/voicemail/<box>/<id>.wav` for a
 * message, `<tenantDir>/voicemail/<box>/greeting-<kind>.wav` for a greeting. The box is a
 * digit string checked before it is stored, the id is generated here: nothing from the wire
 * ever becomes part of a path, and every path is checked to stay inside the tenant's folder.
 */
import { randomBytes } from 'node:crypto';
import { join, resolve, sep } from 'node:path';

export const BOX_RE = /^[0-9]{1,32}$/;
/** yyyymmddhhmmss-<12 hex>: sorts by time, unique by its random part. */
export const MESSAGE_ID_RE = /^[0-9]{14}-[0-9a-f]{12}$/;
export const GREETING_KINDS = ['unavailable', 'busy', 'name', 'temporary'] as const;
export type GreetingKind = (typeof GREETING_KINDS)[number];

export function isGreetingKind(v: unknown): v is GreetingKind {
  return typeof v === 'string' && (GREETING_KINDS as readonly string[]).includes(v);
}

export function newMessageId(nowMs: number): string {
  const d = new Date(nowMs);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  return `${stamp}-${randomBytes(6).toString('hex')}`;
}

function checkBox(box: string): string {
  if (!BOX_RE.test(box)) throw new RangeError(`not a voicemail box number: ${JSON.stringify(box)}`);
  return box;
}

/** The folder of a box, relative to the tenant's folder. */
export function boxFolder(box: string): string {
  return join('voicemail', checkBox(box));
}

/** A message's file, relative to the tenant's folder. */
export function messageFile(box: string, id: string): string {
  if (!MESSAGE_ID_RE.test(id)) throw new RangeError(`not a voicemail message id: ${JSON.stringify(id)}`);
  return join(boxFolder(box), `${id}.wav`);
}

export function greetingFile(box: string, kind: GreetingKind): string {
  return join(boxFolder(box), `greeting-${kind}.wav`);
}

/** An absolute path for a relative one, refused when it would leave the tenant's folder. */
export function insideTenant(tenantFolder: string, relative: string): string {
  const base = resolve(tenantFolder);
  const p = resolve(base, relative);
  if (!p.startsWith(base + sep)) throw new RangeError('path outside the tenant folder');
  return p;
}
