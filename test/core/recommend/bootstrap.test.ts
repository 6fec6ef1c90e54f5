import { describe, expect, it } from 'vitest';
import { estimateBreachRate } from '../../../app/core/recommend/index.js';
import { fastRng } from '../../../app/core/sli/stats.js';

const run = (breached: boolean[], seed = 1, periodWindows = 28) =>
  estimateBreachRate({ breached, weights: breached.map(() => 1), periodWindows, draws: 2000, level: 0.9, blockLength: 7, rng: fastRng(seed) });

describe('breach rate estimate', () => {
  it('does not call 0 breaches in 28 windows a 0% risk: Jeffreys mean and a positive upper bound', () => {
    const e = run(Array(28).fill(false));
    expect(e.rate).toBeCloseTo(0.5 / 29, 10);
    expect(e.interval[0]).toBe(0);
    expect(e.interval[1]).toBeGreaterThan(0);
  });

  it('keeps a positive upper bound with only 5 windows, and a wider one than with 28', () => {
    expect(run(Array(5).fill(false)).interval[1]).toBeGreaterThan(run(Array(28).fill(false)).interval[1]);
  });

  it.each([
    ['all windows breached', Array(28).fill(true)],
    ['a breach cluster in one week', Array.from({ length: 28 }, (_, i) => i >= 7 && i < 11)],
    ['scattered breaches', Array.from({ length: 28 }, (_, i) => i % 5 === 0)],
  ])('the interval contains the point estimate: %s', (_name, breached) => {
    const e = run(breached);
    expect(e.interval[0]).toBeLessThanOrEqual(e.rate);
    expect(e.interval[1]).toBeGreaterThanOrEqual(e.rate);
    expect(e.breaches).toBe(breached.filter(Boolean).length);
  });

  it('is deterministic for a seed', () => {
    const breached = Array.from({ length: 28 }, (_, i) => i % 4 === 0 || i === 13);
    expect(run(breached, 5)).toEqual(run(breached, 5));
  });

  it('weights recent windows more: the same breaches count more when they are recent', () => {
    const weights = Array.from({ length: 28 }, (_, i) => 0.5 ** ((27 - i) / 14));
    const est = (breached: boolean[]) => estimateBreachRate({ breached, weights, periodWindows: 28, draws: 500, level: 0.9, blockLength: 7, rng: fastRng(1) });
    const old = est(Array.from({ length: 28 }, (_, i) => i < 3));
    const recent = est(Array.from({ length: 28 }, (_, i) => i >= 25));
    expect(recent.rate).toBeGreaterThan(2 * old.rate);
  });

  it('covers the realized breach share of the next period about as often as its level says (iid windows)', () => {
    // Windows breach independently with probability p; fit on 28, realize on the next 28.
    const rng = fastRng(42);
    let inside = 0;
    const trials = 400;
    for (let t = 0; t < trials; t++) {
      const p = [0.02, 0.05, 0.1, 0.2, 0.35][t % 5]!;
      const past = Array.from({ length: 28 }, () => rng.next() < p);
      const future = Array.from({ length: 28 }, () => rng.next() < p).filter(Boolean).length / 28;
      const e = estimateBreachRate({ breached: past, weights: past.map(() => 1), periodWindows: 28, draws: 400, level: 0.9, blockLength: 7, rng: fastRng(t) });
      if (future >= e.interval[0] - 1e-9 && future <= e.interval[1] + 1e-9) inside++;
    }
    expect(inside / trials).toBeGreaterThan(0.85);
    expect(inside / trials).toBeLessThan(0.995);
  });
});
