import { describe, expect, it } from 'vitest';
import { backtest, scoreOf, type BacktestCase } from '../../app/core/fleet/index.js';

/**
 * Issue 2 §3 backtest: a fleet with known, stationary behaviour over 8 weeks; fit on weeks 1-4,
 * realized daily breach share of weeks 5-8 against the reported 90% intervals (raw and randomized coverage).
 * `npx tsx bench/backtest.ts` prints the same numbers over more seeds.
 */
describe('backtest of breach-rate intervals', () => {
  const end = Date.UTC(2026, 10, 30) / 1000;
  const r = backtest({ seed: 11, end, days: 56, scenario: 'uniform', services: 10, endpointsPerService: 4, stepSeconds: 3600 });

  it('checks every (proposal, variant) on 28 realized windows', () => {
    expect(r.cases.length).toBe(10 * 4 * 2 * 3);
    expect(r.cases.every((c) => c.windows === 28)).toBe(true);
    expect(r.fitEnd).toBe(end - 28 * 86_400);
  });

  it('covers the realized breach count at the nominal 90% once the point mass at 0 is split (randomized coverage)', () => {
    // The outcome is a count of breached days out of 28, 0 for most conservative and balanced proposals:
    // any interval containing 0 holds at least that often, so raw coverage of a calibrated 90% interval
    // sits far above 90%. Randomized coverage (app/core/fleet randomizedCoverage) is exactly the level in
    // expectation for a calibrated forecaster, so it is the figure held to 85-95%, pooled and per variant.
    // Two larger fleets (1,200 cases, 400 per variant: binomial sd ≈ 1.5 points) keep the per-variant
    // check about calibration rather than sampling noise; bench/backtest.ts pools 3,150 per seed set.
    const cases: BacktestCase[] = [];
    for (const seed of [11, 12]) cases.push(...backtest({ seed, end, days: 56, scenario: 'uniform', services: 20, endpointsPerService: 5, stepSeconds: 3600 }).cases);
    const pooled = scoreOf(cases, 0.9);
    expect(pooled.randomizedCoverage).not.toBeNull();
    expect(pooled.randomizedCoverage!).toBeGreaterThanOrEqual(0.85);
    expect(pooled.randomizedCoverage!).toBeLessThanOrEqual(0.95);
    expect(pooled.coverage).toBeGreaterThanOrEqual(0.85);
    for (const t of ['conservative', 'balanced', 'aggressive'] as const) {
      const s = scoreOf(cases.filter((c) => c.variant === t), 0.9);
      expect(s.randomizedCoverage!, t).toBeGreaterThanOrEqual(0.85);
      expect(s.randomizedCoverage!, t).toBeLessThanOrEqual(0.95);
      expect(s.coverage, t).toBeGreaterThanOrEqual(0.85);
      // A case scores 1 inside, a share of 1 at an end, 0 outside: raw coverage is never below randomized.
      expect(s.coverage, t).toBeGreaterThanOrEqual(s.randomizedCoverage! - 1e-12);
    }
  }, 120_000);

  it('scores better than the naive per-target baseline on the interval (Winkler) score', () => {
    expect(r.score.intervalScore).toBeLessThan(r.naive.intervalScore);
  });

  it('orders every proposal of the backtest fleet by risk', () => {
    for (const p of r.proposals) {
      for (let i = 1; i < p.variants.length; i++) {
        expect(p.variants[i - 1]!.expectedBreachRate).toBeLessThanOrEqual(p.variants[i]!.expectedBreachRate);
        expect(p.variants[i - 1]!.budgetBurn!.expected).toBeLessThanOrEqual(p.variants[i]!.budgetBurn!.expected);
      }
    }
  });

  it('has a point estimate within 5 points of the realized rate on average', () => {
    expect(Math.abs(r.bias)).toBeLessThan(0.05);
  });
});
