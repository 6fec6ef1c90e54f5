/**
 * The what-if's fast paths must give the numbers of the plain code they replace, to the bit (a
 * report must not change because it got faster). Each is checked against the code as it read
 * before it was optimised.
 */
import { describe, expect, it } from 'vitest';
import { waitDistribution, type WaitDistribution } from '../../../app/core/simulate/erlang.js';
import { sojournCdf, type BucketCdf } from '../../../app/core/simulate/latency.js';
import { bootstrapBreachRates, type RateWithInterval } from '../../../app/core/simulate/stats.js';
import { fastRng } from '../../../app/core/sli/stats.js';

/** sojournCdf as first written: two exponentials per bucket. */
function referenceSojournCdf(service: BucketCdf, wait: WaitDistribution, x: number): number {
  const uniformWaitCdf = (a: number, b: number): number => {
    if (wait.probWait === 0) return 1;
    const theta = wait.decayRate;
    const width = b - a;
    if (theta * width < 1e-9) return 1 - wait.probWait * Math.exp(-theta * (x - (a + b) / 2));
    return 1 - (wait.probWait * (Math.exp(-theta * (x - b)) - Math.exp(-theta * (x - a)))) / (theta * width);
  };
  if (!wait.stable) return 0;
  let total = 0;
  let lower = 0;
  let lowerCdf = 0;
  for (let i = 0; i < service.thresholds.length; i++) {
    const upper = service.thresholds[i]!;
    if (lower >= x) break;
    const mass = service.cdf[i]! - lowerCdf;
    if (mass > 0) {
      if (upper <= x) total += mass * uniformWaitCdf(lower, upper);
      else total += mass * ((x - lower) / (upper - lower)) * uniformWaitCdf(lower, x);
    }
    lower = upper;
    lowerCdf = service.cdf[i]!;
  }
  return Math.min(1, Math.max(0, total));
}

/** bootstrapBreachRates as first written: every resample's rate laid out sorted, percentiles read from it. */
function referenceRates(base: boolean[], projected: boolean[], counts: Int32Array, draws: number, level: number): { baseline: RateWithInterval; projected: RateWithInterval } {
  const n = base.length;
  const rates = (flags: boolean[]): Float64Array => {
    const out = new Float64Array(draws);
    for (let d = 0; d < draws; d++) {
      let c = 0;
      flags.forEach((f, w) => { if (f) c += counts[d * n + w]!; });
      out[d] = c / n;
    }
    return out.sort();
  };
  const alpha = (1 - level) / 2;
  const percentile = (sorted: Float64Array, q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
  const summarise = (flags: boolean[]): RateWithInterval => {
    const sorted = rates(flags);
    const k = flags.filter(Boolean).length;
    let lo = percentile(sorted, alpha);
    let hi = percentile(sorted, 1 - alpha);
    if (k === 0) hi = Math.max(hi, 1 - Math.pow(alpha, 1 / n));
    if (k === n) lo = Math.min(lo, Math.pow(alpha, 1 / n));
    return { rate: k / n, interval: [lo, hi] };
  };
  return { baseline: summarise(base), projected: summarise(projected) };
}

describe('what-if fast paths give the reference numbers to the bit', () => {
  it('sojournCdf shares exponentials between buckets and still gives the two-exponential sum', () => {
    const rng = fastRng(21);
    const got: number[] = [];
    const want: number[] = [];
    for (let trial = 0; trial < 300; trial++) {
      const buckets = 1 + Math.floor(rng.next() * 14);
      let bound = 0;
      const thresholds = Array.from({ length: buckets }, () => (bound += rng.next() < 0.1 ? 1e-12 : 0.001 + rng.next() * 0.3));
      let c = 0;
      // Some empty buckets (mass 0), as in real histograms.
      const cdf = thresholds.map(() => (c = rng.next() < 0.3 ? c : Math.min(1, c + rng.next() * 0.4)));
      const servers = 1 + Math.floor(rng.next() * 8);
      const mu = 5 + rng.next() * 50;
      const wait = waitDistribution(servers, servers * mu * [0, 0.3, 0.9, 0.999, 1.2][trial % 5]!, mu);
      for (const x of [0, thresholds[0]! / 2, ...thresholds, bound * 1.5, ...Array.from({ length: 5 }, () => rng.next() * bound * 1.2)]) {
        got.push(sojournCdf({ thresholds, cdf }, wait, x));
        want.push(referenceSojournCdf({ thresholds, cdf }, wait, x));
      }
    }
    expect(got).toEqual(want);
    // Not all trivially 0 or 1: the comparison covers the exponential path.
    expect(got.filter((v) => v > 0 && v < 1).length).toBeGreaterThan(got.length / 3);
  });

  it('bootstrapBreachRates reads the sorted rates off memoised histograms, in any order of calls', () => {
    const rng = fastRng(5);
    for (const n of [7, 28, 30]) {
      for (const draws of [100, 2000]) {
        const counts = new Int32Array(draws * n);
        for (let d = 0; d < draws; d++) for (let i = 0; i < n; i++) counts[d * n + Math.floor(rng.next() * n)]!++;
        for (let trial = 0; trial < 25; trial++) {
          const p = [0, 0.1, 0.5, 0.9, 1][trial % 5]!;
          const base = Array.from({ length: n }, () => rng.next() < p);
          // Scenarios that keep, flip a few or flip all flags; repeated calls hit the memo.
          const projected = trial % 3 === 0 ? base.slice() : base.map((f) => (rng.next() < [0.1, 1][trial % 2]! ? !f : f));
          const level = [0.9, 0.8, 0.99][trial % 3]!;
          for (let again = 0; again < 2; again++) expect(bootstrapBreachRates(base, projected, counts, draws, level)).toEqual(referenceRates(base, projected, counts, draws, level));
        }
      }
    }
  });
});
