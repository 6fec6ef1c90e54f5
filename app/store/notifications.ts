/**
 * Where Policy Guard notified people about a PR (a Slack message to update, a PagerDuty event to
 * resolve) and which PagerDuty webhook events were already handled (replays are dropped).
 */
import type { Pool } from './db.js';

export type NotificationKind = 'slack' | 'pagerduty';

export interface Notification {
  repo: string;
  prNumber: number;
  kind: NotificationKind;
  headSha: string;
  ref: Record<string, string>;
  resolvedAt: Date | null;
}

export class NotificationStore {
  constructor(private readonly pool: Pool) {}

  /** `inserted: false` when this PR+SHA was already notified on this channel. */
  async remember(n: Omit<Notification, 'resolvedAt'>): Promise<{ inserted: boolean }> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO policy_notifications (repo, pr_number, kind, head_sha, ref) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING`,
      [n.repo, n.prNumber, n.kind, n.headSha, JSON.stringify(n.ref)],
    );
    return { inserted: rowCount === 1 };
  }

  async find(repo: string, prNumber: number, kind: NotificationKind, headSha: string): Promise<Notification | null> {
    const all = await this.open(repo, prNumber, kind);
    return all.find((n) => n.headSha === headSha) ?? null;
  }

  /** Not yet resolved notifications of a PR (any SHA). */
  async open(repo: string, prNumber: number, kind: NotificationKind): Promise<Notification[]> {
    const { rows } = await this.pool.query<{ repo: string; pr_number: number; kind: NotificationKind; head_sha: string; ref: Record<string, string>; resolved_at: Date | null }>(
      'SELECT * FROM policy_notifications WHERE repo = $1 AND pr_number = $2 AND kind = $3 AND resolved_at IS NULL ORDER BY created_at',
      [repo, prNumber, kind],
    );
    return rows.map((r) => ({ repo: r.repo, prNumber: r.pr_number, kind: r.kind, headSha: r.head_sha, ref: r.ref, resolvedAt: r.resolved_at }));
  }

  async markResolved(repo: string, prNumber: number, kind: NotificationKind, headSha: string): Promise<void> {
    await this.pool.query(
      'UPDATE policy_notifications SET resolved_at = now() WHERE repo = $1 AND pr_number = $2 AND kind = $3 AND head_sha = $4',
      [repo, prNumber, kind, headSha],
    );
  }

  async seen(eventId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM pagerduty_webhook_events WHERE event_id = $1', [eventId]);
    return (rowCount ?? 0) > 0;
  }

  /** True the first time an event id is recorded; false for a replay. */
  async firstSighting(eventId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('INSERT INTO pagerduty_webhook_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING', [eventId]);
    return rowCount === 1;
  }
}
