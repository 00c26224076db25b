// A fixed-bucket latency histogram (10 µs buckets up to 200 ms, the rest in one overflow bucket):
// constant memory whatever the packet count, mergeable across worker threads, percentiles to
// within one bucket.
export const BUCKET_US = 10;
export const BUCKETS = 20_000;

export function newHistogram() {
  return new Float64Array(BUCKETS + 1);
}

export function record(h, micros) {
  const i = micros < 0 ? 0 : Math.min(BUCKETS, Math.floor(micros / BUCKET_US));
  h[i]++;
}

export function merge(into, from) {
  for (let i = 0; i < into.length; i++) into[i] += from[i] ?? 0;
  return into;
}

/** The value (µs, the bucket's upper edge) below which fraction q of the samples lie; undefined when empty. */
export function percentile(h, q) {
  let total = 0;
  for (let i = 0; i < h.length; i++) total += h[i];
  if (total === 0) return undefined;
  const want = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < h.length; i++) {
    seen += h[i];
    if (seen >= want) return (i + 1) * BUCKET_US;
  }
  return (h.length) * BUCKET_US;
}
