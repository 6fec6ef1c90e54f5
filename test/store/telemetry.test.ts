import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { createRng } from '../../app/core/rng.js';
import { SpanAggregator } from '../../app/telemetry/otlp/aggregate.js';
import { CapsuleIngestor } from '../../app/telemetry/otlp/capsule-ingest.js';
import type { Span, TracesRequest } from '../../app/telemetry/otlp/model.js';
import { PgTelemetryStore } from '../../app/store/telemetry.js';
import { applyRetention, RetentionConfig, storageMode } from '../../app/store/retention.js';

let db: TestDatabase;
let store: PgTelemetryStore;
beforeAll(async () => {
  db = await createTestDatabase();
  store = new PgTelemetryStore(db.pool);
});
afterAll(async () => db?.drop());

const DAY0 = Date.UTC(2026, 10, 2) / 1000; // 2026-11-02T00:00Z

function request(service: string, endpoint: string, spans: Array<{ end: number; seconds: number; error?: boolean }>): TracesRequest {
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{ spans: spans.map((s, i): Span => ({
        traceId: Buffer.alloc(16, (i % 250) + 1), spanId: Buffer.alloc(8, 1), name: endpoint,
        startTimeUnixNano: Math.round((s.end - s.seconds) * 1e9), endTimeUnixNano: Math.round(s.end * 1e9),
        attributes: [{ key: 'http.route', value: { stringValue: endpoint } }],
        status: { code: s.error ? 2 : 0 },
      })) }],
    }],
  };
}

const exactQuantile = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;

describe('telemetry store (plain PostgreSQL path)', () => {
  it('uses native partitions when TimescaleDB is not installed', async () => {
    expect(await storageMode(db.pool)).toBe('native');
  });

  it.each([
    ['lognormal latencies (median 80 ms, sigma 1.2)', (r: ReturnType<typeof createRng>) => 0.08 * Math.exp(1.2 * r.normal())],
    ['pareto latencies (alpha 1.5, min 20 ms)', (r: ReturnType<typeof createRng>) => 0.02 / Math.pow(1 - r.next(), 1 / 1.5)],
  ])('quantiles read back from the store are within 1 percent of the exact values for %s, across flushes from two receivers', async (name, draw) => {
    const rng = createRng(name.length);
    const service = `svc-${name.slice(0, 4)}`;
    const values: number[] = [];
    const receivers = [new SpanAggregator(), new SpanAggregator()];
    for (let batch = 0; batch < 40; batch++) {
      const spans = Array.from({ length: 500 }, (_, i) => {
        const seconds = draw(rng);
        values.push(seconds);
        // Spread over three hours so rows land in many minutes and both receivers see the same minutes.
        return { end: DAY0 + 3600 + ((batch * 500 + i) % 10_800), seconds };
      });
      receivers[batch % 2]!.addTraces('t1', request(service, '/pay', spans));
      if (batch % 10 === 9) for (const r of receivers) await store.writeAggregates(r.drain());
    }
    const [merged] = await store.mergedAggregates({ from: DAY0, to: DAY0 + 86_400, services: [service] }, 86_400);
    expect(merged!.count).toBe(values.length);
    values.sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const exact = exactQuantile(values, q);
      const fromStore = merged!.sketch.getValueAtQuantile(q);
      expect(Math.abs(fromStore - exact) / exact, `q=${q} exact=${exact} store=${fromStore}`).toBeLessThanOrEqual(0.01 + 1e-9);
    }
  });

  it('merges counts and errors per bucket and keeps exemplar trace ids', async () => {
    const agg = new SpanAggregator();
    agg.addTraces('t1', request('orders', '/orders', [
      { end: DAY0 + 100, seconds: 0.05 }, { end: DAY0 + 200, seconds: 0.9, error: true }, { end: DAY0 + 86_400 + 5, seconds: 0.01 },
    ]));
    const rows = agg.drain();
    await store.writeAggregates(rows);
    expect(await store.writeRawSpans(rows)).toBeGreaterThan(0);
    const merged = await store.mergedAggregates({ from: DAY0, to: DAY0 + 2 * 86_400, services: ['orders'] }, 86_400);
    expect(merged.map((m) => [m.bucket, m.count, m.errors])).toEqual([[DAY0, 2, 1], [DAY0 + 86_400, 1, 0]]);
    expect(merged[0]!.exemplars.some((e) => e.error && /^[0-9a-f]{32}$/.test(e.traceId))).toBe(true);
  });

  it('stores capsules and lists the most severe first with their template and trace ids', async () => {
    const caps = new CapsuleIngestor();
    caps.addLogs('t1', { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'ledger' } }] }, scopeLogs: [{ logRecords: [
      { timeUnixNano: (DAY0 + 10) * 1e9, severityNumber: 17, body: { stringValue: 'db timeout after 3000 ms on shard 4' }, traceId: Buffer.alloc(16, 7) },
      { timeUnixNano: (DAY0 + 70) * 1e9, severityNumber: 17, body: { stringValue: 'db timeout after 3100 ms on shard 2' }, traceId: Buffer.alloc(16, 8) },
      { timeUnixNano: (DAY0 + 80) * 1e9, severityNumber: 9, body: { stringValue: 'request served' } },
    ] }] }] });
    const { capsules, raw } = caps.drain();
    await store.writeCapsules(capsules);
    expect(await store.writeRawLogs(raw)).toBe(3);
    const top = await store.topCapsules({ from: DAY0, to: DAY0 + 3600, services: ['ledger'] });
    expect(top[0]).toMatchObject({ template: 'db timeout after <NUM> ms on shard <NUM>', count: 2, severity: 17 });
    expect(top[0]!.traceIds.length).toBe(2);
    expect(top[1]).toMatchObject({ count: 1, severity: 9 });
  });

  it('retention drops whole expired partitions per tier and keeps the ones still inside it', async () => {
    const now = new Date((DAY0 + 10 * 86_400) * 1000); // 2026-11-12
    const agg = new SpanAggregator();
    agg.addTraces('t1', request('old', '/x', [{ end: DAY0 + 60, seconds: 0.1 }]));
    const rows = agg.drain();
    await store.writeAggregates(rows);
    await store.writeRawSpans(rows);
    const result = await applyRetention(db.pool, now, RetentionConfig.parse({}));
    // Raw tier (7 days): the 2026-11-02 day partition is gone; aggregates (1 year) stay.
    expect(result.droppedPartitions).toContain('telemetry_raw_spans_d20261102');
    expect(result.droppedPartitions.some((p) => p.startsWith('telemetry_aggregates'))).toBe(false);
    const raw = await db.pool.query(`SELECT count(*)::int AS n FROM telemetry_raw_spans WHERE time < $1`, [new Date((DAY0 + 86_400) * 1000)]);
    expect(raw.rows[0].n).toBe(0);
    expect((await store.mergedAggregates({ from: DAY0, to: DAY0 + 3600, services: ['old'] }, 3600))[0]!.count).toBe(1);
    // Partitions for the coming days exist already.
    const ahead = await db.pool.query(`SELECT to_regclass('telemetry_raw_logs_d20261114') IS NOT NULL AS ok`);
    expect(ahead.rows[0].ok).toBe(true);
    // A shorter aggregate retention drops the month partition too.
    const short = await applyRetention(db.pool, new Date(Date.UTC(2027, 0, 15)), RetentionConfig.parse({ aggregateDays: 30 }));
    expect(short.droppedPartitions).toContain('telemetry_aggregates_m202611');
  });
});
