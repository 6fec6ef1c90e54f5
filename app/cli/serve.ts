import type { Command } from 'commander';
import { EnvError, githubAppConfigured, parseEnv, type Env } from '../config/env.js';
import { createPool } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { createLogger } from '../logger.js';
import { createProbot } from '../server/github-app.js';
import { startAppServer } from '../server/app-server.js';
import { createRedis } from '../queues.js';
import { CliError, EXIT_INVALID } from './errors.js';
import { examples } from './examples.js';

export function envOrExit(needs: Parameters<typeof parseEnv>[1]): Env {
  try {
    return parseEnv(process.env, needs);
  } catch (err) {
    if (err instanceof EnvError) throw new CliError(err.message, EXIT_INVALID);
    throw err;
  }
}

/** Resolves on SIGTERM/SIGINT after `stop` finished (graceful shutdown for Kubernetes/compose). */
export function untilSignal(stop: () => Promise<void>, logger: { info(o: object, m: string): void }): Promise<void> {
  return new Promise((resolve) => {
    const on = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      void stop().then(resolve);
    };
    process.once('SIGTERM', on);
    process.once('SIGINT', on);
  });
}

async function serveDemo(): Promise<void> {
  const env = envOrExit([]);
  const logger = createLogger({ level: env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL });
  const { startDemoServer } = await import('../web/index.js');
  const demo = await startDemoServer({ logger, port: env.PORT, host: env.HOST ?? '127.0.0.1', secret: env.SLO_SCOUT_UI_SECRET, publicUrl: env.SLO_SCOUT_PUBLIC_URL,
    whatIfLimits: { perLinkPerMinute: env.SLO_SCOUT_UI_WHAT_IF_PER_LINK_PER_MINUTE, perAddressPerMinute: env.SLO_SCOUT_UI_WHAT_IF_PER_ADDRESS_PER_MINUTE } });
  process.stdout.write(`SLO-Scout details pages (demo report, links valid for 14 days while this process runs):\n  overview:          ${demo.pages.overview}\n  Policy Guard PR:   ${demo.pages.evaluation}\nCtrl-C stops the server.\n`);
  await untilSignal(() => demo.close(), logger);
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('Run the GitHub App: webhooks at WEBHOOK_PATH (default /api/github/webhooks), /healthz, /readyz, /metrics, OTLP/HTTP /v1/* and /webhooks/alertmanager (when their secrets are set), the details pages under /ui (when SLO_SCOUT_UI_SECRET is set) and the other routes')
    .option('--demo', 'serve only the details pages (/ui) on the built-in demo report: no GitHub App, PostgreSQL or Redis needed')
    .addHelpText('after', examples('serve'))
    .action(async (flags: { demo?: boolean }) => {
      if (flags.demo) return serveDemo();
      const env = envOrExit(['platform', 'database']);
      const logger = createLogger({ level: env.LOG_LEVEL });
      const pool = createPool(env.DATABASE_URL!, { logger });
      await migrate(pool, { logger });
      const redis = createRedis(env.REDIS_URL);
      // The producer must fail fast while Redis is down: the inbox holds the delivery meanwhile.
      const producer = createRedis(env.REDIS_URL, { enableOfflineQueue: false });
      for (const r of [redis, producer]) r.on('error', (err) => logger.warn({ err: err.message }, 'Redis connection error'));
      const app = await startAppServer({ env, ...(githubAppConfigured(env) ? { probot: createProbot(env, logger) } : {}), pool, redis, queueConnection: { connection: producer, prefix: env.QUEUE_PREFIX }, logger }).catch(async (err: unknown) => {
        redis.disconnect();
        producer.disconnect();
        await pool.end();
        // e.g. a malformed OTLP_TOKENS entry (checked when the intake is built): one line, exit 2.
        if (err instanceof EnvError) throw new CliError(err.message, EXIT_INVALID);
        throw err;
      });
      await untilSignal(async () => {
        await app.close();
        redis.disconnect();
        producer.disconnect();
        await pool.end();
      }, logger);
    });
}
