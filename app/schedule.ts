/**
 * Scheduled analysis per repo: one BullMQ job scheduler per repo on the `analyze` queue, keyed by
 * repo so a config change replaces it (upsert) instead of adding a second schedule.
 */
import type { Schedule } from './config/app.js';
import type { Queues } from './queues.js';

export function schedulerId(platform: string, owner: string, repo: string): string {
  // BullMQ job ids must not contain ':'.
  return `schedule-${platform}-${owner}-${repo}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

export async function syncSchedule(queues: Queues, target: { platform: 'github' | 'gitlab'; owner: string; repo: string; installationId?: number }, schedule: Schedule | null): Promise<'scheduled' | 'removed'> {
  const q = queues.get('analyze');
  const id = schedulerId(target.platform, target.owner, target.repo);
  if (!schedule || !schedule.enabled) {
    await q.removeJobScheduler(id);
    return 'removed';
  }
  await q.upsertJobScheduler(id, { pattern: schedule.cron, tz: schedule.timezone }, {
    name: 'scheduled',
    data: { owner: target.owner, repo: target.repo, platform: target.platform, installationId: target.installationId, reason: 'schedule' },
  });
  return 'scheduled';
}
