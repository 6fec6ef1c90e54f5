/**
 * `retention`: drops expired partitions per tier (raw 7 d, capsules 90 d, aggregates 1 y by
 * default) and creates the coming days' partitions. Schedule it as a repeatable job (hourly is
 * plenty: partitions are daily). On TimescaleDB it (re)applies the retention policies instead.
 * It also rolls settled per-minute aggregates up to hourly rows (app/store/telemetry-compact.ts).
 */
import type { Job } from 'bullmq';
import { z } from 'zod';
import type { Clock } from '../app/deps.js';
import type { Logger } from '../app/logger.js';
import type { Pool } from '../app/store/db.js';
import { applyRetention, RetentionConfig, type RetentionResult } from '../app/store/retention.js';
import { compactAggregates, type CompactResult } from '../app/store/telemetry-compact.js';

export const RetentionJob = z.object({ retention: RetentionConfig.partial().optional() });
export type RetentionJob = z.infer<typeof RetentionJob>;

export interface RetentionDeps {
  pool: Pool;
  clock: Clock;
  logger: Logger;
  /** From config/env; a job may override single values. */
  retention?: Partial<RetentionConfig>;
}

export function retentionProcessor(deps: RetentionDeps) {
  return async (job: Job): Promise<RetentionResult & { compacted: CompactResult }> => {
    const data = RetentionJob.parse(job.data ?? {});
    const config = RetentionConfig.parse({ ...deps.retention, ...data.retention });
    const now = deps.clock.now();
    const result = { ...(await applyRetention(deps.pool, now, config)), compacted: await compactAggregates(deps.pool, now) };
    deps.logger.child({ component: 'retention', jobId: job.id }).info({ ...result, config }, 'retention applied');
    return result;
  };
}
