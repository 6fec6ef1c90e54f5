import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DDSketch } from '@datadog/sketches-js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { createRng } from '../../app/core/rng.js';
import { recommend } from '../../app/core/recommend/index.js';
import { SpanAggregator } from '../../app/telemetry/otlp/aggregate.js';
import { CapsuleIngestor } from '../../app/telemetry/otlp/capsule-ingest.js';
import { PgTelemetryStore } from '../../app/store/telemetry.js';
import { PgAlertEventStore } from '../../app/store/telemetry-alerts.js';
import { countsAtThresholds, StoreHistorySource, THRESHOLD_GRID } from '../../app/telemetry/store-source.js';

let db: TestDatabase;
let source: StoreHistorySource;
const DAY = 86_400;
const END = Date.UTC(2026, 10, 20, 6) / 1000; // 06:00 UTC: windows must align to this, not to midnight
const DAYS = 14;
const PER_DAY = 1500;

beforeAll(async () => {
  db = await createTestDatabase();
  const store = new PgTelemetryStore(db.pool);
  const rng = createRng(42);
  const agg = new SpanAggregator();
  for (let d = 0; d < DAYS; d++) {
    const spans = Array.from({ length: PER_DAY }, (_, i) => {
      const end = END - (DAYS - d) * DAY + Math.floor((i / PER_DAY) * DAY);
      const seconds = 0.06 * Math.exp(0.7 * rng.normal());
      return {
        traceId: Buffer.alloc(16, (i % 200) + 1), spanId: Buffer.alloc(8, 3), name: 'GET /items',
        startTimeUnixNano: Math.round((end - seconds) * 1e9), endTimeUnixNano: Math.round(end * 1e9),
        attributes: [{ key: 'http.route', value: { stringValue: '/items' } }, { key: 'http.response.status_code', value: { intValue: i % 500 === 0 ? 502 : 200 } }],
      };
    });
    agg.addTraces('t1', { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'catalog' } }, { key: 'service.version', value: { stringValue: d < 7 ? '1.0' : '1.1' } }] }, scopeSpans: [{ spans }] }] });
    await store.writeAggregates(agg.drain());
  }
  const caps = new CapsuleIngestor();
  caps.addLogs('t1', { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'catalog' } }] }, scopeLogs: [{ logRecords: [
    { timeUnixNano: (END - 3600) * 1e9, severityNumber: 17, body: { stringValue: 'upstream inventory 503 after 2 retries' }, traceId: Buffer.alloc(16, 0xab) },
  ] }] }] });
  await store.writeCapsules(caps.drain().capsules);
  const alerts = new PgAlertEventStore(db.pool);
  await alerts.record([{ tenant: 't1', fingerprint: 'f1', status: 'firing', alertname: 'CatalogLatencyBurn', service: 'catalog', slo: 'catalog-items-latency', severity: 'page',
    startsAt: END - 7200, endsAt: null, labels: {}, annotations: {}, generatorUrl: 'http://prometheus/graph' }]);
  source = new StoreHistorySource({ store, tenant: 't1', alerts });
});
afterAll(async () => db?.drop());

describe('countsAtThresholds', () => {
  it('counts within the sketch accuracy of the exact number of values at or under each threshold', () => {
    const rng = createRng(7);
    const values = Array.from({ length: 20_000 }, () => 0.02 / Math.pow(1 - rng.next(), 1 / 1.3));
    const sketch = new DDSketch({ relativeAccuracy: 0.01 });
    for (const v of values) sketch.accept(v);
    const { goodCounts } = countsAtThresholds(sketch);
    THRESHOLD_GRID.forEach((t, i) => {
      const lo = values.filter((v) => v <= t * 0.99).length;
      const hi = values.filter((v) => v <= t * 1.01).length;
      expect(goodCounts[i]).toBeGreaterThanOrEqual(lo);
      expect(goodCounts[i]).toBeLessThanOrEqual(hi);
    });
  });
});

