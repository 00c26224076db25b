import type { ResourceDialog } from './extension-states.js';
import { xmlText } from './xml-text.js';

export const DIALOG_INFO_TYPE = 'application/dialog-info+xml';

/**
 * A full-state dialog-info document (RFC 4235 §4.1): `version` counts the documents sent on
 * one subscription from 0 (§4.1.2), `entity` is the watched resource's URI, and each dialog
 * carries its id, direction and state (§4.1.6.1). `local` is the resource itself; `remote`
 * the other party, only when the caller of the package allows it (privacy: by default a
 * watcher learns that a colleague is on the phone, not with whom).
 */
export function dialogInfoBody(o: { version: number; entity: string; dialogs: readonly ResourceDialog[]; remoteOf?: (d: ResourceDialog) => string | undefined }): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${o.version}" state="full" entity="${xmlText(o.entity)}">`,
  ];
  for (const d of o.dialogs) {
    lines.push(`  <dialog id="${xmlText(d.id)}" direction="${d.direction}">`);
    lines.push(`    <state>${d.phase}</state>`);
    lines.push(`    <local><identity>${xmlText(o.entity)}</identity></local>`);
    const remote = o.remoteOf?.(d);
    if (remote !== undefined) lines.push(`    <remote><identity>${xmlText(remote)}</identity></remote>`);
    lines.push('  </dialog>');
  }
  lines.push('</dialog-info>');
  return lines.join('\r\n') + '\r\n';
}
