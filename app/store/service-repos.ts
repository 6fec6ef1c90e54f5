/**
 * Which SLO repos cover a service: those whose newest stored report (slo_reports) proposes an SLO
 * for it. Used by the Alertmanager re-analysis trigger. The installation id comes from the
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

export async function reposCoveringService(pool: Pool, service: string): Promise<ServiceRepo[]> {
  // Only the newest report per repo counts: a service removed from a repo's config stops triggering it.
  const { rows } = await pool.query<{ platform: PlatformKind; repo: string; installation_id: string | null }>(
    `WITH latest AS (
       SELECT DISTINCT ON (platform, repo) platform, repo, report
       FROM slo_reports ORDER BY platform, repo, created_at DESC, id DESC
     )
     SELECT l.platform, l.repo,
       (SELECT w.installation_id FROM webhook_inbox w
         WHERE w.platform = l.platform AND w.repo = l.repo AND w.installation_id IS NOT NULL
         ORDER BY w.received_at DESC LIMIT 1) AS installation_id
     FROM latest l
     WHERE EXISTS (
       SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(l.report->'proposals') = 'array' THEN l.report->'proposals' ELSE '[]'::jsonb END) p
       WHERE p->>'service' = $1
     )
     ORDER BY l.platform, l.repo`,
    [service],
  );
  return rows.map((r) => ({ platform: r.platform, repo: r.repo, installationId: r.installation_id === null ? null : Number(r.installation_id) }));
}
