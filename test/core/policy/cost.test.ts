import { describe, it, expect } from 'vitest';
import { CostModel, estimateCost, formatUsd } from '../../../app/core/policy/index.js';

const delta = (recordingAdded: number, alertingAdded = 0, recordingRemoved = 0) => ({ recordingAdded, recordingRemoved, alertingAdded, alertingRemoved: 0 });

describe('estimateCost', () => {
  it('charges new series x price per series per month', () => {
    const model = CostModel.parse({ price_per_series_month: 0.5, series_per_recording_rule: 3 });
    const est = estimateCost(delta(4), model);
    expect(est.totalUsd).toBeCloseTo(4 * 3 * 0.5);
    expect(est.lines[0]!.arithmetic).toBe('+4 rules x 3 series x $0.5/series/month');
  });

  it('charges evaluations of recording and alerting rules per million, over a 30-day month', () => {
    const model = CostModel.parse({ price_per_series_month: 0, price_per_million_evaluations: 2, evaluation_interval_seconds: 30 });
    const est = estimateCost(delta(1, 2), model);
    const evals = 3 * (30 * 86400) / 30;
    expect(est.totalUsd).toBeCloseTo((evals / 1e6) * 2);
    expect(est.lines[1]!.arithmetic).toContain('+3 rules x 86400 evaluations/month (every 30s)');
  });

  it('a change that removes rules has a negative cost', () => {
    expect(estimateCost(delta(0, 0, 10), CostModel.parse({})).totalUsd).toBeLessThan(0);
  });

  it.each([[0.008, '$0.008'], [16, '$16.00'], [1234.5, '$1235'], [-2, '-$2.00']])('formats %s as %s', (usd, text) => {
    expect(formatUsd(usd)).toBe(text);
  });
});
