/**
 * Starts the BullMQ workers of `slo-scout worker` and stops them gracefully: on SIGTERM the
 * workers stop taking jobs and wait for the active ones (BullMQ `close()`); a job cut off by
 * SIGKILL is detected as stalled and retried by another worker.
 */
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { isStoreUnavailable, type Pool } from '../app/store/db.js';
import type { WorkerDeps } from '../app/ports.js';
import { classify, explainPermanent, isProgrammingError } from './errors.js';
import { onAnalyzeFailed, processAnalyzeJob } from './analyze.js';
import { processOpenPrJob } from './open-pr.js';
import { processSimulateJob } from './simulate.js';
import { processWebhookJob } from './webhook.js';
import { onPolicyEvaluateFailed, processPolicyEvaluateJob } from './policy-evaluate.js';
import { processRetentionJob } from './retention.js';
import type { RetentionConfig } from '../app/store/retention.js';
import { workerOptions, type QueueConnection, type QueueName, type StallOptions } from '../app/queues.js';

/** `retention` comes from RETENTION_*_DAYS (app/cli/worker.ts); unset means the tier defaults. */
export type RunDeps = WorkerDeps & { pool?: Pool; retention?: Partial<RetentionConfig> };
type Processor = (data: unknown, deps: RunDeps) => Promise<unknown>;

/** The processors this area owns; Policy Guard and OTLP intake start theirs next to these. */
export const PROCESSORS: Partial<Record<QueueName, Processor>> = {
  webhook: processWebhookJob,
  analyze: processAnalyzeJob,
  'open-pr': processOpenPrJob,
  simulate: processSimulateJob,
  'policy-evaluate': processPolicyEvaluateJob, // Policy Guard (workers/policy-evaluate.ts)
  retention: (data, deps) => { // OTLP intake (workers/retention.ts), scheduled hourly by `slo-scout worker`
    if (!deps.pool) throw new Error('the retention worker needs a PostgreSQL pool (deps.pool)');
    return processRetentionJob(data, { pool: deps.pool, clock: deps.clock, logger: deps.logger, ...(deps.retention ? { retention: deps.retention } : {}) });
  },
};

/**
 * What a queue tells its user when a job fails for good (permanent, or the last retry): the
 * Policy Guard leaves a neutral check that says why, an analysis edits its status comment.
 * Never silence: a required check that never appears blocks a PR without a word.
 */
export const ON_FINAL_FAILURE: Partial<Record<QueueName, (data: unknown, err: unknown, deps: RunDeps) => Promise<void>>> = {
  analyze: onAnalyzeFailed,
  'policy-evaluate': onPolicyEvaluateFailed,
};

/**
 * While PostgreSQL is away every job fails the same way; spending `attempts` on that would fail
 * jobs permanently during an outage longer than the backoff (~30 s). Such jobs wait instead,
 * without using an attempt, until the store answers again (docs/resilience.md).
 */
export const STORE_RETRY_DELAY_MS = 5_000;

export interface RunningWorkers {
  workers: Worker[];
  close(): Promise<void>;
}

export function startWorkers(deps: RunDeps, conn: QueueConnection, options: { concurrency?: number; queues?: QueueName[] } & StallOptions = {}): RunningWorkers {
  const names = options.queues ?? (Object.keys(PROCESSORS) as QueueName[]);
  const workers = names.map((name) => {
    const processor = PROCESSORS[name];
    if (!processor) throw new Error(`no processor for queue "${name}" in workers/run.ts`);
    const worker = new Worker(name, async (job: Job, token?: string) => {
      const logger = deps.logger.child({ queue: name, jobId: job.id, attempt: job.attemptsMade + 1 });
      const end = deps.metrics.jobDuration.startTimer({ queue: name });
      try {
        const result = await processor(job.data, { ...deps, logger });
        end({ state: 'completed' });
        deps.metrics.jobsFinished.inc({ queue: name, state: 'completed' });
        return result;
      } catch (err) {
        if (isStoreUnavailable(err) && token) {
          end({ state: 'delayed' });
          logger.warn({ reason: (err as Error).message, retryInMs: STORE_RETRY_DELAY_MS }, 'PostgreSQL unavailable; job delayed without using an attempt');
          await job.moveToDelayed(Date.now() + STORE_RETRY_DELAY_MS, token);
          throw new DelayedError();
        }
        end({ state: 'failed' });
        deps.metrics.jobsFinished.inc({ queue: name, state: 'failed' });
        const kind = classify(err);
        const final = kind === 'permanent' || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        if (final) {
          const what = kind === 'transient' ? 'job failed on its last attempt; giving up' : isProgrammingError(err) ? 'job failed on an internal error (a bug in SLO-Scout); not retried, err.stack says where' : 'job failed permanently; not retried';
          logger.error({ err, kind }, what);
          await ON_FINAL_FAILURE[name]?.(job.data, err, { ...deps, logger }).catch((e: unknown) => logger.error({ err: e }, 'could not tell the user about the failed job'));
        } else {
          logger.warn({ err, kind }, 'job failed; will retry with backoff');
        }
        if (kind === 'permanent' && !(err instanceof UnrecoverableError)) throw new UnrecoverableError(explainPermanent(err));
        throw err;
      }
    }, workerOptions(conn, options.concurrency ?? 4, options));
    worker.on('error', (err) => deps.logger.error({ err, queue: name }, 'worker error (Redis?)'));
    return worker;
  });
  return {
    workers,
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
