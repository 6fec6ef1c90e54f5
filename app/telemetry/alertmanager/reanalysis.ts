/**
 * Alertmanager -> re-analysis: a firing SLO alert for a service enqueues one `analyze` job per SLO
 * repo whose recent reports cover that service (app/store/service-repos.ts). The webhook already debounces per process; the
 * job id (repo + service + 15-minute bucket) makes it hold across serve replicas and restarts too.
 */
import type { Clock } from '../../deps.js';
import type { Logger } from '../../logger.js';
import type { Pool } from '../../store/db.js';
import { reposCoveringService } from '../../store/service-repos.js';
import type { AnalyzeJob, Queues } from '../../queues.js';
import type { AlertmanagerDeps } from './webhook.js';

export const REANALYSIS_BUCKET_SECONDS = 900;

export function reanalysisJobId(platform: string, repo: string, service: string, at: Date): string {
  const bucket = Math.floor(at.getTime() / 1000 / REANALYSIS_BUCKET_SECONDS);
  // BullMQ job ids must not contain ':'.
  return `alert-${platform}-${repo}-${service}-${bucket}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

export function reanalysisTrigger(deps: { pool: Pool; queues: Queues; clock: Clock; logger: Logger }): NonNullable<AlertmanagerDeps['onReanalysis']> {
  const logger = deps.logger.child({ component: 'reanalysis' });
  return async ({ tenant, service, slo, alertname }) => {
    const repos = await reposCoveringService(deps.pool, service);
    const now = deps.clock.now();
    const enqueued: string[] = [];
    for (const r of repos) {
      const cut = r.repo.lastIndexOf('/');
      if (cut <= 0) continue;
      if (r.platform === 'github' && r.installationId === null) {
        // Without an installation the worker cannot act as the App; a webhook from the repo fixes it.
        logger.warn({ repo: r.repo, service }, 'no installation id known for the repo (no webhook in the inbox); skipping alert-triggered re-analysis');
        continue;
      }
      const data: AnalyzeJob = {
        platform: r.platform, owner: r.repo.slice(0, cut), repo: r.repo.slice(cut + 1), service, reason: 'alert', reuseReport: false,
        ...(r.installationId !== null ? { installationId: r.installationId } : {}),
      };
      await deps.queues.get('analyze').add('alert', data, { jobId: reanalysisJobId(r.platform, r.repo, service, now) });
      enqueued.push(r.repo);
    }
    logger.info({ tenant, service, slo, alertname, repos: enqueued }, enqueued.length ? 're-analysis enqueued' : 'no SLO repo covers the service; nothing to re-analyse');
  };
}
