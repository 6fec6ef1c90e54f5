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
 * P(S + W <= x): the sojourn time (service + M/M/c wait) at or under x. In M/M/c FCFS a request's
 * wait is independent of its own service time, so the CDF is the convolution of the two.
 * Returns 0 when the queue is unstable (the wait grows without bound). Service time is spread
 * uniformly inside a bucket [a, b] (b <= x), and with P(W > u) = C·e^{-θu} the bucket's share
 * E[P(W <= x - s)] has a closed form, 1 − C·(e^{-θ(x-b)} − e^{-θ(x-a)}) / (θ(b − a)), so a coarse
 * histogram needs no sub-sampling.
 */
export function sojournCdf(service: BucketCdf, wait: WaitDistribution, x: number): number {
  if (!wait.stable) return 0;
  const { thresholds, cdf } = service;
  const theta = wait.decayRate;
  const probWait = wait.probWait;
  // One exponential shared between neighbours: a bucket's upper bound is the
  // next one's lower bound, so e^{-θ(x-b)} of one is e^{-θ(x-a)} of the next (the same float; half the
  // Math.exp calls of the fleet what-if and of the capacity fit). `expBound` is the bound `expValue` is for.
  let expBound = Number.NaN;
  let expValue = 0;
  let total = 0;
  let lower = 0;
  let lowerCdf = 0;
  for (let i = 0; i < thresholds.length; i++) {
    const upper = thresholds[i]!;
    if (lower >= x) break;
    const mass = cdf[i]! - lowerCdf;
    if (mass > 0) {
      // The bucket's part below x: all of it, or (x − lower) / (upper − lower) of it, spread over [lower, b].
      const whole = upper <= x;
      const b = whole ? upper : x;
      let waitCdf: number;
      const width = b - lower;
      if (probWait === 0) waitCdf = 1;
      else if (theta * width < 1e-9) waitCdf = 1 - probWait * Math.exp(-theta * (x - (lower + b) / 2));
      else {
        const ea = lower === expBound ? expValue : Math.exp(-theta * (x - lower));
        expBound = b;
        expValue = Math.exp(-theta * (x - b));
        waitCdf = 1 - (probWait * (expValue - ea)) / (theta * width);
      }
      if (whole) total += mass * waitCdf;
      else {
        const part = (x - lower) / (upper - lower);
        total += mass * part * waitCdf;
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
