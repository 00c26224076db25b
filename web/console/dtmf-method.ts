/**
 * How the softphone sends a keypad digit. RFC 4733 telephone-events in the media (the
 * browser's RTCDTMFSender, W3C WebRTC §7) when the remote description negotiated
 * telephone-event for the audio stream (RFC 4733 §7.1.1: the payload type must be agreed in
 * the offer/answer); otherwise SIP INFO (application/dtmf-relay), which the PBX turns into
 * RFC 4733 or in-band tones toward the other leg itself.
 */
export type DtmfMethod = 'rtp' | 'info';

/** Whether the audio m-section of an SDP has an rtpmap for telephone-event (any clock rate). */
export function negotiatesTelephoneEvent(sdp: string | undefined): boolean {
  if (!sdp) return false;
  let inAudio = false;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) inAudio = line.startsWith('m=audio ') && !/^m=audio 0 /.test(line);
    else if (inAudio && /^a=rtpmap:\d+ telephone-event\/\d+/i.test(line)) return true;
  }
  return false;
}

/** RTP when the remote side agreed to telephone-event and the sender can insert it now; INFO otherwise. */
export function dtmfMethod(remoteSdp: string | undefined, canInsertDtmf: boolean): DtmfMethod {
  return canInsertDtmf && negotiatesTelephoneEvent(remoteSdp) ? 'rtp' : 'info';
}
