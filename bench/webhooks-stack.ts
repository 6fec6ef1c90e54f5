/**
 * Child processes for bench/webhooks.ts, as in production: `serve` (intake only, no GitHub calls)
 * and `worker` (GitHub mocked with nock here). Configured by env: DATABASE_URL, QUEUE_PREFIX.
 */
import nock from 'nock';
import { Probot, ProbotOctokit } from 'probot';
import { startAppServer } from '../app/server/app-server.js';
import { registerBuiltinCommands } from '../app/commands/builtin.js';
import { CommandRegistry } from '../app/commands/registry.js';
import { parseEnv } from '../app/config/env.js';
import { systemClock } from '../app/deps.js';
import { silentLogger } from '../app/logger.js';
import { createMetrics } from '../app/server/metrics.js';
import { createPool } from '../app/store/db.js';
import { InboxStore } from '../app/store/inbox.js';
import { ReportStore } from '../app/store/reports.js';
import { GitHubPlatform } from '../app/vcs/github.js';
import { startWorkers } from '../workers/run.js';
import { createRedis, Queues } from '../app/queues.js';
import { fakeEngine } from '../test/helpers/fake-engine.js';

const SECRET = 'bench-secret';
const role = process.argv[2];
const env = parseEnv({ ...process.env, WEBHOOK_SECRET: SECRET });
const pool = createPool(env.DATABASE_URL!, 10);
const prefix = process.env.QUEUE_PREFIX!;

if (role === 'serve') {
  const redis = createRedis(env.REDIS_URL);
  const producer = createRedis(env.REDIS_URL, { enableOfflineQueue: false });
  const probot = new Probot({ githubToken: 'x', secret: SECRET, log: silentLogger, Octokit: ProbotOctokit });
  const app = await startAppServer({ env, probot, pool, redis, queueConnection: { connection: producer, prefix }, logger: silentLogger, port: 0, host: '127.0.0.1' });
  process.stdout.write(`port ${app.port}\n`);
} else {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  const R = '/repos/Codertocat/Hello-World';
  nock('https://api.github.com').persist()
    .get(/\/contents\/.*slo-scout\.ya?ml/).reply(404, { message: 'Not Found' })
    .post(/\/issues\/comments\/\d+\/reactions/).reply(201, {})
    .get(`${R}/issues/1/comments`).query(true).reply(200, [])
    .post(`${R}/issues/1/comments`).reply(201, { id: 1, body: '', user: { login: 'slo-scout[bot]' } });
  const connection = createRedis(env.REDIS_URL);
  const conn = { connection, prefix };
  const queues = new Queues(conn);
  const reports = new ReportStore(pool);
  const engine = fakeEngine();
  const octokit = new ProbotOctokit({ auth: { token: 't' }, log: silentLogger, retry: { enabled: false }, throttle: { enabled: false } });
  const platform = new GitHubPlatform(octokit, 'slo-scout[bot]');
  startWorkers({
    logger: silentLogger, clock: systemClock, inbox: new InboxStore(pool), reports, queues, metrics: createMetrics(),
    registry: registerBuiltinCommands(new CommandRegistry(), { queues, reports, engine }), engine, platformFor: async () => platform,
  }, conn, { concurrency: 8, queues: ['webhook'] });
  process.stdout.write('ready\n');
}
