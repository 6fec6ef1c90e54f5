/**
 * The alert replay's series fetched per group of endpoints (issue 11 §7) equal, value for value, what
 * each SLO's own two queries return from a real Prometheus, in far fewer queries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFleet } from '../../../app/core/fleet/index.js';
import { availabilityQueries, defaultOtelSource, latencyQueries } from '../../../app/core/sli/promql.js';
import { PrometheusClient } from '../../../app/telemetry/prometheus/client.js';
import { PrometheusHistorySource } from '../../../app/telemetry/prometheus/source.js';
import type { AlertSeries, AlertSeriesRequest } from '../../../app/telemetry/source.js';
import { buildBlocks, startPrometheus, type RunningPrometheus } from '../../helpers/prometheus.js';

const DAY = 86_400;
const END = Date.UTC(2026, 10, 1) / 1000;
// Samples every 5 minutes: rate over the rules' 5m range then has its two samples.
const FLEET = { seed: 7, end: END, days: 5, scenario: 'uniform' as const, services: 3, endpointsPerService: 3, stepSeconds: 300 };

describe('PrometheusHistorySource.fetchAlertSeries batches SLOs without changing a value', () => {
  let prom: RunningPrometheus;
  beforeAll(async () => {
    prom = await startPrometheus(await buildBlocks({ fleet: FLEET, sampleSeconds: 300 }, 'alert-series-3x3'));
  }, 300_000);
  afterAll(async () => {
    await prom?.stop();
  });

  const requests = (): AlertSeriesRequest[] => describeFleet(FLEET).flatMap((ep) => {
    const src = defaultOtelSource(ep.service, ep.endpoint);
    const base = { service: ep.service, endpoint: ep.endpoint, start: END - 4 * DAY, end: END, step: 300 };
    // A fractional and an integer bound (the integer one matches "1" and "1.0"), and the errors.
    return [
      { ...base, sli: 'latency' as const, thresholdSeconds: 0.25, queries: latencyQueries(src, 0.25) },
      { ...base, sli: 'latency' as const, thresholdSeconds: 1, queries: latencyQueries(src, 1) },
      { ...base, sli: 'availability' as const, thresholdSeconds: null, queries: availabilityQueries(src) },
    ];
  });

  it('equals one query per SLO, with a handful of queries instead of two per SLO', async () => {
    const reqs = requests();
    const batched = await new PrometheusHistorySource({ client: new PrometheusClient({ url: prom.url }) }).fetchAlertSeries(reqs);
    // A query text this source would not write (here one extra space) is fetched on its own, with the SLO's own queries.
    const alone = await new PrometheusHistorySource({ client: new PrometheusClient({ url: prom.url }) })
      .fetchAlertSeries(reqs.map((r) => ({ ...r, queries: { ...r.queries, total: `${r.queries.total} ` } })));
    expect(alone.stats.queries).toBe(2 * reqs.length);
    // 9 endpoints in one group: totals, errors and one bucket query per threshold.
    expect(batched.stats.queries).toBe(4);
    let valid = 0;
    let bad = 0;
    for (let i = 0; i < reqs.length; i++) {
      const b = batched.series[i] as AlertSeries;
      const a = alone.series[i] as AlertSeries;
      expect(b).toBeInstanceOf(Object);
      expect(b.total).toEqual(a.total);
      expect(b.bad).toEqual(a.bad);
      valid += b.total.filter((x) => !Number.isNaN(x)).length;
      bad += b.bad.filter((x) => x > 0).length;
    }
    // Not vacuous: nearly every step has data and some have bad events.
    expect(valid).toBeGreaterThan(0.9 * reqs.length * 4 * 288);
    expect(bad).toBeGreaterThan(100);
  }, 120_000);

  it('keeps each reply under the byte cap by querying fewer endpoints at once', async () => {
    const reqs = requests().filter((r) => r.sli === 'availability');
    // 1,152 points x 64 bytes x 2 endpoints: room for two endpoints per query.
    const client = new PrometheusClient({ url: prom.url, maxResponseBytes: 1152 * 64 * 2 + 1 });
    const r = await new PrometheusHistorySource({ client }).fetchAlertSeries(reqs);
    expect(r.series.every((s) => s !== null && !(s instanceof Error))).toBe(true);
    expect(r.stats.queries).toBe(2 * Math.ceil(reqs.length / 2));
  }, 120_000);
});
