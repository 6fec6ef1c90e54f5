/**
 * `retention`: drops expired partitions per tier (raw 7 d, capsules 90 d, aggregates 1 y by
 * default) and creates the coming days' partitions. `slo-scout worker` schedules it hourly
 * (`scheduleRetention`, a BullMQ job scheduler: partitions are daily). On TimescaleDB it (re)applies the retention policies instead.
 * It also rolls settled per-minute aggregates up to hourly rows (app/store/telemetry-compact.ts).
 */
import type { Job } from 'bullmq';
import { z } from 'zod';
import type { Clock } from '../app/deps.js';
import type { Logger } from '../app/logger.js';
import type { Pool } from '../app/store/db.js';
import { applyRetention, RetentionConfig, type RetentionResult } from '../app/store/retention.js';
import { compactAggregates, type CompactResult } from '../app/store/telemetry-compact.js';
import type { Queues } from '../app/queues.js';

export const RetentionJob = z.object({ retention: RetentionConfig.partial().optional() });
export type RetentionJob = z.infer<typeof RetentionJob>;

export interface RetentionDeps {
  pool: Pool;
  clock: Clock;
  logger: Logger;
  /** From config/env; a job may override single values. */
  retention?: Partial<RetentionConfig>;
}

/** One retention run (called by the `retention` worker in workers/run.ts and by `retentionProcessor`). */
export async function processRetentionJob(data: unknown, deps: RetentionDeps, jobId?: string): Promise<RetentionResult & { compacted: CompactResult }> {
  const parsed = RetentionJob.parse(data ?? {});
  const config = RetentionConfig.parse({ ...deps.retention, ...parsed.retention });
  const now = deps.clock.now();
  const result = { ...(await applyRetention(deps.pool, now, config)), compacted: await compactAggregates(deps.pool, now) };
  deps.logger.child({ component: 'retention', jobId }).info({ ...result, config }, 'retention applied');
  return result;
}

export function retentionProcessor(deps: RetentionDeps) {
  return (job: Job): Promise<RetentionResult & { compacted: CompactResult }> => processRetentionJob(job.data, deps, job.id);
}

/** One scheduler for the whole fleet: every worker start upserts the same id, so it exists once. */
export const RETENTION_SCHEDULER_ID = 'retention-hourly';
/** Minute 7 of every hour: partitions are daily, and off the top of the hour other cron jobs crowd. */
export const RETENTION_PATTERN = '7 * * * *';

/** Creates (or updates in place) the hourly `retention` job scheduler; idempotent across restarts and replicas. */
export async function scheduleRetention(queues: Queues): Promise<void> {
  await queues.get('retention').upsertJobScheduler(RETENTION_SCHEDULER_ID, { pattern: RETENTION_PATTERN }, { name: 'retention', data: {} });
}
