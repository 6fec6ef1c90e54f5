import { describe, expect, it } from 'vitest';
import { backtest } from '../../app/core/fleet/index.js';

/**
 * Issue 2 §3 backtest: a fleet with known, stationary behaviour over 8 weeks; fit on weeks 1-4,
 * realized daily breach share of weeks 5-8 against the reported 90% intervals.
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

  it('covers the realized breach share at least at the nominal 90% level overall', () => {
    expect(r.coverage).toBeGreaterThanOrEqual(0.9);
  });

  it('covers at least 80% of the non-trivial cases (some breach realized or a wide interval)', () => {
    const hard = r.cases.filter((c) => c.realized > 0 || c.interval[1] > 0.15);
    expect(hard.length).toBeGreaterThan(20);
    expect(hard.filter((c) => c.inside).length / hard.length).toBeGreaterThanOrEqual(0.8);
  });

  it('has a point estimate within 5 points of the realized rate on average', () => {
    expect(Math.abs(r.bias)).toBeLessThan(0.05);
  });
});
