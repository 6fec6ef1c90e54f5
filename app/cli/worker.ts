import { createServer } from 'node:http';
import type { Command } from 'commander';
import { CommandRegistry } from '../commands/registry.js';
import { registerBuiltinCommands } from '../commands/builtin.js';
import { systemClock } from '../deps.js';
import { createEngine } from '../engine.js';
import { createProbot, githubPlatformFactory, instrument } from '../server/github-app.js';
import { createLogger } from '../logger.js';
import { createMetrics } from '../server/metrics.js';
import { createPool } from '../store/db.js';
import { InboxStore } from '../store/inbox.js';
import { migrate } from '../store/migrate.js';
import { ReportStore } from '../store/reports.js';
import { startWorkers } from '../../workers/run.js';
import { createRedis, Queues } from '../queues.js';
import { envOrExit, untilSignal } from './serve.js';
import { policyCommandHandlers, policyWorkerDeps } from '../policy/wiring.js';
import { withGitlab } from '../vcs/gitlab-client.js';
import { retentionFromEnv } from '../telemetry/otlp/intake.js';
import { scheduleRetention } from '../../workers/retention.js';

export function register(program: Command): void {
  program
    .command('worker')
    .description('Run the BullMQ workers (webhook, analyze, open-pr, simulate, policy-evaluate, retention hourly); graceful on SIGTERM')
    .option('--metrics-port <port>', 'serve this worker\'s /metrics on this port (0 = off)', '9464')
    .action(async (flags: { metricsPort: string }) => {
      const env = envOrExit(['github-app', 'database']);
      const logger = createLogger({ level: env.LOG_LEVEL });
      const pool = createPool(env.DATABASE_URL!);
      await migrate(pool, { logger });
      const connection = createRedis(env.REDIS_URL);
      connection.on('error', (err) => logger.warn({ err: err.message }, 'Redis connection error'));
      const conn = { connection, prefix: env.QUEUE_PREFIX };
      const queues = new Queues(conn);
      const metrics = createMetrics({ defaultMetrics: true });
      const reports = new ReportStore(pool);
      const clock = systemClock;
      const engine = createEngine({ logger, clock, env: process.env });
      // Policy Guard registers approve/reject here when its module is wired (issue 5).
      const registry = registerBuiltinCommands(new CommandRegistry(), { queues, reports, engine });
      const probot = createProbot(env, logger);
      // The Policy Guard's clients are counted in slo_scout_github_api_calls_total like the platform's.
      const policy = policyWorkerDeps(async (id) => instrument(await probot.auth(id), metrics), process.env, async () => instrument(await probot.auth(), metrics));
      for (const h of policyCommandHandlers({ pool, queues, logger, clock, ...policy })) registry.register(h); // Policy Guard approve/reject
      const workers = startWorkers(
        { logger, clock, inbox: new InboxStore(pool), reports, queues, metrics, registry, engine, platformFor: withGitlab(githubPlatformFactory(probot, metrics), env, logger), pool, retention: retentionFromEnv(env), ...policy },
        conn, { concurrency: env.WORKER_CONCURRENCY },
      );
      const port = Number(flags.metricsPort);
      const server = port > 0 ? createServer((req, res) => {
        if (req.url !== '/metrics') return void res.writeHead(404).end();
        void metrics.registry.metrics().then((text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text));
      }).listen(port) : null;
      // Every worker upserts the same scheduler id, so restarts and replicas keep exactly one.
      await scheduleRetention(queues).catch((err: unknown) => logger.warn({ err }, 'could not schedule the hourly retention job (Redis?); the next worker start retries'));
      logger.info({ queues: workers.workers.map((w) => w.name), metricsPort: port || null }, 'workers started');
      await untilSignal(async () => {
        // BullMQ close() waits for active jobs to finish; anything cut short is retried as stalled.
        await workers.close();
        await queues.close();
        server?.close();
        connection.disconnect();
        await pool.end();
      }, logger);
    });
}
