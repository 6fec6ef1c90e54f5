/**
 * Telemetry repository: batched writes of what the intake aggregated, and the reads the store
 * datasource needs. One interface for both storage paths (native partitions / TimescaleDB); the
 * only difference at write time is that native partitions must exist before rows arrive.
 *
 * Aggregate rows are append-only: the same series+minute may arrive in several flushes (late
 * spans, several receivers). Readers merge them; DDSketch merging is exact, so nothing is lost.
 */
import { DDSketch } from '@datadog/sketches-js';
import type { Pool } from './db.js';
import type { AggregateRow, SpanExemplar } from '../telemetry/otlp/aggregate.js';
import type { CapsuleMinute, RawLog } from '../telemetry/otlp/capsule-ingest.js';
import { ensurePartitionsFor, storageMode, type StorageMode } from './retention.js';
import { deadLetter, validUnixSeconds, writeOrDeadLetter } from './telemetry-dead-letter.js';

/** Rows per INSERT statement (unnest of arrays: one round trip, one plan, no parameter limit). */
const BATCH = 5_000;

export interface AggregateQuery {
  tenant?: string;
  services?: string[];
  /** unix seconds, [from, to) */
  from: number;
  to: number;
}

/** Aggregates merged per service, endpoint and bucket (bucketSeconds of the query). */
export interface MergedAggregate {
  service: string;
  endpoint: string;
  /** unix seconds, bucket start */
  bucket: number;
  count: number;
  errors: number;
  sketch: DDSketch;
  versions: Set<string>;
  exemplars: SpanExemplar[];
}

export interface StoredCapsule {
  service: string;
  capsuleId: string;
  template: string;
  severity: number;
  count: number;
  firstSeen: number;
  lastSeen: number;
  traceIds: string[];
  samples: string[];
}

export interface TelemetryStore {
  mode(): Promise<StorageMode>;
  writeAggregates(rows: AggregateRow[]): Promise<number>;
  writeCapsules(rows: CapsuleMinute[]): Promise<number>;
  writeRawLogs(rows: RawLog[]): Promise<number>;
  /** Exemplar spans of each flushed series (the raw span tier keeps these, not every span). */
  writeRawSpans(rows: AggregateRow[]): Promise<number>;
  /** Buckets start at `origin + k * bucketSeconds` (origin = the analysis end, so the last window is whole). */
  mergedAggregates(q: AggregateQuery, bucketSeconds: number, origin?: number): Promise<MergedAggregate[]>;
  topCapsules(q: AggregateQuery & { limit?: number; minSeverity?: number }): Promise<StoredCapsule[]>;
}

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

/** An aggregate as JSON for the dead-letter table (the sketch as base64 DDSketch protobuf). */
function aggregateJson(r: AggregateRow): unknown {
  let sketch: string | null = null;
  try {
    sketch = Buffer.from(r.sketch.toProto()).toString('base64');
  } catch { /* a sketch that cannot encode is part of why the row is here */ }
  return { tenant: r.tenant, minute: r.minute, service: r.service, endpoint: r.endpoint, status: r.status, version: r.version, environment: r.environment, count: r.count, errors: r.errors, sumSeconds: r.sumSeconds, sketch, exemplars: r.exemplars };
}

export class PgTelemetryStore implements TelemetryStore {
  constructor(private readonly pool: Pool) {}

  mode(): Promise<StorageMode> {
    return storageMode(this.pool);
  }

  private async prepare(table: 'telemetry_aggregates' | 'telemetry_capsule_counts' | 'telemetry_raw_logs' | 'telemetry_raw_spans', times: number[]): Promise<void> {
    if ((await this.mode()) === 'native') await ensurePartitionsFor(this.pool, table, times);
  }

  /** Rows with a minute outside the Date range cannot get a partition: dead-letter them up front. */
  private async validTimes<T extends { tenant: string }>(kind: 'aggregate' | 'raw_span' | 'capsule' | 'raw_log', rows: T[], time: (r: T) => number, toJson: (r: T) => unknown): Promise<T[]> {
    const ok: T[] = [];
    for (const r of rows) {
      if (validUnixSeconds(time(r))) ok.push(r);
      else await deadLetter(this.pool, kind, r.tenant, `timestamp ${time(r)} is not a valid time`, () => toJson(r));
    }
    return ok;
  }

  /** Written rows; rows PostgreSQL refuses go to telemetry_dead_letter (telemetry-dead-letter.ts). */
  async writeAggregates(all: AggregateRow[]): Promise<number> {
    if (all.length === 0) return 0;
    const rows = await this.validTimes('aggregate', all, (r) => r.minute, aggregateJson);
    await this.prepare('telemetry_aggregates', rows.map((r) => r.minute));
    let written = 0;
    for (let i = 0; i < rows.length; i += BATCH) {
      written += (await writeOrDeadLetter(this.pool, 'aggregate', rows.slice(i, i + BATCH), (b) => this.insertAggregates(b), aggregateJson)).written;
    }
    return written;
  }

