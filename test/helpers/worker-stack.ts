/** Workers wired to a TestStack: real Redis/PostgreSQL, GitHub through nock, a fake engine. */
import { CommandRegistry } from '../../app/commands/registry.js';
import { registerBuiltinCommands } from '../../app/commands/builtin.js';
import { systemClock } from '../../app/deps.js';
import { silentLogger } from '../../app/logger.js';
import { ReportStore } from '../../app/store/reports.js';
import { GitHubPlatform } from '../../app/vcs/github.js';
import type { WorkerDeps } from '../../app/ports.js';
import { startWorkers, type RunningWorkers } from '../../workers/run.js';
import { createRedis, Queues } from '../../app/queues.js';
import { testOctokit, type TestStack } from './app-stack.js';
import { REDIS_URL } from './redis.js';
import { fakeEngine } from './fake-engine.js';

export const BOT = 'slo-scout[bot]';

export function workerDeps(stack: TestStack, engine = fakeEngine()): WorkerDeps & { engine: ReturnType<typeof fakeEngine>; pool: TestStack['db']['pool'] } {
  const reports = new ReportStore(stack.db.pool);
  const queues = new Queues({ connection: stack.producer, prefix: stack.prefix });
  const registry = registerBuiltinCommands(new CommandRegistry(), { queues, reports, engine });
  const platform = new GitHubPlatform(testOctokit(), BOT);
  return {
    logger: silentLogger, clock: systemClock, inbox: stack.app.inbox, reports, queues, metrics: stack.app.metrics, registry, engine,
    platformFor: async () => platform, pool: stack.db.pool,
  };
}

export function startTestWorkers(stack: TestStack, deps: WorkerDeps, redisUrl = REDIS_URL): RunningWorkers & { closeAll(): Promise<void> } {
  const connection = createRedis(redisUrl);
  connection.on('error', () => undefined);
  const running = startWorkers(deps, { connection, prefix: stack.prefix }, { concurrency: 2 });
  return {
    ...running,
    async closeAll() {
      await running.close();
      await deps.queues.close();
      connection.disconnect();
    },
  };
}
