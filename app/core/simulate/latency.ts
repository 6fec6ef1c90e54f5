import type { WaitDistribution } from './erlang.js';

/**
 * A latency (service-time) distribution known at bucket bounds: cdf[i] = P(S <= thresholds[i]).
 * Mass inside a bucket is spread uniformly (the usual histogram_quantile assumption); mass above the
 * last bound is only known to be "slower than the last bound".
 */
export interface BucketCdf {
  thresholds: number[];
  cdf: number[];
}

/**
 * E[P(W <= x - s)] for s uniform on [a, b] (b <= x), with P(W > u) = C·e^{-θu}.
 * Closed form of the integral, so a coarse histogram needs no sub-sampling.
 */
function uniformWaitCdf(a: number, b: number, x: number, w: WaitDistribution): number {
  if (w.probWait === 0) return 1;
  const theta = w.decayRate;
  const width = b - a;
  if (theta * width < 1e-9) return 1 - w.probWait * Math.exp(-theta * (x - (a + b) / 2));
  // ∫_a^b e^{-θ(x-s)} ds / (b-a) = (e^{-θ(x-b)} - e^{-θ(x-a)}) / (θ(b-a))
  return 1 - (w.probWait * (Math.exp(-theta * (x - b)) - Math.exp(-theta * (x - a)))) / (theta * width);
}

/**
 * P(S + W <= x): the sojourn time (service + M/M/c wait) at or under x. In M/M/c FCFS a request's
 * wait is independent of its own service time, so the CDF is the convolution of the two.
 * Returns 0 when the queue is unstable (the wait grows without bound).
 */
export function sojournCdf(service: BucketCdf, wait: WaitDistribution, x: number): number {
  if (!wait.stable) return 0;
  const { thresholds, cdf } = service;
  let total = 0;
  let lower = 0;
  let lowerCdf = 0;
  for (let i = 0; i < thresholds.length; i++) {
    const upper = thresholds[i]!;
    if (lower >= x) break;
    const mass = cdf[i]! - lowerCdf;
    if (mass > 0) {
      if (upper <= x) {
        total += mass * uniformWaitCdf(lower, upper, x, wait);
      } else {
        // Only the part of the bucket below x can finish by x.
        const part = (x - lower) / (upper - lower);
        total += mass * part * uniformWaitCdf(lower, x, x, wait);
      }
    }
    lower = upper;
    lowerCdf = cdf[i]!;
  }
  return Math.min(1, Math.max(0, total));
}

/** Inverse of sojournCdf by bisection; Infinity when q lies in the mass above the last bucket bound. */
export function sojournQuantile(service: BucketCdf, wait: WaitDistribution, q: number): number {
  if (!wait.stable) return Infinity;
  const top = service.thresholds[service.thresholds.length - 1] ?? 0;
  // The sojourn can exceed the last service bound by the wait: its q-quantile is ln(C/(1-q))/θ.
  const waitTail = wait.probWait > 1 - q ? Math.log(wait.probWait / (1 - q)) / wait.decayRate : 0;
  let hi = top + waitTail;
  if (sojournCdf(service, wait, hi) < q) return Infinity;
  let lo = 0;
  for (let i = 0; i < 60 && hi - lo > 1e-9 * (top + waitTail); i++) {
    const mid = (lo + hi) / 2;
    if (sojournCdf(service, wait, mid) >= q) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Linear interpolation of a bucket CDF at x (0 below the first bound is interpolated from 0). */
export function cdfAt(service: BucketCdf, x: number): number {
  const { thresholds, cdf } = service;
  let lower = 0;
  let lowerCdf = 0;
  for (let i = 0; i < thresholds.length; i++) {
    const upper = thresholds[i]!;
    if (x <= upper) return lowerCdf + ((cdf[i]! - lowerCdf) * (x - lower)) / (upper - lower || 1);
    lower = upper;
    lowerCdf = cdf[i]!;
  }
  return lowerCdf;
}

/** Make a CDF non-decreasing and inside [0, 1] (after an additive correction step). */
export function monotoneCdf(values: number[]): number[] {
  const out: number[] = [];
  let prev = 0;
  for (const v of values) {
    prev = Math.min(1, Math.max(prev, v));
    out.push(prev);
  }
  return out;
}
