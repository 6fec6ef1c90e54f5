import { describe, expect, it } from 'vitest';
import { gapWarning, lowTrafficWarning, seasonalityWarning } from '../../../app/core/recommend/warnings.js';
import type { WindowCounts } from '../../../app/core/types.js';

const H = 3600;
const monday = Date.UTC(2026, 10, 23) / 1000;
const badOf = (w: WindowCounts) => w.errors;

/** Hourly windows over 5 weekdays: traffic follows the hour; errors per request given by `rate(total)`. */
function hours(rate: (total: number) => number): WindowCounts[] {
  return Array.from({ length: 5 * 24 }, (_, i) => {
    const total = (i % 24) >= 9 && (i % 24) < 18 ? 10_000 : 1_000;
    return { start: monday + i * H, end: monday + (i + 1) * H, total, errors: Math.round(total * rate(total)) };
  });
}

describe('warnings', () => {
  it('a daily cycle shows when the busy hours fail more often than the quiet ones', () => {
    const w = seasonalityWarning(hours((t) => (t > 5000 ? 0.004 : 0.001)), H, badOf, 99.9);
    expect(w).toMatch(/busiest quarter of windows \(median 10,000 requests\) has a bad fraction of 0\.4% vs 0\.1% .* cluster at peak hours/);
  });

  it('the same error rate at all hours is no daily cycle', () => {
    expect(seasonalityWarning(hours(() => 0.002), H, badOf, 99.9)).toBeNull();
  });

  it('a handful of bad requests among a few hundred is counting noise, not seasonality', () => {
    const few = hours((t) => (t > 5000 ? 0.004 : 0)).map((w) => ({ ...w, total: Math.round(w.total / 100), errors: w.total > 5000 ? 1 : 0 }));
    expect(seasonalityWarning(few, H, badOf, 99.9)).toBeNull();
  });

  it.each([
    ['99.9% on 200 requests per window', 200, 99.9, /99\.9% target needs at least ~1,000 requests per 1d window/],
    ['99% on 50 requests per window', 50, 99, /99% target needs at least ~100 requests/],
  ])('low traffic: %s', (_name, median, target, pattern) => {
    expect(lowTrafficWarning(median, [{ type: 'balanced', target }], 86_400)).toMatch(pattern);
  });

  it('low traffic: no warning when one bad request is within the window budget', () => {
    expect(lowTrafficWarning(5000, [{ type: 'conservative', target: 99.9 }], 86_400)).toBeNull();
  });

  it('gaps: counts absent windows after the first one with traffic, with their time ranges', () => {
    const day = 86_400;
    const ws = [0, 1, 4, 5, 6].map((i) => ({ start: monday + i * day, end: monday + (i + 1) * day, total: 10, errors: 0 }));
    expect(gapWarning(ws, monday, monday + 7 * day, day)).toMatch(/^Gaps: 2 of 7 1d windows have no data \(2026-11-25 00:00 UTC to 2026-11-27 00:00 UTC\)/);
  });
});
