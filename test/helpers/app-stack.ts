/** A test instance of `slo-scout serve`: real PostgreSQL + Redis, Probot with retry/throttle off. */
import { Probot, ProbotOctokit } from 'probot';
import { parseEnv } from '../../app/config/env.js';
import { silentLogger, type Logger } from '../../app/logger.js';
import { startAppServer, type AppServer } from '../../app/server/app-server.js';
import { createRedis } from '../../app/queues.js';
import { createTestDatabase, type TestDatabase } from './pg.js';
import { REDIS_URL, uniquePrefix } from './redis.js';
import type { Redis } from 'ioredis';

export const WEBHOOK_SECRET = 'test-webhook-secret';
export const GITLAB_WEBHOOK_SECRET = 'test-gitlab-token';

export function testProbot(): Probot {
  return new Probot({
    githubToken: 'test-token',
    secret: WEBHOOK_SECRET,
    log: silentLogger,
    // probot docs/testing.md: no retries or throttling in tests, so failures show at once.
    Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }),
  });
}

/**
 * An Octokit with throttling and retries off. Built directly: Probot's own factory re-enables
 * throttling for `probot.auth()` clients, which spaces write requests a second apart.
 */
export function testOctokit(): InstanceType<typeof ProbotOctokit> {
  return new ProbotOctokit({ auth: { token: 'test-token' }, log: silentLogger, retry: { enabled: false }, throttle: { enabled: false } });
}

export interface TestStack {
  app: AppServer;
  db: TestDatabase;
  redis: Redis;
  producer: Redis;
  prefix: string;
  close(): Promise<void>;
}

export async function startTestStack(options: { redisUrl?: string; relayIntervalMs?: number; enqueueTimeoutMs?: number; staleAfterSeconds?: number; env?: Record<string, string>; logger?: Logger; deadlineMs?: number; databaseUrl?: string; github?: boolean } = {}): Promise<TestStack> {
  // `databaseUrl`: a database on a private PostgreSQL (test/helpers/own-postgres.ts) that the test may stop.
  const db = await createTestDatabase(options.databaseUrl ? { adminUrl: options.databaseUrl } : {});
  const redisUrl = options.redisUrl ?? REDIS_URL;
  const redis = createRedis(redisUrl, { lazyConnect: false });
  // Producer connection fails fast while Redis is down; the inbox keeps the delivery.
  const producer = createRedis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  producer.on('error', () => undefined);
  redis.on('error', () => undefined);
  const prefix = uniquePrefix('app');
  const env = parseEnv({ WEBHOOK_SECRET, GITLAB_WEBHOOK_SECRET, DATABASE_URL: db.url, REDIS_URL: redisUrl, ...options.env });
  const app = await startAppServer({
    env, ...(options.github === false ? {} : { probot: testProbot() }), pool: db.pool, redis, queueConnection: { connection: producer, prefix }, logger: options.logger ?? silentLogger, deadlineMs: options.deadlineMs,
    port: 0, host: '127.0.0.1', relayIntervalMs: options.relayIntervalMs ?? 200, enqueueTimeoutMs: options.enqueueTimeoutMs ?? 500, staleAfterSeconds: options.staleAfterSeconds,
  });
  return {
    app, db, redis, producer, prefix,
    async close() {
      // Leave nothing behind in the shared Redis.
      for (const q of ['webhook', 'analyze', 'open-pr', 'simulate'] as const) await app.queues.get(q).obliterate({ force: true }).catch(() => undefined);
      await app.close();
      redis.disconnect();
      producer.disconnect();
      await db.drop();
    },
  };
}
