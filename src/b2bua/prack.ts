import type { Dialog } from '../sip/dialog/dialog.js';
import { rackFor } from '../sip/dialog/reliable-provisional.js';
import type { SipResponse } from '../sip/message/types.js';
import type { Target } from '../sip/transport/types.js';
import type { B2buaIo } from './b2bua-io.js';

/**
 * Our PRACK for a callee's reliable provisional response (RFC 3262 §4, §7.2): a request of
 * its early dialog with RAck naming the response (RSeq, CSeq number, method). It carries no
 * SDP: the callee's 18x answered our INVITE's offer, so offer/answer is complete. Its
 * response changes nothing for the call; a failure is only logged by the transaction layer.
 */
export function sendPrack(io: B2buaIo, dialog: Dialog, res: SipResponse, target: Target): void {
  const req = dialog.createRequest('PRACK', { via: io.viaFor(target.protocol), headers: [['RAck', rackFor(res)]] });
  io.sendRequest(req, target, { onResponse: () => {}, onTimeout: () => {}, onTransportError: () => {} });
}
