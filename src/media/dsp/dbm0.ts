/**
 * The dBm0 level scale of 16-bit linear PCM on a G.711 path.
 *
 * 0 dBm0 is the level of the µ-law digital milliwatt (G.711 Table 5, the 8-byte sequence
 * 1E 0B 0B 1E 9E 8B 8B 9E): decoded to 16 bits it has an RMS of 16,017, i.e. it is a 1 kHz sine
 * of peak ≈ 22,651. That is 3.17 dB below the µ-law load capacity T_max (a sine whose peak is
 * the end of the top segment, 8159 in µ-law's 14-bit scale = 32,636 in 16 bits), which is the
 * "+3.17 dBm0" of G.711 §3. A-law's milliwatt lands 0.06 dB higher (RMS 16,139 after its own
 * quantization); the difference does not matter for detection thresholds, so one reference is
 * used for both laws.
 *
 * Consequence worth remembering: a single sine at 0 dBm0 fits (peak 22,651 < 32,767), but two
 * tones of 0 dBm0 each (a DTMF pair at its highest level) peak at 45,300 and clip in 16-bit PCM,
 * as they would in any G.711 channel.
 */

/** Peak amplitude (16-bit units) of a sine at 0 dBm0. */
export const DBM0_SINE_PEAK = 22651;

/** Mean power (16-bit units squared) of a signal at 0 dBm0: that sine's peak²/2. */
export const DBM0_POWER = (DBM0_SINE_PEAK * DBM0_SINE_PEAK) / 2;

/** Peak amplitude of a sine at `dbm0`. */
export function dbm0ToAmplitude(dbm0: number): number {
  return DBM0_SINE_PEAK * Math.pow(10, dbm0 / 20);
}

/** Mean power (A²/2 for a sine of peak A) that a level of `dbm0` has. */
export function dbm0ToPower(dbm0: number): number {
  return DBM0_POWER * Math.pow(10, dbm0 / 10);
}

/** The level in dBm0 of a mean power (-Infinity for 0). */
export function powerToDbm0(power: number): number {
  return 10 * Math.log10(power / DBM0_POWER);
}
