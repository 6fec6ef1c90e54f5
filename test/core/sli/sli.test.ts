import { describe, expect, it } from 'vitest';
import { availabilityQueries, escapeLabelValue, latencyQueries, leMatcher, renderWindow, selector } from '../../../app/core/sli/promql.js';
import { availabilitySli, goodAtThreshold, histogramQuantile, latencySli } from '../../../app/core/sli/window.js';
import type { SliSource, WindowCounts } from '../../../app/core/types.js';

const w: WindowCounts = { start: 0, end: 86400, total: 1000, errors: 7, latency: { thresholds: [0.1, 0.25, 0.5, 1], goodCounts: [500, 900, 990, 999] } };

describe('window SLIs', () => {
  it.each([
    ['an exact bound counts requests under it', 0.25, 900],
    ['a threshold between bounds falls back to the bound below (never over-counts)', 0.4, 900],
    ['a threshold under the first bound counts nothing', 0.05, 0],
    ['a bound written with float noise still matches', 0.25 + 1e-12, 900],
  ])('%s', (_name, threshold, good) => {
    expect(goodAtThreshold(w, threshold)).toBe(good);
    expect(latencySli(w, threshold)).toBeCloseTo(good / 1000, 12);
  });

  it('availability is the share of requests that were not errors', () => {
    expect(availabilitySli(w)).toBeCloseTo(0.993, 12);
    expect(availabilitySli({ ...w, total: 0, errors: 0 })).toBeNull();
  });

  it('a window without latency data has no latency SLI', () => {
    expect(latencySli({ start: 0, end: 1, total: 5, errors: 0 }, 0.1)).toBeNull();
  });

  it('interpolates quantiles inside a bucket as histogram_quantile does', () => {
    // rank 950 lies in (0.25, 0.5] holding 90 requests from 900: 0.25 + 0.25 × 50/90.
    expect(histogramQuantile(w, 0.95)).toBeCloseTo(0.25 + 0.25 * (50 / 90), 12);
    expect(histogramQuantile(w, 0.25)).toBeCloseTo(0.05, 12);
    // Above the top finite bound Prometheus returns the top bound.
    expect(histogramQuantile(w, 0.9995)).toBe(1);
  });
});

const source: SliSource = {
  histogramMetric: 'http_server_request_duration_seconds',
  countMetric: 'http_server_request_duration_seconds_count',
  bucketMetric: 'http_server_request_duration_seconds_bucket',
  selector: { service_name: 'pay"ments', http_route: '/a\\b' },
  statusLabel: 'http_response_status_code',
  errorStatusRegex: '5..',
};

describe('PromQL builders', () => {
  it('escapes quotes and backslashes in label values', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(selector(source.selector)).toBe('{service_name="pay\\"ments",http_route="/a\\\\b"}');
  });

  it('refuses a label name Prometheus would reject, saying where to fix it', () => {
    expect(() => selector({ 'http.route': '/x' })).toThrow(/valid Prometheus label name/);
  });

  it.each([
    ['a fractional bound is matched exactly', 0.25, 'le="0.25"'],
    ['an integer bound matches both "1" and "1.0" spellings', 1, 'le=~"1(\\\\.0)?"'],
  ])('%s', (_name, bound, text) => {
    expect(leMatcher(bound)).toBe(text);
  });

  it('builds latency good/total/bad with the Sloth window placeholder and the threshold bucket', () => {
    const q = latencyQueries(source, 0.3);
    expect(q.good).toBe('sum(rate(http_server_request_duration_seconds_bucket{service_name="pay\\"ments",http_route="/a\\\\b",le="0.3"}[{{.window}}]))');
    expect(q.total).toBe('sum(rate(http_server_request_duration_seconds_count{service_name="pay\\"ments",http_route="/a\\\\b"}[{{.window}}]))');
    expect(q.bad).toBe(`(${q.total} - ${q.good})`);
    expect(renderWindow(q.good, '5m')).toContain('[5m]');
  });

  it('builds availability bad from the status label and error regex', () => {
    const q = availabilityQueries(source);
    expect(q.bad).toContain('http_response_status_code=~"5.."');
    expect(q.good).toBe(`(${q.total} - ${q.bad})`);
  });
});