  private async insertAggregates(b: AggregateRow[]): Promise<void> {
    await this.pool.query(
        `INSERT INTO telemetry_aggregates (tenant, minute, service, endpoint, status, version, environment, count, errors, sum_seconds, sketch, exemplars)
         SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[], $10::float8[], $11::bytea[], $12::jsonb[])`,
        [b.map((r) => r.tenant), b.map((r) => iso(r.minute)), b.map((r) => r.service), b.map((r) => r.endpoint), b.map((r) => r.status),
          b.map((r) => r.version), b.map((r) => r.environment), b.map((r) => r.count), b.map((r) => r.errors), b.map((r) => r.sumSeconds),
          b.map((r) => Buffer.from(r.sketch.toProto())), b.map((r) => JSON.stringify(r.exemplars))],
    );
  }

  async writeRawSpans(rows: AggregateRow[]): Promise<number> {
    const all = rows.flatMap((r) => r.exemplars.map((e) => ({ ...e, tenant: r.tenant, service: r.service, endpoint: r.endpoint })));
    if (all.length === 0) return 0;
    const ex = await this.validTimes('raw_span', all, (e) => e.timestamp, (e) => e);
    await this.prepare('telemetry_raw_spans', ex.map((e) => e.timestamp));
    for (let i = 0; i < ex.length; i += BATCH) {
      const b = ex.slice(i, i + BATCH);
      await this.pool.query(
        `INSERT INTO telemetry_raw_spans (tenant, time, service, endpoint, trace_id, span_id, duration_seconds, error)
         SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::bool[])`,
        [b.map((e) => e.tenant), b.map((e) => iso(e.timestamp)), b.map((e) => e.service), b.map((e) => e.endpoint), b.map((e) => e.traceId),
          b.map((e) => e.spanId), b.map((e) => e.durationSeconds), b.map((e) => e.error)],
      );
    }
    return ex.length;
  }

  async writeCapsules(all: CapsuleMinute[]): Promise<number> {
    if (all.length === 0) return 0;
    const rows = await this.validTimes('capsule', all, (r) => (validUnixSeconds(r.firstSeen) && validUnixSeconds(r.lastSeen) ? r.minute : NaN), (r) => r);
    await this.prepare('telemetry_capsule_counts', rows.map((r) => r.minute));
    // Templates first (one row per capsule; latest template text and the widest seen range win).
    const byId = new Map<string, CapsuleMinute>();
    for (const r of rows) {
      const k = `${r.tenant}\u0000${r.service}\u0000${r.capsuleId}`;
      const cur = byId.get(k);
      if (!cur) byId.set(k, { ...r });
      else {
        cur.firstSeen = Math.min(cur.firstSeen, r.firstSeen);
        cur.lastSeen = Math.max(cur.lastSeen, r.lastSeen);
        cur.severity = Math.max(cur.severity, r.severity);
      }
    }
    const t = [...byId.values()];
    await this.pool.query(
      `INSERT INTO telemetry_capsules (tenant, service, capsule_id, template, severity, first_seen, last_seen)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::smallint[], $6::timestamptz[], $7::timestamptz[])
       ON CONFLICT (tenant, service, capsule_id) DO UPDATE SET template = EXCLUDED.template,
         severity = GREATEST(telemetry_capsules.severity, EXCLUDED.severity),
         first_seen = LEAST(telemetry_capsules.first_seen, EXCLUDED.first_seen),
         last_seen = GREATEST(telemetry_capsules.last_seen, EXCLUDED.last_seen)`,
      [t.map((r) => r.tenant), t.map((r) => r.service), t.map((r) => r.capsuleId), t.map((r) => r.template), t.map((r) => r.severity),
        t.map((r) => iso(r.firstSeen)), t.map((r) => iso(r.lastSeen))],
    );
    let written = 0;
    // text[][] cannot be unnested row-wise into text[] columns; ship the arrays as JSON instead.
    const insert = async (b: CapsuleMinute[]) => {
      await this.pool.query(
        `INSERT INTO telemetry_capsule_counts (tenant, service, capsule_id, minute, count, severity, first_seen, last_seen, trace_ids, samples)
         SELECT u.tenant, u.service, u.capsule_id, u.minute, u.count, u.severity, u.first_seen, u.last_seen,
                ARRAY(SELECT jsonb_array_elements_text(u.trace_ids)), ARRAY(SELECT jsonb_array_elements_text(u.samples))
         FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bigint[], $6::smallint[], $7::timestamptz[], $8::timestamptz[], $9::jsonb[], $10::jsonb[])
           AS u(tenant, service, capsule_id, minute, count, severity, first_seen, last_seen, trace_ids, samples)`,
        [b.map((r) => r.tenant), b.map((r) => r.service), b.map((r) => r.capsuleId), b.map((r) => iso(r.minute)), b.map((r) => r.count),
          b.map((r) => r.severity), b.map((r) => iso(r.firstSeen)), b.map((r) => iso(r.lastSeen)), b.map((r) => JSON.stringify(r.traceIds)),
          b.map((r) => JSON.stringify(r.samples))],
      );
    };
    for (let i = 0; i < rows.length; i += BATCH) written += (await writeOrDeadLetter(this.pool, 'capsule', rows.slice(i, i + BATCH), insert, (r) => r)).written;
    return written;
  }

