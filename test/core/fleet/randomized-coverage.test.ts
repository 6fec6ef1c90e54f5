import { describe, expect, it } from 'vitest';
import { randomizedCoverage, scoreOf } from '../../../app/core/fleet/index.js';
import { mixPredictive, pmfInterval } from '../../../app/core/recommend/bootstrap.js';
import { fastRng } from '../../../app/core/sli/stats.js';

/**
 * Randomized coverage of intervals for a discrete outcome (Czado, Gneiting & Held 2009): the realized
 * count of breached days out of 28 has a point mass at 0 for tight targets, so raw coverage of a
 * calibrated 90 % interval sits far above 90 %; randomized coverage must sit at 90 %.
 */
const M = 28;
/** Beta-binomial(M, a, b) pmf of a breached-day count, built by the recommender's own mixture code. */
const betaBinomial = (a: number, b: number) => mixPredictive({ freq: Float64Array.from([1]), of: 1 }, b - a, M, a, a);
const meanShare = (pmf: Float64Array) => pmf.reduce((s, p, k) => s + p * k, 0) / M;

/** Counts drawn from `pmf` by inverse CDF (seeded). */
function draws(pmf: Float64Array, n: number, seed: number): number[] {
  const rng = fastRng(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    let acc = 0;
    let k = 0;
    while (k < pmf.length - 1 && acc + pmf[k]! <= u) acc += pmf[k++]!;
    out.push(k);
  }
  return out;
}

/** Raw and randomized coverage of the forecaster's interval at `level` over outcomes drawn from `truth`. */
function coverageOn(forecast: Float64Array, truth: Float64Array, level: number, n: number, seed: number) {
  const interval = pmfInterval(forecast, level, meanShare(forecast));
  const cases = draws(truth, n, seed).map((k) => ({
    expected: meanShare(forecast),
    interval,
    realized: k / M,
    inside: k / M >= interval[0] - 1e-9 && k / M <= interval[1] + 1e-9,
    randomized: randomizedCoverage(forecast, level, interval, k),
  }));
  const s = scoreOf(cases, level);
  return { raw: s.coverage, randomized: s.randomizedCoverage! };
}

describe('randomized coverage of a count interval', () => {
  const N = 4000;
  // Binomial tolerance: each case scores in [0, 1] with mean 0.9, so its variance is at most 0.9 × 0.1.
  const tolerance = 4 * Math.sqrt((0.9 * 0.1) / N);

  it('is exactly the level in expectation when the outcome follows the predictive, point mass at 0 or not', () => {
    for (const [a, b] of [[0.1, 40], [0.05, 3], [1, 9], [10, 90], [3, 5]] as const) {
      const pmf = betaBinomial(a, b);
      for (const level of [0.8, 0.9, 0.97]) {
        const interval = pmfInterval(pmf, level, meanShare(pmf));
        const expected = pmf.reduce((s, p, k) => s + p * randomizedCoverage(pmf, level, interval, k), 0);
        expect(expected).toBeCloseTo(level, 6);
      }
    }
  });

  it('holds near 90% on outcomes drawn from the predictive while raw coverage sits far above it', () => {
    const pmf = betaBinomial(0.1, 40);
    expect(pmf[0]).toBeGreaterThan(0.9); // a conservative-like variant: no breached day in most periods
    const c = coverageOn(pmf, pmf, 0.9, N, 7);
    expect(Math.abs(c.randomized - 0.9)).toBeLessThan(tolerance);
    expect(c.raw).toBeGreaterThan(0.97);
    // An aggressive-like variant whose count does vary: raw is still above the level, randomized is at it.
    const varied = betaBinomial(1, 9);
    const v = coverageOn(varied, varied, 0.9, N, 8);
    expect(Math.abs(v.randomized - 0.9)).toBeLessThan(tolerance);
    expect(v.raw).toBeGreaterThan(0.93);
  });

  it('scores a too-narrow forecaster clearly below 90%', () => {
    // Truth: the daily breach probability varies between periods (Beta(1, 9), mean 10%). The forecaster
    // has the right mean but is nearly sure of it (Beta(10, 90)): its interval is too narrow.
    const c = coverageOn(betaBinomial(10, 90), betaBinomial(1, 9), 0.9, N, 9);
    expect(c.randomized).toBeLessThan(0.9 - 2 * tolerance);
    expect(c.randomized).toBeLessThan(0.8);
    // and a too-wide one above it
    const w = coverageOn(betaBinomial(0.5, 4.5), betaBinomial(10, 90), 0.9, N, 10);
    expect(w.randomized).toBeGreaterThan(0.9 + 2 * tolerance);
  });

  it('counts a count strictly inside as 1, outside as 0 and splits the mass at an end', () => {
    const pmf = betaBinomial(3, 5);
    const interval = pmfInterval(pmf, 0.9, meanShare(pmf));
    const lo = Math.round(interval[0] * M);
    const hi = Math.round(interval[1] * M);
    expect(randomizedCoverage(pmf, 0.9, interval, lo - 1)).toBe(0);
    expect(randomizedCoverage(pmf, 0.9, interval, hi + 1)).toBe(0);
    expect(randomizedCoverage(pmf, 0.9, interval, lo + 1)).toBe(1);
    const atLo = randomizedCoverage(pmf, 0.9, interval, lo);
    expect(atLo).toBeGreaterThan(0);
    expect(atLo).toBeLessThan(1);
    // Intervals as the report rounds them (5 significant digits; 5 decimals before) select the same counts.
    const rounded: [number, number] = [Math.round(interval[0] * 1e5) / 1e5, Math.round(interval[1] * 1e5) / 1e5];
    expect(randomizedCoverage(pmf, 0.9, rounded, hi)).toBe(randomizedCoverage(pmf, 0.9, interval, hi));
    const significant: [number, number] = [Number(interval[0].toPrecision(5)), Number(interval[1].toPrecision(5))];
    expect(randomizedCoverage(pmf, 0.9, significant, hi)).toBe(randomizedCoverage(pmf, 0.9, interval, hi));
  });
});
