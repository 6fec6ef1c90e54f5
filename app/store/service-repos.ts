/**
 * Which SLO repos cover a service: those whose stored reports (slo_reports) of the last
 * COVERAGE_DAYS before the repo's newest one propose an SLO for it. Used by the Alertmanager re-analysis trigger. The installation id comes from the
 * repo's newest webhook in the inbox (GitHub needs it to act as the App on that repo).
 */
import type { PlatformKind } from './reports.js';
import type { Pool } from './db.js';

export interface ServiceRepo {
  platform: PlatformKind;
  /** owner/name (GitHub) or group/project path (GitLab). */
  repo: string;
  installationId: number | null;
}

/**
 * How far back a repo's reports count. An alert-triggered run analyses one service and stores a
 * report with only that service, so "the newest report" alone would drop the repo's other services
 * until the next full (scheduled, weekly by default) run. A service removed from the config keeps
 * triggering runs (that find nothing) for up to this long.
 */
export const COVERAGE_DAYS = 35;

export async function reposCoveringService(pool: Pool, service: string, coverageDays = COVERAGE_DAYS): Promise<ServiceRepo[]> {
  const { rows } = await pool.query<{ platform: PlatformKind; repo: string; installation_id: string | null }>(
    `WITH newest AS (
       SELECT platform, repo, max(created_at) AS at FROM slo_reports GROUP BY platform, repo
     ), covering AS (
       SELECT DISTINCT r.platform, r.repo
       FROM slo_reports r JOIN newest n USING (platform, repo)
       WHERE r.created_at >= n.at - make_interval(days => $2)
         AND EXISTS (
           SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.report->'proposals') = 'array' THEN r.report->'proposals' ELSE '[]'::jsonb END) p
           WHERE p->>'service' = $1
         )
     )
     SELECT c.platform, c.repo,
       (SELECT w.installation_id FROM webhook_inbox w
         WHERE w.platform = c.platform AND w.repo = c.repo AND w.installation_id IS NOT NULL
         ORDER BY w.received_at DESC LIMIT 1) AS installation_id
     FROM covering c
     ORDER BY c.platform, c.repo`,
    [service, coverageDays],
  );
  return rows.map((r) => ({ platform: r.platform, repo: r.repo, installationId: r.installation_id === null ? null : Number(r.installation_id) }));
}
