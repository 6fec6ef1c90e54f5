/**
 * The webhook inbox (PostgreSQL). Writes happen before the delivery is acknowledged; the
 * delivery id is the primary key, so GitHub's redeliveries and our own retries dedupe here.
 */
import { z } from 'zod';
import type { Pool } from './db.js';

export const InboxDelivery = z.object({
  deliveryId: z.string().min(1),
  platform: z.enum(['github', 'gitlab']).default('github'),
  event: z.string().min(1),
  action: z.string().nullable().default(null),
  installationId: z.number().int().nullable().default(null),
  repo: z.string().nullable().default(null),
  payload: z.unknown(),
});
export type InboxDelivery = z.infer<typeof InboxDelivery>;

export interface InboxRow extends InboxDelivery {
  receivedAt: Date;
  enqueuedAt: Date | null;
  processedAt: Date | null;
  processCount: number;
}

interface DbRow {
  delivery_id: string; platform: 'github' | 'gitlab'; event: string; action: string | null;
  installation_id: string | null; repo: string | null; payload: unknown; received_at: Date;
  enqueued_at: Date | null; processed_at: Date | null; process_count: number;
}

function fromDb(r: DbRow): InboxRow {
  return {
    deliveryId: r.delivery_id, platform: r.platform, event: r.event, action: r.action,
    installationId: r.installation_id === null ? null : Number(r.installation_id), repo: r.repo, payload: r.payload,
    receivedAt: r.received_at, enqueuedAt: r.enqueued_at, processedAt: r.processed_at, processCount: r.process_count,
  };
}

export class InboxStore {
  constructor(private readonly pool: Pool) {}

  /** Stores a delivery; `inserted: false` means we already had it (a redelivery). */
  async record(delivery: InboxDelivery): Promise<{ inserted: boolean }> {
    const d = InboxDelivery.parse(delivery);
    const { rowCount } = await this.pool.query(
      `INSERT INTO webhook_inbox (delivery_id, platform, event, action, installation_id, repo, payload)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (delivery_id) DO NOTHING`,
      [d.deliveryId, d.platform, d.event, d.action, d.installationId, d.repo, JSON.stringify(d.payload ?? null)],
    );
    return { inserted: rowCount === 1 };
  }

  async get(deliveryId: string): Promise<InboxRow | null> {
    const { rows } = await this.pool.query<DbRow>('SELECT * FROM webhook_inbox WHERE delivery_id = $1', [deliveryId]);
    return rows[0] ? fromDb(rows[0]) : null;
  }

  async markEnqueued(deliveryId: string): Promise<void> {
    await this.pool.query('UPDATE webhook_inbox SET enqueued_at = now() WHERE delivery_id = $1 AND enqueued_at IS NULL', [deliveryId]);
  }

  /** Deliveries accepted but not yet in Redis, oldest first. */
  async notEnqueued(limit = 500): Promise<InboxRow[]> {
    const { rows } = await this.pool.query<DbRow>('SELECT * FROM webhook_inbox WHERE enqueued_at IS NULL ORDER BY received_at LIMIT $1', [limit]);
    return rows.map(fromDb);
  }

  /**
   * Enqueued but unprocessed for longer than `seconds`: the job may have been lost with a Redis
   * that restarted without persistence. Re-adding is safe (same job id; processed rows are skipped).
   */
  async stale(seconds: number, limit = 500): Promise<InboxRow[]> {
    const { rows } = await this.pool.query<DbRow>(
      `SELECT * FROM webhook_inbox WHERE processed_at IS NULL AND enqueued_at < now() - make_interval(secs => $1) ORDER BY received_at LIMIT $2`,
      [seconds, limit],
    );
    return rows.map(fromDb);
  }

  async countNotEnqueued(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM webhook_inbox WHERE enqueued_at IS NULL');
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Marks a delivery processed. Returns false when it was processed before (a retried job after
   * the side effects ran), so callers can tell duplicates apart in logs and tests.
   */
  async markProcessed(deliveryId: string, error: string | null = null): Promise<boolean> {
    const { rows } = await this.pool.query<{ process_count: number }>(
      `UPDATE webhook_inbox SET processed_at = COALESCE(processed_at, now()), process_count = process_count + 1, last_error = $2
       WHERE delivery_id = $1 RETURNING process_count`,
      [deliveryId, error],
    );
    return rows[0]?.process_count === 1;
  }
}
