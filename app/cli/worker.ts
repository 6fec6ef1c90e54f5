import { createServer } from 'node:http';
import { UnrecoverableError } from 'bullmq';
import { githubAppConfigured } from '../config/env.js';
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
import { createGitlabApi, withGitlab } from '../vcs/gitlab-client.js';
import { retentionFromEnv } from '../telemetry/otlp/intake.js';
import { scheduleRetention } from '../../workers/retention.js';
import { configEnvPolicyFromEnv, scopedEnv } from '../config/env-policy.js';
import { parseAllowedHosts } from '../telemetry/outbound.js';
import { redisCommandLimiter } from '../commands/rate-limit.js';
import { examples } from './examples.js';

export function register(program: Command): void {
  program
    .command('worker')
    .description('Run the BullMQ workers (webhook, analyze, open-pr, simulate, policy-evaluate, retention hourly); graceful on SIGTERM')
    .addHelpText('after', examples('worker'))
    .option('--metrics-port <port>', 'serve this worker\'s /metrics on this port (0 = off)', '9464')
    .action(async (flags: { metricsPort: string }) => {
      const env = envOrExit(['platform', 'database']);
      const logger = createLogger({ level: env.LOG_LEVEL });
      const pool = createPool(env.DATABASE_URL!, { logger });
      await migrate(pool, { logger });
      const connection = createRedis(env.REDIS_URL);
      connection.on('error', (err) => logger.warn({ err: err.message }, 'Redis connection error'));
      const conn = { connection, prefix: env.QUEUE_PREFIX };
      const queues = new Queues(conn);
      const metrics = createMetrics({ defaultMetrics: true });
      const reports = new ReportStore(pool);
      const clock = systemClock;
      // A repository's config drives the engine: it sees only the env names the operator allows
      // and connects only where SLO_SCOUT_ALLOWED_HOSTS lets it (docs/security.md).
      const configTrust = { env: configEnvPolicyFromEnv(env.SLO_SCOUT_CONFIG_ENV_ALLOW), outbound: parseAllowedHosts(env.SLO_SCOUT_ALLOWED_HOSTS) };
      const engine = createEngine({ logger, clock, env: scopedEnv(process.env, configTrust.env), trust: configTrust, maxResponseBytes: env.SLO_SCOUT_MAX_RESPONSE_BYTES, computeSeconds: env.SLO_SCOUT_COMPUTE_SECONDS });
      const commandLimiter = redisCommandLimiter(connection, env.QUEUE_PREFIX, { perUserPerHour: env.SLO_SCOUT_COMMANDS_PER_USER_PER_HOUR, perRepoPerHour: env.SLO_SCOUT_COMMANDS_PER_REPO_PER_HOUR });
      // Policy Guard registers approve/reject here when its module is wired (issue 5).
      const registry = registerBuiltinCommands(new CommandRegistry(), { queues, reports, engine });
      // A GitLab-only install has no GitHub App: GitHub jobs then fail as permanent errors that say so.
      const probot = githubAppConfigured(env) ? createProbot(env, logger) : null;
      const noGithub = () => Promise.reject(new UnrecoverableError('this job is for GitHub, but the GitHub App is not configured (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET)'));
      // One GitLab client for the platform and the guard, counted in slo_scout_gitlab_api_calls_total.
      const gitlabApi = env.GITLAB_TOKEN ? createGitlabApi({ url: env.GITLAB_URL, token: env.GITLAB_TOKEN, metrics }) : undefined;
      // The Policy Guard's clients are counted in slo_scout_github_api_calls_total like the platform's.
      const policy = policyWorkerDeps(async (id) => (probot ? instrument(await probot.auth(id), metrics) : noGithub()), process.env, async () => (probot ? instrument(await probot.auth(), metrics) : noGithub()), gitlabApi);
      for (const h of policyCommandHandlers({ pool, queues, logger, clock, ...policy })) registry.register(h); // Policy Guard approve/reject
      const workers = startWorkers(
        { logger, clock, inbox: new InboxStore(pool), reports, queues, metrics, registry, engine, configTrust, commandLimiter, platformFor: withGitlab(probot ? githubPlatformFactory(probot, metrics) : noGithub, env, logger, gitlabApi), pool, retention: retentionFromEnv(env), ...policy },
        conn, { concurrency: env.WORKER_CONCURRENCY },
      );
      const port = Number(flags.metricsPort);
      const server = port > 0 ? createServer((req, res) => {
        // /healthz: liveness for the image's HEALTHCHECK and Kubernetes probes of a worker.
        if (req.url === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
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
