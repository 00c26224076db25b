/** A message was left in a voicemail box (emitted by the voicemail service after the file is complete). */
export interface VoicemailEvent {
  tenant: string;
  box: string;
  message: {
    id: string;
    /** The caller as shown to the box owner (number or URI). */
    from: string;
    /** ms since epoch. */
    at: number;
    durationMs: number;
    /** The WAV file (inside the tenant's folder). Never sent to a webhook. */
    path: string;
  };
}

/** Where deposits come from (the voicemail service); returns a function that stops the calls. */
export interface VoicemailEventSource {
  onDeposit(cb: (e: VoicemailEvent) => void): () => void;
}
