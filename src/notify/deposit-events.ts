import type { VoicemailEvent, VoicemailEventSource } from './voicemail-event.js';

/**
 * The deposits of the voicemail service as an event source: the service calls emit()
 * once a message is stored; the notifiers listen. A listener that throws is isolated from
 * the others and from the caller.
 */
export class DepositEvents implements VoicemailEventSource {
  private readonly listeners = new Set<(e: VoicemailEvent) => void>();

  constructor(private readonly onError: (e: unknown) => void = () => {}) {}

  emit(e: VoicemailEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  onDeposit(cb: (e: VoicemailEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
}
