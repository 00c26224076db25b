import { CLASSES_OF_SERVICE_LIST } from './field-rules.js';

/**
 * Toll-fraud classes, each allowing the ones before it: internal (extensions only),
 * local, national, international, premium. Emergency numbers are always allowed.
 * Declared once here for config, tenant, routing and admin.
 */
export type ClassOfService = (typeof CLASSES_OF_SERVICE_LIST)[number];

/** In order of the rights they grant, least first. */
export const CLASSES_OF_SERVICE: readonly ClassOfService[] = CLASSES_OF_SERVICE_LIST;

export const DEFAULT_CLASS_OF_SERVICE: ClassOfService = 'national';
