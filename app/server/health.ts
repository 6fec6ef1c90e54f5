/** /healthz (process is up), /readyz (Redis and PostgreSQL answer) and /metrics. */
import type { HttpRoute } from './http.js';
import type { Pool } from '../store/db.js';
import type { Redis } from 'ioredis';
import type { Metrics } from './metrics.js';
import type { Queues } from '../queues.js';
import { QUEUE_NAMES } from '../queues.js';

// A readiness probe must answer fast even when a dependency hangs.
const PING_TIMEOUT_MS = 2_000;

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(deps: { pool: Pool; redis: Redis }): HttpRoute[] {
  return [
    { method: 'GET', path: '/healthz', handle: async () => ({ status: 200, body: { status: 'ok' } }) },
    {
      method: 'GET',
      path: '/readyz',
      handle: async () => {
        const checks: Record<string, string> = {};
        const results = await Promise.allSettled([
          withTimeout(deps.redis.ping(), PING_TIMEOUT_MS, 'Redis'),
          withTimeout(deps.pool.query('SELECT 1'), PING_TIMEOUT_MS, 'PostgreSQL'),
        ]);
        checks.redis = results[0].status === 'fulfilled' ? 'ok' : `down: ${(results[0].reason as Error).message} (check REDIS_URL)`;
        checks.postgres = results[1].status === 'fulfilled' ? 'ok' : `down: ${(results[1].reason as Error).message} (check DATABASE_URL)`;
        const ready = Object.values(checks).every((v) => v === 'ok');
        return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not ready', checks } };
      },
    },
  ];
}

export function metricsRoute(metrics: Metrics, queues?: Queues): HttpRoute {
  return {
    method: 'GET',
    path: '/metrics',
    handle: async () => {
      if (queues) {
        // Queue depths are read at scrape time; a Redis outage must not break the scrape.
        await Promise.all(QUEUE_NAMES.map(async (name) => {
          try {
            const counts = await withTimeout(queues.get(name).getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'), PING_TIMEOUT_MS, 'Redis');
            for (const [state, n] of Object.entries(counts)) metrics.jobsByState.set({ queue: name, state }, n);
          } catch {
            /* leave the last known values */
          }
        }));
      }
      return { status: 200, headers: { 'content-type': metrics.registry.contentType }, body: await metrics.registry.metrics() };
    },
  };
}
