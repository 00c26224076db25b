import type { Dialog } from '../sip/dialog/dialog.js';
import type { Target } from '../sip/transport/types.js';
import type { B2buaIo } from './b2bua-io.js';

/** How long the implicit subscription of a REFER lasts before it is done (RFC 3515 §2.4.4). */
const REFER_SUBSCRIPTION_SECONDS = 60;

/**
 * The implicit subscription a REFER creates (RFC 3515 §2.4.4): NOTIFYs on the REFER's own
 * dialog, `Event: refer` (with `id=` the REFER's CSeq, §2.4.6), a message/sipfrag body
 * holding the status line of the new call's progress (RFC 3420), active while it rings,
 * terminated with the final answer (§2.4.7). Nothing is sent once the dialog is gone.
 */
export class ReferNotifier {
  private done = false;

  constructor(
    private readonly io: B2buaIo,
    private readonly dialog: () => Dialog | undefined,
    private readonly target: () => Target | undefined,
    private readonly referCseq: number,
  ) {}

  /** A provisional status (100 Trying, 180 Ringing, 183): the subscription stays active. */
  progress(status: number, reason: string): void {
    this.send(status, reason, `active;expires=${REFER_SUBSCRIPTION_SECONDS}`);
  }

  /** The final status of the new call (200, 486, 480, 503…): the subscription ends. */
  final(status: number, reason: string): void {
    if (this.done) return;
    this.send(status, reason, 'terminated;reason=noresource');
    this.done = true;
  }

  get finished(): boolean {
    return this.done;
  }

  private send(status: number, reason: string, state: string): void {
    if (this.done) return;
    const dialog = this.dialog();
    const target = this.target();
    if (!dialog || !target || dialog.state === 'terminated') return;
    const text = reason.replace(/[\r\n]/g, ' ').slice(0, 64);
    const body = Buffer.from(`SIP/2.0 ${status} ${text}\r\n`);
    try {
      const req = dialog.createRequest('NOTIFY', {
        via: this.io.viaFor(target.protocol),
        contact: this.io.contactFor(target.protocol),
        headers: [
          ['Event', `refer;id=${this.referCseq}`],
          ['Subscription-State', state],
        ],
        body,
        contentType: 'message/sipfrag;version=2.0',
      });
      this.io.sendRequest(req, target, { onResponse: () => {}, onTimeout: () => {}, onTransportError: () => {} });
    } catch {
      // The dialog cannot carry more requests (CSeq exhausted): the transfer goes on without reports.
    }
  }
}