describe('StoreHistorySource', () => {
  it('returns one history per endpoint with daily windows aligned to the analysis end', async () => {
    const { histories } = await source.fetchHistories({ end: END, windowSeconds: DAYS * DAY, breachWindowSeconds: DAY });
    expect(histories).toHaveLength(1);
    const h = histories[0]!;
    expect(h).toMatchObject({ service: 'catalog', endpoint: '/items' });
    expect(h.windows).toHaveLength(DAYS);
    expect(h.windows.at(-1)!.end).toBe(END);
    expect(h.windows.reduce((s, w) => s + w.total, 0)).toBe(DAYS * PER_DAY);
    expect(h.windows.reduce((s, w) => s + w.errors, 0)).toBe(DAYS * 3);
    for (const w of h.windows) {
      expect(w.latency!.goodCounts.every((c, i, a) => i === 0 || c >= a[i - 1]!)).toBe(true);
      expect(w.latency!.goodCounts.at(-1)).toBeLessThanOrEqual(w.total);
    }
    expect(h.versions!.map((v) => v.version)).toEqual(['1.0', '1.1']);
  });

  it('offers error and slow span trace ids, capsules and Alertmanager events as evidence', async () => {
    const { histories } = await source.fetchHistories({ end: END, windowSeconds: DAYS * DAY, breachWindowSeconds: DAY });
    const ex = histories[0]!.exemplars!;
    expect(ex.some((e) => e.labels?.kind === 'span' && e.labels.error === 'true')).toBe(true);
    const capsule = ex.find((e) => e.labels?.kind === 'capsule')!;
    expect(capsule.labels!.template).toBe('upstream inventory <NUM> after <NUM> retries');
    expect(capsule.traceId).toBe('ab'.repeat(16));
    expect(ex.find((e) => e.labels?.kind === 'alert')).toMatchObject({ timestamp: END - 7200, labels: { alertname: 'CatalogLatencyBurn', status: 'firing', slo: 'catalog-items-latency' } });
  });

  it('feeds the recommendation engine, which proposes latency and availability SLOs from it', async () => {
    const request = { end: END, windowSeconds: DAYS * DAY, breachWindowSeconds: DAY };
    const { histories } = await source.fetchHistories({ ...request, hourly: true });
    expect(histories[0]!.hourly!.length).toBeGreaterThan(DAYS * 20);
    const result = recommend(histories, { ...request, bootstrapDraws: 200, seed: 1 });
    expect(new Set(result.proposals.map((p) => p.sli))).toEqual(new Set(['latency', 'availability']));
    expect(result.proposals.every((p) => p.service === 'catalog')).toBe(true);
  });
});

describe('routes filters (issue 13: routes.exclude replaces the default health-check exclusion)', () => {
  it('applies the config\'s route globs like the Prometheus source, listing each skipped endpoint with its pattern', async () => {
    const store = new PgTelemetryStore(db.pool);
    const request = { end: END, windowSeconds: DAYS * DAY, breachWindowSeconds: DAY };
    const own = await new StoreHistorySource({ store, tenant: 't1', routes: { exclude: ['/items'] }, defaultRouteExclude: ['/nothing'] }).fetchHistories(request);
    expect(own.histories).toEqual([]);
    expect(own.skipped).toEqual([{ service: 'catalog', endpoint: '/items', reason: 'route excluded by pattern /items' }]);
    const byDefault = await new StoreHistorySource({ store, tenant: 't1', defaultRouteExclude: ['/items'] }).fetchHistories(request);
    expect(byDefault.skipped[0]!.reason).toMatch(/^route excluded by the default health-check pattern \/items; to analyse it, set routes\.exclude/);
    // An own (even empty) routes.exclude replaces the default.
    const replaced = await new StoreHistorySource({ store, tenant: 't1', routes: { exclude: [] }, defaultRouteExclude: ['/items'] }).fetchHistories(request);
    expect(replaced.histories.map((h) => h.endpoint)).toEqual(['/items']);
  });
});
