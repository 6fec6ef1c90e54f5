import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { SpanAggregator } from '../../app/telemetry/otlp/aggregate.js';
import { CapsuleIngestor } from '../../app/telemetry/otlp/capsule-ingest.js';
import { PgTelemetryStore, type TelemetryStore } from '../../app/store/telemetry.js';
import { silentLogger } from '../../app/logger.js';
import { fixedClock } from '../../app/deps.js';
import { IngestFlusher } from '../../app/telemetry/otlp/flusher.js';
import { ingestFlushProcessor } from '../../workers/ingest-flush.js';
import { retentionProcessor } from '../../workers/retention.js';

let db: TestDatabase;
let store: PgTelemetryStore;
beforeAll(async () => {
  db = await createTestDatabase();
  store = new PgTelemetryStore(db.pool);
});
afterAll(async () => db?.drop());

const T = Date.UTC(2026, 10, 25, 12) / 1000;
const spans = (n: number, service: string) => ({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans: Array.from({ length: n }, (_, i) => ({
  traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 1), name: 'op', startTimeUnixNano: (T + i) * 1e9, endTimeUnixNano: (T + i) * 1e9 + 2e7,
})) }] }] });
const logs = (service: string) => ({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeLogs: [{ logRecords: [{ timeUnixNano: T * 1e9, severityNumber: 13, body: { stringValue: 'slow query 120 ms' } }] }] }] });
const total = async (service: string) => (await store.mergedAggregates({ from: T - 3600, to: T + 3600, services: [service] }, 7200))[0]?.count ?? 0;

describe('ingest-flush', () => {
  it('writes aggregates, capsules and raw lines in one flush and empties memory', async () => {
    const s = new SpanAggregator();
    const c = new CapsuleIngestor();
    const flusher = new IngestFlusher({ spans: s, capsules: c, store, logger: silentLogger });
    s.addTraces('t', spans(300, 'a'));
    c.addLogs('t', logs('a'));
    const result = await ingestFlushProcessor(flusher)({ data: {} } as Job);
    expect(result).toMatchObject({ capsules: 1, rawLogs: 1 });
    expect(result.aggregates).toBeGreaterThan(1);
    expect(s.seriesCount).toBe(0);
    expect(await total('a')).toBe(300);
  });

  it('a failed flush keeps the aggregates in memory and the next flush writes every span exactly once', async () => {
    const s = new SpanAggregator();
    const c = new CapsuleIngestor();
    let failNext = true;
    const flaky: TelemetryStore = Object.assign(Object.create(store) as TelemetryStore, {
      writeAggregates: (rows: Parameters<TelemetryStore['writeAggregates']>[0]) => {
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error('connection reset'));
        }
        return store.writeAggregates(rows);
      },
    });
    const flusher = new IngestFlusher({ spans: s, capsules: c, store: flaky, logger: silentLogger, overloadSeries: 1 });
    s.addTraces('t', spans(100, 'b'));
    await expect(flusher.flushOnce()).rejects.toThrow(/connection reset/);
    expect(flusher.overloaded).toBe(true);
    s.addTraces('t', spans(50, 'b'));
    await flusher.flushOnce();
    expect(flusher.overloaded).toBe(false);
    expect(await total('b')).toBe(150);
  });

  it('stop() flushes what is left', async () => {
    const s = new SpanAggregator();
    const flusher = new IngestFlusher({ spans: s, capsules: new CapsuleIngestor(), store, logger: silentLogger, intervalSeconds: 3600 });
    flusher.start();
    s.addTraces('t', spans(10, 'c'));
    await flusher.stop();
    expect(await total('c')).toBe(10);
  });
});

describe('retention worker', () => {
  it('applies the configured tiers with job overrides and reports dropped partitions', async () => {
    const s = new SpanAggregator();
    s.addTraces('t', spans(5, 'd'));
    const rows = s.drain();
    await store.writeRawSpans(rows);
    const run = retentionProcessor({ pool: db.pool, clock: fixedClock(new Date((T + 3 * 86_400) * 1000)), logger: silentLogger, retention: { rawDays: 7 } });
    expect((await run({ data: {}, id: '1' } as Job)).droppedPartitions).not.toContain('telemetry_raw_spans_d20261125');
    const shorter = await run({ data: { retention: { rawDays: 1 } }, id: '2' } as Job);
    expect(shorter.droppedPartitions).toContain('telemetry_raw_spans_d20261125');
  });

  it('refuses a malformed job payload', async () => {
    const run = retentionProcessor({ pool: db.pool, clock: fixedClock('2026-11-25T00:00:00Z'), logger: silentLogger });
    await expect(run({ data: { retention: { rawDays: 0 } }, id: '3' } as Job)).rejects.toThrow();
  });
});
