import { describe, expect, it } from 'vitest';
import { breachCounts, formatBreach, formatBreachInterval, formatRate, windowsPerPeriod, windowUnit } from '../../app/core/breach-format.js';

describe('formatRate', () => {
  it('keeps two significant digits, so small rates that differ read differently', () => {
    expect(formatRate(0.000041)).toBe('0.0041%');
    expect(formatRate(0.000037)).toBe('0.0037%');
    expect(formatRate(0.0013)).toBe('0.13%');
    expect(formatRate(0.039)).toBe('3.9%');
    expect(formatRate(0.04)).toBe('4%');
    expect(formatRate(0.1429)).toBe('14%');
  });

  it('says "< 0.001%" below one window in 100,000, and never reads a positive rate as 0', () => {
    expect(formatRate(0.000009)).toBe('< 0.001%');
    expect(formatRate(1e-12)).toBe('< 0.001%');
    expect(formatRate(0.00001)).toBe('0.001%');
    expect(formatRate(0)).toBe('0%');
  });

  it('does not round a rate just under 100 % up to 100 %', () => {
    expect(formatRate(0.996)).toBe('> 99%');
    expect(formatRate(1)).toBe('100%');
    expect(formatRate(Number.NaN)).toBe('—');
  });
});

describe('breach interval as windows of the next period', () => {
  it('counts the period as the recommender does', () => {
    expect(windowsPerPeriod('1d', '28d')).toBe(28);
    expect(windowsPerPeriod('6h', '7d')).toBe(28);
    expect(windowsPerPeriod('1d', '30d')).toBe(30);
    expect(windowsPerPeriod('1d', 'a month')).toBeNull();
  });

  it('reads an interval widened to its point estimate as the count range it was cut from', () => {
    // [0, 0] widened to contain a point of 0.13 %: no breached day in the next 28.
    expect(breachCounts([0, 0.0013], 28)).toEqual([0, 0]);
    // [0, 1/28] widened up to a point of 4 %.
    expect(breachCounts([0, 0.04], 28)).toEqual([0, 1]);
    // [2/28, 5/28] widened down to a point of 5 %.
    expect(breachCounts([0.05, 5 / 28], 28)).toEqual([2, 5]);
  });

  it('takes rounded ends for the count they round (five decimals or a hand-written three digits)', () => {
    expect(breachCounts([0.03571, 0.10714], 28)).toEqual([1, 3]);
    expect(breachCounts([0.036, 0.107], 28)).toEqual([1, 3]);
  });

  it('recovers every count range k/n … m/n whatever point it was widened to', () => {
    for (const n of [7, 28, 30, 112]) {
      for (let lo = 0; lo <= n; lo += 3) {
        for (let hi = lo; hi <= n; hi += 2) {
          expect(breachCounts([lo / n, hi / n], n)).toEqual([lo, hi]);
          // Widened to a point inside the window unit above hi / below lo (not within 2 % of a count).
          if (hi < n) expect(breachCounts([lo / n, (hi + 0.5) / n], n)).toEqual([lo, hi]);
          if (lo > 0) expect(breachCounts([(lo - 0.5) / n, hi / n], n)).toEqual([lo, hi]);
        }
      }
    }
  });

  it('writes the count and the unit, or the shares when the period is unknown', () => {
    expect(formatBreach(0.000041, [0, 0.000041], 28, windowUnit('1d'))).toBe('0.0041% [0 of 28 days]');
    expect(formatBreach(0.071, [0, 0.17857], 28, windowUnit('1d'))).toBe('7.1% [0–5 of 28 days]');
    expect(formatBreachInterval([0, 0.25], 28, windowUnit('6h'))).toBe('0–7 of 28 6h windows');
    expect(formatBreachInterval([0, 0.0013], null, 'days')).toBe('0% to 0.13%');
    expect(windowUnit('1h')).toBe('hours');
  });
});
