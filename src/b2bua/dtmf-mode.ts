/**
 * How the PBX sends digits to a leg's phone ("auto" detection; no per-extension setting yet):
 * - it negotiated telephone-event (RFC 4733) in the offer/answer: RFC 4733 packets;
 * - else, it lists INFO in the Allow header of its INVITE (caller) or of its answer (callee):
 *   SIP INFO with application/dtmf-relay — an INFO-only peer;
 * - else, it carries G.711: in-band tones written into its audio;
 * - else: no way (digits from the other side are reported to applications, not passed on).
 * In-band tones from a leg are listened for only where they are its only way (the last two
 * cases) and the other leg can take digits some other way: decoding costs CPU. Pure.
 */
import { getHeaderValues } from '../sip/message/headers.js';
import type { Header } from '../sip/message/types.js';
import type { DtmfMode, LegCodecs, LegDtmfSettings, MediaCodec } from './ports.js';

export function allowsInfo(msg: { headers: Header[] }): boolean {
  return getHeaderValues(msg, 'allow').some((v) => v.split(',').some((m) => m.trim().toUpperCase() === 'INFO'));
}

export function dtmfModeOf(codec: MediaCodec, infoAllowed: boolean): DtmfMode {
  if (codec.telephoneEvent !== undefined) return 'rfc4733';
  if (infoAllowed) return 'info';
  const n = codec.name.toUpperCase();
  if ((n === 'PCMU' || n === 'PCMA') && codec.clockRate === 8000) return 'inband';
  return 'none';
}

export function dtmfSettings(codecs: LegCodecs, infoAllowed: { a: boolean; b: boolean }): { a: LegDtmfSettings; b: LegDtmfSettings } {
  const a = dtmfModeOf(codecs.a, infoAllowed.a);
  const b = dtmfModeOf(codecs.b, infoAllowed.b);
  return {
    a: { mode: a, ...(a === 'inband' && b !== 'inband' && b !== 'none' ? { detectInband: true } : {}) },
    b: { mode: b, ...(b === 'inband' && a !== 'inband' && a !== 'none' ? { detectInband: true } : {}) },
  };
}
