/**
 * Finds the call an in-dialog request or ACK belongs to, by dialog id (RFC 3261 §12:
 * Call-ID, local tag, remote tag). Each call registers its caller-side dialog and its
 * callee-side dialog; the side tells which leg the request came from.
 */
export type Side = 'a' | 'b';

export interface DialogOwner<C> {
  call: C;
  side: Side;
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\u0000${localTag}\u0000${remoteTag}`;
}

export class CallRegistry<C> {
  private readonly byDialog = new Map<string, DialogOwner<C>>();
  /** Calls by the caller's Call-ID and From tag, for CANCEL and for requests before a dialog exists. */
  private readonly byInvite = new Map<string, C>();

  addDialog(key: string, call: C, side: Side): void {
    this.byDialog.set(key, { call, side });
  }

  removeDialog(key: string): void {
    this.byDialog.delete(key);
  }

  findDialog(key: string): DialogOwner<C> | undefined {
    return this.byDialog.get(key);
  }

  addInvite(key: string, call: C): void {
    this.byInvite.set(key, call);
  }

  removeInvite(key: string): void {
    this.byInvite.delete(key);
  }

  findInvite(key: string): C | undefined {
    return this.byInvite.get(key);
  }

  get dialogs(): number {
    return this.byDialog.size;
  }
}
