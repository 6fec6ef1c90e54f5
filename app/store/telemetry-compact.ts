/**
 * Hourly roll-up of per-minute aggregates. Reads over a 28-day window would otherwise merge one
 * sketch per series-minute (40k per series); after roll-up it is one per series-hour. Merging
 * DDSketches is exact, so counts and quantiles are unchanged; only sub-hour resolution of old data
 * is given up (analysis windows are >= 1 h). Runs in the retention worker, hours older than
 * `settleSeconds` only, from a watermark kept in slo_scout_meta.
 */
import { DDSketch } from '@datadog/sketches-js';
import type { Pool } from './db.js';
import type { SpanExemplar } from '../telemetry/otlp/aggregate.js';

const WATERMARK = 'telemetry_compacted_until';

interface Row {
  tenant: string; minute: Date; service: string; endpoint: string; status: string; version: string; environment: string;
  count: string; errors: string; sum_seconds: number; sketch: Buffer; exemplars: SpanExemplar[];
}

export interface CompactResult { hours: number; rowsBefore: number; rowsAfter: number; until: Date | null }

/** Rolls up whole hours in [watermark, now - settle), at most `maxHours` per call. */
export async function compactAggregates(pool: Pool, now: Date, options: { settleSeconds?: number; maxHours?: number } = {}): Promise<CompactResult> {
  const settle = options.settleSeconds ?? 2 * 3600;
  const limit = Math.floor((now.getTime() / 1000 - settle) / 3600) * 3600;
  const wm = await pool.query<{ value: string }>(`SELECT value FROM slo_scout_meta WHERE key = $1`, [WATERMARK]);
  let from: number;
  if (wm.rows[0]) from = Number(wm.rows[0].value);
  else {
    const first = await pool.query<{ m: Date | null }>(`SELECT min(minute) AS m FROM telemetry_aggregates`);
    if (!first.rows[0]?.m) return { hours: 0, rowsBefore: 0, rowsAfter: 0, until: null };
    from = Math.floor(first.rows[0].m.getTime() / 1000 / 3600) * 3600;
  }
  const result: CompactResult = { hours: 0, rowsBefore: 0, rowsAfter: 0, until: null };
  for (let h = from; h < limit && result.hours < (options.maxHours ?? 48); h += 3600) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const del = await client.query<Row>(
        `DELETE FROM telemetry_aggregates WHERE minute >= $1 AND minute < $2 RETURNING *`,
        [new Date(h * 1000).toISOString(), new Date((h + 3600) * 1000).toISOString()]);
      const merged = new Map<string, { r: Row; count: number; errors: number; sum: number; sketch: DDSketch; exemplars: SpanExemplar[] }>();
      for (const r of del.rows) {
        const k = [r.tenant, r.service, r.endpoint, r.status, r.version, r.environment].join('\u0000');
        let m = merged.get(k);
        if (!m) {
          m = { r, count: 0, errors: 0, sum: 0, sketch: new DDSketch({ relativeAccuracy: 0.01 }), exemplars: [] };
          merged.set(k, m);
        }
        m.count += Number(r.count);
        m.errors += Number(r.errors);
        m.sum += r.sum_seconds;
        m.sketch.merge(DDSketch.fromProto(r.sketch));
        m.exemplars.push(...r.exemplars);
      }
      const rows = [...merged.values()];
      if (rows.length > 0) {
        const rank = (e: SpanExemplar) => (e.error ? 1e9 : 0) + e.durationSeconds;
        await client.query(
          `INSERT INTO telemetry_aggregates (tenant, minute, service, endpoint, status, version, environment, count, errors, sum_seconds, sketch, exemplars)
           SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[], $10::float8[], $11::bytea[], $12::jsonb[])`,
          [rows.map((m) => m.r.tenant), rows.map(() => new Date(h * 1000).toISOString()), rows.map((m) => m.r.service), rows.map((m) => m.r.endpoint),
            rows.map((m) => m.r.status), rows.map((m) => m.r.version), rows.map((m) => m.r.environment), rows.map((m) => m.count), rows.map((m) => m.errors),
            rows.map((m) => m.sum), rows.map((m) => Buffer.from(m.sketch.toProto())), rows.map((m) => JSON.stringify(m.exemplars.sort((a, b) => rank(b) - rank(a)).slice(0, 3)))]);
      }
      await client.query(`INSERT INTO slo_scout_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [WATERMARK, String(h + 3600)]);
      await client.query('COMMIT');
      result.hours++;
      result.rowsBefore += del.rows.length;
      result.rowsAfter += rows.length;
      result.until = new Date((h + 3600) * 1000);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
  return result;
}
