/**
 * `open-pr` queue: create or update one PR idempotently (app/vcs/pr.ts). Safe to run any number
 * of times, including after a SIGKILL between "commit pushed" and "PR opened": the PR is found by
 * its branch, so it is opened exactly once.
 */
import { ensurePullRequest } from '../app/vcs/pr.js';
import type { Pool } from '../app/store/db.js';
import type { WorkerDeps } from '../app/ports.js';
import { OpenPrJob } from '../app/queues.js';

export async function processOpenPrJob(data: unknown, deps: WorkerDeps & { pool?: Pool }): Promise<{ action: string; number: number | null }> {
  const job = OpenPrJob.parse(data);
  const repo = { owner: job.owner, repo: job.repo };
  const platform = await deps.platformFor(job.platform, job.installationId);
  const out = await ensurePullRequest(platform, repo, { branch: job.branch, title: job.title, body: job.body, files: job.files, labels: job.labels }, deps.logger.child({ repo: `${job.owner}/${job.repo}`, branch: job.branch }));
  if (out.pr && deps.pool) {
    await deps.pool.query(
      `INSERT INTO slo_pull_requests (platform, repo, branch, number, content_hash, head_sha) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (platform, repo, branch) DO UPDATE SET number = EXCLUDED.number, content_hash = EXCLUDED.content_hash, head_sha = EXCLUDED.head_sha, updated_at = now()`,
      [job.platform, `${job.owner}/${job.repo}`, job.branch, out.pr.number, out.hash, out.pr.headSha],
    );
  }
  return { action: out.action, number: out.pr?.number ?? null };
}
