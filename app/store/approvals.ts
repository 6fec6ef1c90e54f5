/**
 * Policy Guard decisions (approve / reject) from PR comments, Slack and PagerDuty. The table is
 * append-only (migration 020); `(channel, source_id)` dedupes a retried webhook or a double click.
 */
import { z } from 'zod';
import type { Pool } from './db.js';

export const DecisionRecord = z.object({
  // owner/name, or a GitLab project path with subgroups (group/sub/project).
  repo: z.string().max(1024).regex(/^[^/\s]+(\/[^/\s]+)+$/, 'repo must be owner/name (GitLab: group/sub/project)'),
  prNumber: z.number().int().positive(),
  headSha: z.string().regex(/^[0-9a-f]{7,64}$/i, 'head SHA must be hex'),
  channel: z.enum(['comment', 'slack', 'pagerduty']),
  identity: z.string().min(1),
  decision: z.enum(['approve', 'reject']),
  reason: z.string().max(2000).nullable().default(null),
  sourceId: z.string().min(1),
});
export type DecisionRecord = z.infer<typeof DecisionRecord>;

export interface StoredDecision extends DecisionRecord {
  id: number;
  createdAt: Date;
}

interface Row {
  id: string; repo: string; pr_number: number; head_sha: string; channel: DecisionRecord['channel'];
  identity: string; decision: DecisionRecord['decision']; reason: string | null; source_id: string; created_at: Date;
}

export class DecisionStore {
  constructor(private readonly pool: Pool) {}

  /** `inserted: false` when this channel event was recorded before (a retry or a replay). */
  async record(input: z.input<typeof DecisionRecord>): Promise<{ inserted: boolean }> {
    const d = DecisionRecord.parse(input);
    const { rowCount } = await this.pool.query(
      `INSERT INTO policy_decisions (repo, pr_number, head_sha, channel, identity, decision, reason, source_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (channel, source_id) DO NOTHING`,
      [d.repo, d.prNumber, d.headSha, d.channel, d.identity, d.decision, d.reason, d.sourceId],
    );
    return { inserted: rowCount === 1 };
  }

  /** Every decision on a PR, oldest first (the evaluator lets the latest per person win). */
  async forPullRequest(repo: string, prNumber: number): Promise<StoredDecision[]> {
    const { rows } = await this.pool.query<Row>(
      'SELECT * FROM policy_decisions WHERE repo = $1 AND pr_number = $2 ORDER BY created_at, id',
      [repo, prNumber],
    );
    return rows.map((r) => ({
      id: Number(r.id), repo: r.repo, prNumber: r.pr_number, headSha: r.head_sha, channel: r.channel,
      identity: r.identity, decision: r.decision, reason: r.reason, sourceId: r.source_id, createdAt: r.created_at,
    }));
  }
}
