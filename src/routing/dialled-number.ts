/** The number part of a SIP URI user, as a phone or carrier wrote it (RFC 3966 visual separators removed). */
export function dialledNumber(user: string): string {
  return user.replace(/[-.() ]/g, '');
}
