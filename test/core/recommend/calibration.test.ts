import { describe, expect, it } from 'vitest';
import { mixPredictive } from '../../../app/core/recommend/bootstrap.js';
import { calibrateBreach, MIN_REPLAYS, priorOf, randomizedScore, REFERENCE_BREACH_PRIOR, symmetricPrior, type ReplayBreach } from '../../../app/core/recommend/replay.js';
import { projectedBad } from '../../../app/core/recommend/trend.js';
import { OTEL_HTTP_BUCKETS } from '../../../app/core/fleet/index.js';
import { fastRng, normalCdf } from '../../../app/core/sli/stats.js';
import type { VariantType } from '../../../app/core/report.js';

const rng = fastRng(3);
/** A replayed week: the fit saw `breached` of 21 windows (one bootstrap point, the worst using `worst` of its budget), the next week had k of 7. */
const replay = (type: VariantType, breached: number, k: number, worst = 1): ReplayBreach => {
  const freq = new Float64Array(22);
  freq[breached] = 1;
  return { type, resampled: { freq, of: 21 }, nEff: 18, share: breached / 21, k, m: 7, v: rng.next(), worst };
};

describe('calibration of breach rates on the replays', () => {
  it('picks a weak prior when bounds that never breached kept not breaching, Jeffreys when they then breached', () => {
    const quiet = Array.from({ length: 60 }, () => replay('balanced', 0, 0));
    expect(calibrateBreach(quiet, 0.9).prior).toEqual(symmetricPrior(0.05));
    const surprised = Array.from({ length: 60 }, (_, i) => replay('balanced', 0, i % 2));
    expect(calibrateBreach(surprised, 0.9).prior).toEqual(symmetricPrior(1));
    // Too few replays to choose: the reference prior, said so (source 'reference').
    const few = calibrateBreach(quiet.slice(0, MIN_REPLAYS - 1), 0.9).prior;
    expect(few).toEqual(REFERENCE_BREACH_PRIOR);
    expect(few.source).toBe('reference');
  });

  it('keeps the reference prior on enough replays when it predicts them best, marked as chosen on the replays', () => {
    // Conservative bounds that never breached, with room to spare, and stay quiet; aggressive ones that never
    // breached either but came close, and are breached one week in ten afterwards: a symmetric prior says the
    // same for both, the per-type, headroom-aware means do not.
    const replays = [
      ...Array.from({ length: 30 }, () => replay('conservative', 0, 0, 0.3)),
      ...Array.from({ length: 30 }, (_, i) => replay('aggressive', 0, i % 10 === 0 ? 1 : 0, 0.95)),
    ];
    const c = calibrateBreach(replays, 0.9);
    expect(c.prior.mean).toEqual(REFERENCE_BREACH_PRIOR.mean);
    expect(c.prior.source).toBe('replays');
    const conservative = priorOf(c.prior, 'conservative');
    const aggressive = priorOf(c.prior, 'aggressive');
    expect(aggressive.a / (aggressive.a + aggressive.b)).toBeGreaterThan(conservative.a / (conservative.a + conservative.b));
  });

  it('has a reference prior whose means are in risk order, so variants with the same history stay in risk order', () => {
    const m = REFERENCE_BREACH_PRIOR.mean;
    expect(m.conservative).toBeLessThan(m.balanced);
    expect(m.balanced).toBeLessThan(m.aggressive);
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
