/**
 * pbx.yaml `sip.threads`: how many threads read SIP over UDP (issue 13, point 2). `auto`
 * (the default) is one per core; 1 is a single thread, the main one, as before. With N > 1
 * the main thread keeps every piece of SIP state and N - 1 "front" threads read the same
 * UDP ports (SO_REUSEPORT), answering what needs no state and forwarding the rest.
 */
import { fromEnv, reject, strOrNumber, type Schema } from './schema.js';

export type SipThreads = 'auto' | number;

export const MAX_SIP_THREADS = 64;

export function sipThreadsSchema(): Schema<SipThreads> {
  return fromEnv(strOrNumber({ minLength: 1, maxLength: 8 })).to((v): SipThreads | ReturnType<typeof reject> => {
    if (v === 'auto') return 'auto';
    if (/^[0-9]+$/.test(v)) {
      const n = Number(v);
      if (n >= 1 && n <= MAX_SIP_THREADS) return n;
    }
    return reject(`must be auto or a whole number 1-${MAX_SIP_THREADS}, got ${JSON.stringify(v)}`);
  });
}

/** The thread count to run: `auto` is the number of cores (at least 1, at most MAX_SIP_THREADS). */
export function resolveSipThreads(value: SipThreads | undefined, cores: number): number {
  if (value === undefined || value === 'auto') return Math.max(1, Math.min(MAX_SIP_THREADS, Math.floor(cores)));
  return value;
}
