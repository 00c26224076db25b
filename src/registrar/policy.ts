/** Registrar limits, from the `registrar` section of pbx.yaml. Seconds. */
export interface RegistrarPolicy {
  minExpires: number;
  maxExpires: number;
  defaultExpires: number;
  maxContactsPerAor: number;
}

export const DEFAULT_REGISTRAR_POLICY: RegistrarPolicy = {
  minExpires: 60,
  maxExpires: 3600,
  defaultExpires: 3600,
  maxContactsPerAor: 10,
};
