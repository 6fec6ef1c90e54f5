/**
 * Retention tiers (DESIGN.md "Storage tiers"): raw spans/logs 7 days, capsules 90 days,
 * aggregates 1 year, all configurable. Plain PostgreSQL: range partitions named after their start
 * (`_dYYYYMMDD` daily, `_mYYYYMM` monthly), created ahead and on demand, dropped whole once their
 * upper bound is older than the tier's retention (DROP TABLE is instant and leaves no bloat, unlike
 * DELETE). TimescaleDB: hypertables whose retention policies are set to the same numbers.
 */
import { z } from 'zod';
import type { Pool } from './db.js';

export type StorageMode = 'native' | 'timescaledb';

export const RetentionConfig = z.object({
  rawDays: z.number().int().min(1).default(7),
  capsuleDays: z.number().int().min(1).default(90),
  aggregateDays: z.number().int().min(1).default(365),
});
export type RetentionConfig = z.infer<typeof RetentionConfig>;

type Table = 'telemetry_aggregates' | 'telemetry_capsule_counts' | 'telemetry_raw_logs' | 'telemetry_raw_spans';
const MONTHLY: ReadonlySet<Table> = new Set(['telemetry_aggregates']);
export const PARTITIONED_TABLES: readonly Table[] = ['telemetry_aggregates', 'telemetry_capsule_counts', 'telemetry_raw_logs', 'telemetry_raw_spans'];

const retentionDays = (t: Table, c: RetentionConfig) =>
  t === 'telemetry_aggregates' ? c.aggregateDays : t === 'telemetry_capsule_counts' ? c.capsuleDays : c.rawDays;

// Same constant in every process: serialises concurrent partition DDL.
const PARTITION_LOCK = 727_130_530;

const modeCache = new WeakMap<Pool, Promise<StorageMode>>();
export function storageMode(pool: Pool): Promise<StorageMode> {
  let m = modeCache.get(pool);
  if (!m) {
    m = pool.query<{ value: string }>(`SELECT value FROM slo_scout_meta WHERE key = 'telemetry_storage'`).then((r) => {
      const v = r.rows[0]?.value;
      if (v !== 'native' && v !== 'timescaledb') throw new Error('telemetry storage is not set up: run the migrations (migrations/030_telemetry.sql) first');
      return v;
    });
    m.catch(() => modeCache.delete(pool));
    modeCache.set(pool, m);
  }
  return m;
}

interface Range { name: string; from: Date; to: Date }

function rangeFor(table: Table, unixSeconds: number): Range {
  const d = new Date(unixSeconds * 1000);
  if (MONTHLY.has(table)) {
    const from = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
    const to = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
    return { name: `${table}_m${from.toISOString().slice(0, 7).replace('-', '')}`, from, to };
  }
  const from = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const to = new Date(from.getTime() + 86_400_000);
  return { name: `${table}_d${from.toISOString().slice(0, 10).replace(/-/g, '')}`, from, to };
}

/** Partitions known to exist, per pool (saves a catalog round trip on every flush). */
const known = new WeakMap<Pool, Set<string>>();

/** Creates the partitions that rows at these times need (idempotent, safe across processes). */
export async function ensurePartitionsFor(pool: Pool, table: Table, unixSeconds: number[]): Promise<void> {
  const seen = known.get(pool) ?? new Set<string>();
  known.set(pool, seen);
  const needed = new Map<string, Range>();
  for (const t of unixSeconds) {
    const r = rangeFor(table, t);
    if (!seen.has(r.name)) needed.set(r.name, r);
  }
  if (needed.size === 0) return;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
    for (const r of needed.values()) {
      await client.query(`CREATE TABLE IF NOT EXISTS ${r.name} PARTITION OF ${table} FOR VALUES FROM ('${r.from.toISOString()}') TO ('${r.to.toISOString()}')`);
    }
    await client.query('COMMIT');
    for (const name of needed.keys()) seen.add(name);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Partitions for today and the next `aheadDays` (monthly tables: this and next month). */
export async function ensurePartitionsAhead(pool: Pool, now: Date, aheadDays = 3): Promise<void> {
  const base = Math.floor(now.getTime() / 1000);
  const times = Array.from({ length: aheadDays + 1 }, (_, i) => base + i * 86_400);
  for (const t of PARTITIONED_TABLES) {
    await ensurePartitionsFor(pool, t, MONTHLY.has(t) ? [base, base + 32 * 86_400] : times);
  }
}

export interface RetentionResult {
  mode: StorageMode;
  droppedPartitions: string[];
  deletedCapsuleTemplates: number;
  deletedAlertEvents: number;
}

/** One retention pass: drop expired partitions (or set TimescaleDB policies) and trim the small tables. */
export async function applyRetention(pool: Pool, now: Date, config: RetentionConfig): Promise<RetentionResult> {
  const mode = await storageMode(pool);
  const dropped: string[] = [];
  if (mode === 'timescaledb') {
    // Not exercised by the test suite (no TimescaleDB here); mirrors the migration's policies.
    for (const t of PARTITIONED_TABLES) {
      await pool.query(`SELECT remove_retention_policy($1::regclass, if_exists => true)`, [t]);
      await pool.query(`SELECT add_retention_policy($1::regclass, make_interval(days => $2))`, [t, retentionDays(t, config)]);
    }
  } else {
    await ensurePartitionsAhead(pool, now);
    const { rows } = await pool.query<{ parent: string; child: string }>(
      `SELECT p.relname AS parent, c.relname AS child FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       WHERE p.relname = ANY($1)`, [PARTITIONED_TABLES]);
    for (const { parent, child } of rows) {
      const table = parent as Table;
      const m = /_(d|m)(\d{4})(\d{2})(\d{2})?$/.exec(child);
      if (!m) continue; // not ours (e.g. a DEFAULT partition someone added): leave it
      const from = Date.UTC(Number(m[2]), Number(m[3]) - 1, m[4] ? Number(m[4]) : 1);
      const to = m[1] === 'm' ? Date.UTC(Number(m[2]), Number(m[3]), 1) : from + 86_400_000;
      const cutoff = now.getTime() - retentionDays(table, config) * 86_400_000;
      if (to <= cutoff) {
        await pool.query(`DROP TABLE IF EXISTS ${child}`);
        known.get(pool)?.delete(child);
        dropped.push(child);
      }
    }
  }
  const capsuleCutoff = new Date(now.getTime() - config.capsuleDays * 86_400_000).toISOString();
  const templates = await pool.query('DELETE FROM telemetry_capsules WHERE last_seen < $1', [capsuleCutoff]);
  const alerts = await pool.query('DELETE FROM telemetry_alert_events WHERE received_at < $1', [capsuleCutoff]);
  // Dead letters (migration 031) are kept as long as capsules: long enough to inspect, never forever.
  await pool.query('DELETE FROM telemetry_dead_letter WHERE created_at < $1', [capsuleCutoff]);
  return { mode, droppedPartitions: dropped.sort(), deletedCapsuleTemplates: templates.rowCount ?? 0, deletedAlertEvents: alerts.rowCount ?? 0 };
}
