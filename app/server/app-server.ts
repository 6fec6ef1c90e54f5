/**
 * Assembles `slo-scout serve` from its parts (used by the CLI, the integration tests and the
 * benchmark): inbox + intake + relay loop, the Probot app, extra routes, one HTTP server.
 */
import type { Probot } from 'probot';
import type { Redis } from 'ioredis';
import type { Env } from '../config/env.js';
import type { Logger } from '../logger.js';
import type { Pool } from '../store/db.js';
import { systemClock, type Clock } from '../deps.js';
import { InboxStore } from '../store/inbox.js';
import { Intake } from './intake.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createAppFn } from './probot.js';
import { buildRoutes } from './routes.js';
import { startServer, type RunningServer } from './server.js';
import { Queues, type QueueConnection } from '../queues.js';
import { createIntake as createTelemetryIntake, type Intake as TelemetryIntake } from '../telemetry/otlp/intake.js';
import { reanalysisTrigger } from '../telemetry/alertmanager/reanalysis.js';

export interface AppServerOptions {
  env: Env;
  /** Absent on a GitLab-only install. */
  probot?: Probot;
  pool: Pool;
  /** Redis for health checks. */
  redis: Redis;
  /** Producer connection for queues: fail fast when Redis is down (enableOfflineQueue: false). */
  queueConnection: QueueConnection;
  logger: Logger;
  clock?: Clock;
  metrics?: Metrics;
  port?: number;
  host?: string;
  relayIntervalMs?: number;
  enqueueTimeoutMs?: number;
  staleAfterSeconds?: number;
  /** Per-request deadline before a 503 (default 5 s; docs/resilience.md). */
  deadlineMs?: number;
}

export interface AppServer extends RunningServer {
  intake: Intake;
  metrics: Metrics;
  queues: Queues;
  inbox: InboxStore;
  /** OTLP/HTTP + Alertmanager intake (issue 6); its routes are mounted only when their secrets are set. */
  telemetry: TelemetryIntake;
}

export async function startAppServer(o: AppServerOptions): Promise<AppServer> {
  const metrics = o.metrics ?? createMetrics({ defaultMetrics: true });
  const queues = new Queues(o.queueConnection);
  const inbox = new InboxStore(o.pool);
  const intake = new Intake({ inbox, queues, metrics, logger: o.logger.child({ component: 'intake' }), enqueueTimeoutMs: o.enqueueTimeoutMs, staleAfterSeconds: o.staleAfterSeconds });
  const clock = o.clock ?? systemClock;
  const telemetry = createTelemetryIntake({ pool: o.pool, logger: o.logger.child({ component: 'telemetry' }), clock, env: o.env, onReanalysis: reanalysisTrigger({ pool: o.pool, queues, clock, logger: o.logger }) });
  const routes = [...buildRoutes({ env: o.env, pool: o.pool, redis: o.redis, metrics, queues, intake, logger: o.logger, clock }), ...telemetry.routes];
  const running = await startServer({
    ...(o.probot ? { probot: o.probot } : {}), appFn: createAppFn({ intake, metrics }), routes, logger: o.logger,
    webhookPath: o.env.WEBHOOK_PATH, deadlineMs: o.deadlineMs, port: o.port ?? o.env.PORT, host: o.host ?? o.env.HOST,
  });
  const stopRelay = intake.startRelay(o.relayIntervalMs ?? 5_000);
  telemetry.start();
  // Deliveries left from a previous run (Redis was down when we stopped) go out at once.
  void intake.relayOnce().catch((err: unknown) => o.logger.warn({ err }, 'first relay pass failed'));
  return {
    ...running, intake, metrics, queues, inbox, telemetry,
    close: async () => {
      await running.close();
      // Slack decisions taken after their ack still need the queues and the pool (bounded: Slack calls have deadlines).
      await Promise.allSettled(routes.map((r) => r.drain?.()));
      await stopRelay();
      // Final flush of the in-memory aggregates while the pool is still open (the caller ends it after).
      await telemetry.stop().catch((err: unknown) => o.logger.error({ err }, 'final telemetry flush failed: the unflushed interval is lost'));
      await queues.close();
    },
  };
}
