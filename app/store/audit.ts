/**
 * Policy Guard audit log. Append-only in the database itself (migration 021: triggers refuse
 * UPDATE, DELETE and TRUNCATE), so not even a bug in this process can rewrite history.
 */
import { z } from 'zod';
import type { Pool } from './db.js';

export const AuditEntry = z.object({
  // owner/name, or a GitLab project path with subgroups (group/sub/project).
  repo: z.string().max(1024).regex(/^[^/\s]+(\/[^/\s]+)+$/, 'repo must be owner/name (GitLab: group/sub/project)'),
  prNumber: z.number().int().positive(),
  headSha: z.string().min(1),
  actor: z.string().min(1),
  channel: z.enum(['comment', 'review', 'slack', 'pagerduty', 'push', 'system']),
  event: z.enum(['approve', 'reject', 'ignored', 'verdict', 'escalate', 'resolve']),
  policyHash: z.string().nullable().default(null),
  verdict: z.enum(['success', 'action_required', 'failure']).nullable().default(null),
  reasons: z.array(z.string()).default([]),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export interface StoredAuditEntry extends AuditEntry {
  id: number;
  createdAt: Date;
}

interface Row {
  id: string; repo: string; pr_number: number; head_sha: string; actor: string; channel: AuditEntry['channel'];
  event: AuditEntry['event']; policy_hash: string | null; verdict: AuditEntry['verdict']; reasons: string[]; created_at: Date;
}

export class AuditStore {
  constructor(private readonly pool: Pool) {}

  async append(input: z.input<typeof AuditEntry>): Promise<void> {
    const e = AuditEntry.parse(input);
    await this.pool.query(
      `INSERT INTO policy_audit (repo, pr_number, head_sha, actor, channel, event, policy_hash, verdict, reasons)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [e.repo, e.prNumber, e.headSha, e.actor, e.channel, e.event, e.policyHash, e.verdict, JSON.stringify(e.reasons)],
    );
  }

  /** Entries of a repo (optionally one PR), oldest first. */
  async list(repo: string, prNumber?: number): Promise<StoredAuditEntry[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM policy_audit WHERE repo = $1 AND ($2::int IS NULL OR pr_number = $2) ORDER BY created_at, id`,
      [repo, prNumber ?? null],
    );
    return rows.map((r) => ({
      id: Number(r.id), repo: r.repo, prNumber: r.pr_number, headSha: r.head_sha, actor: r.actor, channel: r.channel,
      event: r.event, policyHash: r.policy_hash, verdict: r.verdict, reasons: r.reasons, createdAt: r.created_at,
    }));
  }
}
