/**
 * Area codes of the North American Numbering Plan (+1) that belong to other countries
 * than the United States and Canada: the Caribbean and Bermuda. Dialled as 1-NPA-NXX-XXXX
 * like a domestic call, they are billed as international calls, and are a classic
 * toll-fraud target ("one-ring" callbacks to +1 876, +1 809, ...). A NANP tenant calling
 * one of them makes an international call. US territories (Puerto Rico 787/939, USVI
 * 340, Guam 671, Northern Marianas 670, American Samoa 684) are domestic and not listed.
 */
export const NANP_FOREIGN_AREAS: ReadonlySet<string> = new Set([
  '242', // Bahamas
  '246', // Barbados
  '264', // Anguilla
  '268', // Antigua and Barbuda
  '284', // British Virgin Islands
  '345', // Cayman Islands
  '441', // Bermuda
  '473', // Grenada
  '649', // Turks and Caicos
  '658', // Jamaica
  '664', // Montserrat
  '721', // Sint Maarten
  '758', // Saint Lucia
  '767', // Dominica
  '784', // Saint Vincent and the Grenadines
  '809', // Dominican Republic
  '829', // Dominican Republic
  '849', // Dominican Republic
  '868', // Trinidad and Tobago
  '869', // Saint Kitts and Nevis
  '876', // Jamaica
]);

/** Whether a +1 E.164 number is in a NANP area code of another country. */
export function isNanpForeign(e164: string): boolean {
  return typeof e164 === 'string' && e164.startsWith('+1') && NANP_FOREIGN_AREAS.has(e164.slice(2, 5));
}