  async writeRawLogs(all: RawLog[]): Promise<number> {
    if (all.length === 0) return 0;
    const rows = await this.validTimes('raw_log', all, (r) => r.time, (r) => r);
    await this.prepare('telemetry_raw_logs', rows.map((r) => r.time));
    for (let i = 0; i < rows.length; i += BATCH) {
      const b = rows.slice(i, i + BATCH);
      await this.pool.query(
        `INSERT INTO telemetry_raw_logs (tenant, time, service, severity, body, trace_id, capsule_id)
         SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::smallint[], $5::text[], $6::text[], $7::text[])`,
        [b.map((r) => r.tenant), b.map((r) => iso(r.time)), b.map((r) => r.service), b.map((r) => r.severity), b.map((r) => r.body),
          b.map((r) => r.traceId), b.map((r) => r.capsuleId)],
      );
    }
    return rows.length;
  }

  async mergedAggregates(q: AggregateQuery, bucketSeconds: number, origin = 0): Promise<MergedAggregate[]> {
    const { rows } = await this.pool.query<{ service: string; endpoint: string; bucket: string; count: string; errors: string; sketch: Buffer; version: string; exemplars: SpanExemplar[] }>(
      `SELECT service, endpoint, (floor((extract(epoch FROM minute) - $6) / $3) * $3 + $6)::bigint AS bucket, count, errors, sketch, version, exemplars
       FROM telemetry_aggregates
       WHERE minute >= $1 AND minute < $2 AND ($4::text IS NULL OR tenant = $4) AND ($5::text[] IS NULL OR service = ANY($5))`,
      [iso(q.from), iso(q.to), bucketSeconds, q.tenant ?? null, q.services ?? null, origin % bucketSeconds],
    );
    const merged = new Map<string, MergedAggregate>();
    for (const r of rows) {
      const key = `${r.service}\u0000${r.endpoint}\u0000${r.bucket}`;
      let m = merged.get(key);
      if (!m) {
        m = { service: r.service, endpoint: r.endpoint, bucket: Number(r.bucket), count: 0, errors: 0, sketch: new DDSketch({ relativeAccuracy: 0.01 }), versions: new Set(), exemplars: [] };
        merged.set(key, m);
      }
      m.count += Number(r.count);
      m.errors += Number(r.errors);
      m.sketch.merge(DDSketch.fromProto(r.sketch));
      if (r.version) m.versions.add(r.version);
      if (m.exemplars.length < 10) m.exemplars.push(...r.exemplars.slice(0, 10 - m.exemplars.length));
    }
    return [...merged.values()].sort((a, b) => a.service.localeCompare(b.service) || a.endpoint.localeCompare(b.endpoint) || a.bucket - b.bucket);
  }

  async topCapsules(q: AggregateQuery & { limit?: number; minSeverity?: number }): Promise<StoredCapsule[]> {
    const { rows } = await this.pool.query<{ service: string; capsule_id: string; template: string; severity: number; count: string; first_seen: Date; last_seen: Date; trace_ids: string[][]; samples: string[][] }>(
      `SELECT c.service, c.capsule_id, t.template, max(c.severity) AS severity, sum(c.count) AS count, min(c.first_seen) AS first_seen,
              max(c.last_seen) AS last_seen, jsonb_agg(c.trace_ids) AS trace_ids, jsonb_agg(c.samples) AS samples
       FROM telemetry_capsule_counts c
       JOIN telemetry_capsules t USING (tenant, service, capsule_id)
       WHERE c.minute >= $1 AND c.minute < $2 AND ($3::text IS NULL OR c.tenant = $3) AND ($4::text[] IS NULL OR c.service = ANY($4)) AND c.severity >= $5
       GROUP BY c.service, c.capsule_id, t.template
       ORDER BY max(c.severity) DESC, sum(c.count) DESC
       LIMIT $6`,
      [iso(q.from), iso(q.to), q.tenant ?? null, q.services ?? null, q.minSeverity ?? 0, q.limit ?? 20],
    );
    return rows.map((r) => ({
      service: r.service, capsuleId: r.capsule_id, template: r.template, severity: Number(r.severity), count: Number(r.count),
      traceIds: [...new Set(r.trace_ids.flat())].slice(0, 5), samples: r.samples.flat().slice(0, 3),
      firstSeen: r.first_seen.getTime() / 1000, lastSeen: r.last_seen.getTime() / 1000,
    }));
  }
}
