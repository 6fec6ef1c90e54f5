/** Policy Guard evaluations per PR head, for the details page (migration 023, append-only). */
import { StoredEvaluation } from '../web/schema.js';
import type { Pool } from './db.js';

export class EvaluationStore {
  constructor(private readonly pool: Pool) {}

  async save(repo: string, prNumber: number, evaluation: StoredEvaluation): Promise<void> {
    const e = StoredEvaluation.parse(evaluation);
    await this.pool.query('INSERT INTO policy_evaluations (repo, pr_number, head_sha, evaluation) VALUES ($1, $2, $3, $4)', [repo, prNumber, e.headSha, JSON.stringify(e)]);
  }

  /** The newest evaluation of the PR (of `headSha` when given); rows an older version wrote that no longer parse are skipped. */
  async latest(repo: string, prNumber: number, headSha?: string): Promise<StoredEvaluation | null> {
    const { rows } = await this.pool.query<{ evaluation: unknown }>(
      `SELECT evaluation FROM policy_evaluations WHERE repo = $1 AND pr_number = $2 AND ($3::text IS NULL OR head_sha = $3)
       ORDER BY created_at DESC, id DESC LIMIT 5`,
      [repo, prNumber, headSha ?? null],
    );
    for (const r of rows) {
      const parsed = StoredEvaluation.safeParse(r.evaluation);
      if (parsed.success) return parsed.data;
    }
    return null;
  }
}
