import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { createRng } from '../../app/core/rng.js';
import { SpanAggregator } from '../../app/telemetry/otlp/aggregate.js';
import { PgTelemetryStore } from '../../app/store/telemetry.js';
import { compactAggregates } from '../../app/store/telemetry-compact.js';

let db: TestDatabase;
let store: PgTelemetryStore;
beforeAll(async () => {
  db = await createTestDatabase();
  store = new PgTelemetryStore(db.pool);
});
afterAll(async () => db?.drop());

const H0 = Date.UTC(2026, 10, 10, 8) / 1000;
const rowCount = async () => (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry_aggregates')).rows[0]!.n;

describe('hourly roll-up of aggregates', () => {
  it('cuts rows to one per series-hour and leaves counts, errors and quantiles exactly as they were', async () => {
    const rng = createRng(5);
    const agg = new SpanAggregator();
    const spans = Array.from({ length: 6000 }, (_, i) => {
      const end = H0 + (i % 10_800);
      const s = 0.05 * Math.exp(rng.normal());
      return { traceId: Buffer.alloc(16, 2), spanId: Buffer.alloc(8, 2), name: 'op', startTimeUnixNano: Math.round((end - s) * 1e9), endTimeUnixNano: Math.round(end * 1e9), status: { code: i % 100 === 0 ? 2 : 0 } };
    });
    agg.addTraces('t', { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] }, scopeSpans: [{ spans }] }] });
    await store.writeAggregates(agg.drain());
    const before = await store.mergedAggregates({ from: H0, to: H0 + 10_800 }, 3600);
    const rowsBefore = await rowCount();

    // Two hours have settled at H0+4h (settle 2 h): only those are rolled up.
    const r = await compactAggregates(db.pool, new Date((H0 + 4 * 3600) * 1000));
    expect(r.hours).toBe(2);
    expect(r.rowsBefore).toBeGreaterThan(r.rowsAfter);
    expect(await rowCount()).toBe(rowsBefore - r.rowsBefore + r.rowsAfter);

    const after = await store.mergedAggregates({ from: H0, to: H0 + 10_800 }, 3600);
    expect(after.map((m) => [m.bucket, m.count, m.errors])).toEqual(before.map((m) => [m.bucket, m.count, m.errors]));
    after.forEach((m, i) => {
      for (const q of [0.5, 0.99]) expect(m.sketch.getValueAtQuantile(q)).toBeCloseTo(before[i]!.sketch.getValueAtQuantile(q), 12);
    });
    // Nothing new has settled: a second pass does nothing.
    expect((await compactAggregates(db.pool, new Date((H0 + 4 * 3600) * 1000))).hours).toBe(0);
  });
});
