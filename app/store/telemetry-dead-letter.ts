/**
 * Poison rows must not stop a flush (issue 9): a batch that fails for a reason other than
 * PostgreSQL being away is split in halves until the rows that fail alone are found; those go to
 * `telemetry_dead_letter` with the reason, everything else is written. When the store itself is
 * unavailable the error propagates, so the flusher keeps the whole batch for the next attempt.
 */
import type { Pool } from './db.js';
import { isStoreUnavailable } from './db.js';
import { redactUrl } from '../redact.js';

export type DeadLetterKind = 'aggregate' | 'capsule' | 'raw_span' | 'raw_log';

export interface DeadLetterOutcome {
  written: number;
  deadLettered: number;
}

// new Date(ms) is valid up to ±8.64e15 ms; minute/time columns are unix seconds.
export const validUnixSeconds = (s: number) => Number.isFinite(s) && s > 0 && s <= 8.64e12;

export async function deadLetter(pool: Pool, kind: DeadLetterKind, tenant: string, reason: string, row: () => unknown): Promise<void> {
  let json: string;
  try {
    json = JSON.stringify(row()) ?? 'null';
  } catch (err) {
    json = JSON.stringify({ unserializable: (err as Error).message });
  }
  await pool.query('INSERT INTO telemetry_dead_letter (tenant, kind, reason, row) VALUES ($1, $2, $3, $4::jsonb)', [tenant.slice(0, 1024), kind, redactUrl(reason).slice(0, 1000), json]);
}

/** Writes `rows` with `write`; rows that fail on their own are dead-lettered. Throws only when the store is unavailable. */
export async function writeOrDeadLetter<T extends { tenant: string }>(
  pool: Pool, kind: DeadLetterKind, rows: T[], write: (batch: T[]) => Promise<void>, toJson: (row: T) => unknown,
): Promise<DeadLetterOutcome> {
  if (rows.length === 0) return { written: 0, deadLettered: 0 };
  try {
    await write(rows);
    return { written: rows.length, deadLettered: 0 };
  } catch (err) {
    if (isStoreUnavailable(err)) throw err;
    if (rows.length === 1) {
      await deadLetter(pool, kind, rows[0]!.tenant, (err as Error).message ?? String(err), () => toJson(rows[0]!));
      return { written: 0, deadLettered: 1 };
    }
    const mid = Math.ceil(rows.length / 2);
    const a = await writeOrDeadLetter(pool, kind, rows.slice(0, mid), write, toJson);
    const b = await writeOrDeadLetter(pool, kind, rows.slice(mid), write, toJson);
    return { written: a.written + b.written, deadLettered: a.deadLettered + b.deadLettered };
  }
}
