/**
 * Issue 10: a bug inside `policy-evaluate` (a TypeError from our code) must not be retried five
 * times (~1 min of backoff) before the neutral check appears: it fails the same way every time.
 * A network failure still retries. Real BullMQ queue on the shared Redis, real PostgreSQL; the
 * code host is an in-memory PolicyVcs (the guard's own port), so no GitHub mock is needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createServer } from 'node:net';
import { createLogger } from '../../app/logger.js';
import { systemClock } from '../../app/deps.js';
import { createMetrics } from '../../app/server/metrics.js';
import { createRedis, Queues } from '../../app/queues.js';
import { startWorkers, type RunDeps, type RunningWorkers } from '../../workers/run.js';
import type { PolicyCheckRun, PolicyVcs } from '../../app/policy/vcs.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const HEAD = 'a'.repeat(40);
const BASE = 'b'.repeat(40);
const CONFIG = 'version: 1\npolicies:\n  - policy_id: reviewed\n    approvers: { users: [alice] }\n';

/** A port nothing listens on: a real connection there fails with ECONNREFUSED. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

/** One repository's PR at HEAD; `changedFiles` is where each case injects its failure. */
function vcsWith(changedFiles: () => Promise<unknown>, runs: PolicyCheckRun[]): PolicyVcs {
  return {
    getPullRequest: async (_repo, number) => ({ number, state: 'open', merged: false, headSha: HEAD, baseSha: BASE, author: 'slo-scout[bot]', url: `https://github.test/acme/x/pull/${number}` }),
    listChangedFiles: async () => (await changedFiles()) as Awaited<ReturnType<PolicyVcs['listChangedFiles']>>,
    readFile: async (_repo, path, ref) => (path === '.slo-scout.yml' && ref === BASE ? CONFIG : null),
    listFiles: async () => [],
    listReviews: async () => [],
    isTeamMember: async () => false,
    writeCheckRun: async (_repo, run) => { runs.push(run); },
  };
}

let db: TestDatabase;
let queues: Queues;
let running: RunningWorkers;
const connection = createRedis(REDIS_URL);
connection.on('error', () => undefined);
const lines: Record<string, unknown>[] = [];
let vcsFor: (installationId: number | undefined) => Promise<PolicyVcs>;

beforeAll(async () => {
  db = await createTestDatabase();
  const conn = { connection, prefix: uniquePrefix('policy-fail') };
  queues = new Queues(conn);
  const logger = createLogger({ level: 'info', destination: new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); cb(); } }) });
  const deps = {
    logger, clock: systemClock, metrics: createMetrics(), queues, pool: db.pool, env: {},
    policyVcsFor: (id: number | undefined) => vcsFor(id),
  } as unknown as RunDeps;
  running = startWorkers(deps, conn, { concurrency: 1, queues: ['policy-evaluate'] });
}, 60_000);

afterAll(async () => {
  await running?.close();
  await queues?.close();
  connection.disconnect();
  await db?.drop();
});

async function finished(jobId: string) {
  const job = await waitFor(async () => {
    const j = await queues.get('policy-evaluate').getJob(jobId);
    return j && (await j.getState()) === 'failed' ? j : null;
  }, `policy-evaluate job ${jobId} failed for good`, 30_000, 50);
  return job!;
}

describe('policy-evaluate failures', () => {
  it('a TypeError from our code fails on the first attempt of five, leaves a neutral check naming it, and logs the stack', async () => {
    const runs: PolicyCheckRun[] = [];
    let calls = 0;
    // The original bug: a reply of the wrong shape reached `files.filter` in the guard.
    vcsFor = async () => vcsWith(async () => { calls++; return undefined; }, runs);
    await queues.get('policy-evaluate').add('policy-evaluate', { owner: 'acme', repo: 'x', prNumber: 7, installationId: 1 }, { jobId: 'bug-1' }); // queue defaults: 5 attempts
    const job = await finished('bug-1');
    expect(job.opts.attempts).toBe(5);
    expect(job.attemptsMade).toBe(1);
    expect(calls).toBe(1);
    await waitFor(() => runs.length > 0, 'neutral check written', 10_000);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ headSha: HEAD, conclusion: 'neutral' });
    expect(runs[0]!.summary).toContain("TypeError: Cannot read properties of undefined (reading 'filter')");
    expect(runs[0]!.summary).toMatch(/internal error in SLO-Scout/);
    const line = lines.find((l) => l.jobId === 'bug-1' && l.level === 50);
    expect(line?.msg).toMatch(/internal error \(a bug in SLO-Scout\); not retried/);
    expect((line?.err as { stack?: string } | undefined)?.stack).toMatch(/TypeError[\s\S]*app\/policy\/service\.ts/);
    expect(lines.some((l) => l.jobId === 'bug-1' && l.msg === 'job failed; will retry with backoff')).toBe(false);
  }, 60_000);

  it('a network failure (fetch to a closed port) is still retried until its last attempt, then the neutral check says so', async () => {
    const runs: PolicyCheckRun[] = [];
    const port = await closedPort();
    let calls = 0;
    vcsFor = async () => vcsWith(async () => { calls++; return fetch(`http://127.0.0.1:${port}/repos/acme/x/pulls/8/files`); }, runs);
    await queues.get('policy-evaluate').add('policy-evaluate', { owner: 'acme', repo: 'x', prNumber: 8, installationId: 1 }, { jobId: 'net-1', attempts: 3, backoff: { type: 'fixed', delay: 20 } });
    const job = await finished('net-1');
    expect(job.attemptsMade).toBe(3);
    expect(calls).toBe(3);
    await waitFor(() => runs.length > 0, 'neutral check written', 10_000);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.conclusion).toBe('neutral');
    expect(runs[0]!.summary).toContain('fetch failed');
    expect(runs[0]!.summary).toContain('Re-run');
    expect(lines.filter((l) => l.jobId === 'net-1' && l.msg === 'job failed; will retry with backoff')).toHaveLength(2);
  }, 60_000);
});
