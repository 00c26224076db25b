/**
 * What kind of number an extension dialled, as far as cost and entitlement go.
 * 'emergency' and 'internal' are decided on the dialled string alone; the four charged
 * classes are ordered by what a call may cost, cheapest first.
 */
export type NumberClass = 'emergency' | 'internal' | ChargedClass;

export type ChargedClass = 'local' | 'national' | 'international' | 'premium';

/** Cheapest first. */
export const CHARGED_CLASSES: readonly ChargedClass[] = ['local', 'national', 'international', 'premium'];

/** The dearer of two classes. */
export function dearer(a: ChargedClass, b: ChargedClass): ChargedClass {
  return CHARGED_CLASSES.indexOf(b) > CHARGED_CLASSES.indexOf(a) ? b : a;
}
