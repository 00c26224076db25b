import { xmlText } from './xml-text.js';

export const PIDF_TYPE = 'application/pidf+xml';

/**
 * A PIDF document (RFC 3863 §4) for one presentity (RFC 3856 §6.3: the entity is a pres:
 * URI): one tuple whose basic status is open while the extension can be reached (it has a
 * registered contact) and closed otherwise; while it is on the phone an RPID activity
 * (RFC 4480 §3.2 on-the-phone) and a note say so, for phones that show either.
 */
export function pidfBody(o: { entity: string; tupleId: string; open: boolean; onThePhone: boolean }): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="${xmlText(o.entity)}">`,
    `  <tuple id="${xmlText(o.tupleId)}">`,
    `    <status><basic>${o.open ? 'open' : 'closed'}</basic></status>`,
  ];
  if (o.onThePhone) lines.push('    <note>On the phone</note>');
  lines.push('  </tuple>');
  if (o.onThePhone) lines.push(`  <dm:person id="p-${xmlText(o.tupleId)}"><rpid:activities><rpid:on-the-phone/></rpid:activities></dm:person>`);
  lines.push('</presence>');
  return lines.join('\r\n') + '\r\n';
}
