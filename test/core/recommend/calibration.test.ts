import { describe, expect, it } from 'vitest';
import { mixPredictive } from '../../../app/core/recommend/bootstrap.js';
import { calibrateBreach, randomizedScore, type ReplayBreach } from '../../../app/core/recommend/replay.js';
import { projectedBad } from '../../../app/core/recommend/trend.js';
import { OTEL_HTTP_BUCKETS } from '../../../app/core/fleet/index.js';
import { fastRng, normalCdf } from '../../../app/core/sli/stats.js';
import type { VariantType } from '../../../app/core/report.js';

const rng = fastRng(3);
/** A replayed week: the fit saw `breached` of 21 windows (one bootstrap point), the next week had k of 7. */
const replay = (type: VariantType, breached: number, k: number): ReplayBreach => {
  const freq = new Float64Array(22);
  freq[breached] = 1;
  return { type, resampled: { freq, of: 21 }, nEff: 18, share: breached / 21, k, m: 7, v: rng.next() };
};

describe('calibration of breach rates on the replays', () => {
  it('picks a weak prior when bounds that never breached kept not breaching, Jeffreys when they then breached', () => {
    const quiet = Array.from({ length: 60 }, () => replay('balanced', 0, 0));
    expect(calibrateBreach(quiet, 0.9).priorStrength).toBe(0.05);
    const surprised = Array.from({ length: 60 }, (_, i) => replay('balanced', 0, i % 2));
    expect(calibrateBreach(surprised, 0.9).priorStrength).toBe(1);
    // Too few replays to choose: Jeffreys.
    expect(calibrateBreach(quiet.slice(0, 10), 0.9).priorStrength).toBe(1);
  });

  it('gives a variant that is breached more than predicted a wider level than one that is not', () => {
    const replays = [
      ...Array.from({ length: 30 }, (_, i) => replay('conservative', 0, 0 * i)),
      ...Array.from({ length: 30 }, (_, i) => replay('aggressive', 2, i % 3 === 0 ? 4 : 1)),
    ];
    const c = calibrateBreach(replays, 0.9);
    expect(c.byVariant.aggressive!.replays).toBe(30);
    expect(c.byVariant.aggressive!.level).toBeGreaterThan(c.byVariant.conservative!.level);
    expect(c.byVariant.aggressive!.held).toBeGreaterThanOrEqual(0.9);
  });

  it('scores counts drawn from the predictive uniformly (randomized PIT), so 90 % of scores are <= 0.9', () => {
    const pmf = mixPredictive({ freq: Float64Array.from([0, 0, 1, 0, 0]), of: 4 }, 20, 7, 0.5, 0.5);
    const rng = fastRng(7);
    let under = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      let u = rng.next();
      let k = 0;
      while (k < pmf.length - 1 && u > pmf[k]!) u -= pmf[k++]!;
      if (randomizedScore(pmf, k, rng.next()) <= 0.9) under++;
    }
    expect(under / n).toBeGreaterThan(0.89);
    expect(under / n).toBeLessThan(0.91);
  });
});

describe('projected histograms', () => {
  it('scale a log-normal latency almost exactly between wide bucket bounds (probit interpolation)', () => {
    const total = 1_000_000;
    const median = 0.06;
    const sigma = 0.45;
    const cdf = (x: number, m: number) => normalCdf((Math.log(x) - Math.log(m)) / sigma);
    const w = { start: 0, end: 86_400, total, errors: 0, latency: { thresholds: OTEL_HTTP_BUCKETS, goodCounts: OTEL_HTTP_BUCKETS.map((b) => Math.round(total * cdf(b, median))) } };
    for (const [threshold, factor] of [[0.25, 1.7], [0.25, 2.4], [0.1, 1.3], [0.5, 3]] as const) {
      const measured = total - w.latency.goodCounts[OTEL_HTTP_BUCKETS.indexOf(threshold)]!;
      const exact = total * (1 - cdf(threshold, median * factor));
      expect(Math.abs(projectedBad(w, threshold, measured, { latencyFactor: factor, errorFactor: 1 }) - exact)).toBeLessThan(0.01 * total);
    }
  });
});
