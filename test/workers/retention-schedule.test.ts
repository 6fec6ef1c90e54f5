/** `slo-scout worker` schedules `retention` hourly (once, however often workers start) and runs it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../app/deps.js';
import { silentLogger } from '../../app/logger.js';
import { createMetrics } from '../../app/server/metrics.js';
import { startWorkers, type RunDeps } from '../../workers/run.js';
import { createRedis, Queues } from '../../app/queues.js';
import { RETENTION_PATTERN, RETENTION_SCHEDULER_ID, scheduleRetention } from '../../workers/retention.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const prefix = uniquePrefix('retention');
const connections = [createRedis(REDIS_URL), createRedis(REDIS_URL)];
let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase(); });
afterAll(async () => {
  const q = new Queues({ connection: connections[0]!, prefix });
  await q.get('retention').obliterate({ force: true });
  await q.close();
  for (const c of connections) c.disconnect();
  await db?.drop();
});

describe('retention scheduling', () => {
  it('two worker starts (separate connections, as two processes) leave exactly one hourly scheduler and one pending run', async () => {
    for (const connection of connections) {
      const queues = new Queues({ connection, prefix });
      await scheduleRetention(queues);
      await queues.close();
    }
    const queue = new Queues({ connection: connections[0]!, prefix }).get('retention');
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.pattern])).toEqual([[RETENTION_SCHEDULER_ID, RETENTION_PATTERN]]);
    expect(await queue.getDelayedCount()).toBe(1);
    await queue.close();
  });

  it('the worker registers a retention processor that runs a retention job against PostgreSQL', async () => {
    const conn = { connection: connections[1]!, prefix };
    const deps = { logger: silentLogger, clock: systemClock, metrics: createMetrics(), pool: db.pool, retention: { rawDays: 3 } } as unknown as RunDeps;
    const running = startWorkers(deps, conn, { queues: ['retention'], concurrency: 1 });
    const queues = new Queues(conn);
    try {
      const job = await queues.get('retention').add('retention', {}, { jobId: 'manual-retention' });
      const state = await waitFor(async () => {
        const s = await job.getState();
        return s === 'completed' || s === 'failed' ? s : undefined;
      }, 'retention job finished', 30_000);
      const done = await queues.get('retention').getJob('manual-retention');
      expect(state, done?.failedReason).toBe('completed');
      expect(done?.returnvalue).toMatchObject({ mode: 'native', droppedPartitions: expect.any(Array), compacted: expect.any(Object) });
    } finally {
      await running.close();
      await queues.close();
    }
  });
});
