/**
 * Issue 9, finding 2 and the bot-comment findings: `/slo-scout simulate replicas=100000000` froze
 * a worker for hours (any commenter can send it), replies echoed a 200 KB argument in full and
 * turned `@org/team` into a live mention. Now inputs are bounded relative to what was observed,
 * the simulator and the recommender have a time limit whose breach fails the job permanently,
 * commands are rate limited per user and per repository in Redis, and replies quote safely.
 */
import { UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { registerBuiltinCommands } from '../../app/commands/builtin.js';
import { dispatchComment } from '../../app/commands/dispatch.js';
import { codeSpan, neutraliseMentions, quoteArg } from '../../app/commands/quote.js';
import { redisCommandLimiter, type CommandLimiter } from '../../app/commands/rate-limit.js';
import { CommandRegistry } from '../../app/commands/registry.js';
import { configEnvPolicyFromEnv } from '../../app/config/env-policy.js';
import { Report } from '../../app/core/report.js';
import { recommend } from '../../app/core/recommend/index.js';
import { simulationBasisFromHistory } from '../../app/core/simulate/index.js';
import { ComputeTimeLimitError, deadline } from '../../app/deadline.js';
import { fixedClock } from '../../app/deps.js';
import { createEngine } from '../../app/engine.js';
import { silentLogger } from '../../app/logger.js';
import { runAnalysis } from '../../app/pipeline.js';
import { UserInputError, type Engine, type WorkerDeps } from '../../app/ports.js';
import type { Queues } from '../../app/queues.js';
import type { ReportStore } from '../../app/store/reports.js';
import { parseAllowedHosts } from '../../app/telemetry/outbound.js';
import type { Platform } from '../../app/vcs/platform.js';
import { classify } from '../../workers/errors.js';
import { processSimulateJob } from '../../workers/simulate.js';
import { END, mmcHistory, proposal } from '../core/simulate/fixtures.js';
import { fakeEngine, fakeReport } from '../helpers/fake-engine.js';
import { REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const latency = proposal({ variants: [['conservative', 99, 0.5], ['balanced', 98.5, 0.25], ['aggressive', 95, 0.1]] });
const history = mmcHistory({ replicas: 4 });
const report = Report.parse(JSON.parse(JSON.stringify({
  generatedAt: new Date(END * 1000).toISOString(), window: '28d', breachWindow: '1d', end: new Date(END * 1000).toISOString(),
  proposals: [{ ...latency, simulationBasis: simulationBasisFromHistory(history) }],
  timings: { totalSeconds: 1, prometheusSeconds: 0, queries: 0 },
})));
const trust = { env: configEnvPolicyFromEnv(undefined), outbound: parseAllowedHosts(undefined) };
const engine = (computeSeconds?: number) => createEngine({ logger: silentLogger, clock: fixedClock('2026-01-01T00:00:00Z'), env: {}, trust, ...(computeSeconds !== undefined ? { computeSeconds } : {}) });

describe('simulator inputs are bounded relative to what was observed', () => {
  it('replicas=100000000 is refused at once, naming the bound and why', () => {
    const started = performance.now();
    expect(() => engine().simulate(report, { replicas: '100000000' })).toThrow(UserInputError);
    expect(() => engine().simulate(report, { replicas: '100000000' })).toThrow(/`replicas=100000000`: must be a whole number from 1 to 40 \(at most 10x the 4 replicas observed, and at most 1000\)/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it.each([
    [{ replicas: '41' }, /from 1 to 40/],
    [{ replicas: '0' }, /from 1 to 40/],
    [{ traffic: '1000' }, /`traffic=1000`: must be a factor from 0.01 to 100/],
    [{ traffic: '0.001' }, /from 0.01 to 100/],
    [{ traffic: 'Infinity' }, /from 0.01 to 100/],
    [{ canary: '101' }, /`canary=101`: must be a percentage 0-100/],
  ])('%o is refused with a clear message', (params, message) => {
    expect(() => engine().simulate(report, params)).toThrow(message);
  });

  it('the upper bound itself still simulates', () => {
    expect(engine().simulate(report, { replicas: '40', traffic: '100' })).toMatch(/40 replicas/);
  });
});

describe('time limits for the simulator and the recommender', () => {
  it('a simulation over its limit stops with ComputeTimeLimitError, a permanent error', () => {
    const e = engine(1e-6);
    expect(() => e.simulate(report, { traffic: '2' })).toThrow(ComputeTimeLimitError);
    expect(() => e.simulate(report, { traffic: '2' })).toThrow(/the what-if simulation took longer than its 0\.000001 s limit and was stopped/);
    expect(classify(new ComputeTimeLimitError('x'))).toBe('permanent');
  });

  it('the simulate job fails permanently (UnrecoverableError) and tells the PR why', async () => {
    const { platform, bodies } = stubPlatform();
    const deps = {
      logger: silentLogger, clock: fixedClock('2026-01-01T00:00:00Z'), platformFor: () => Promise.resolve(platform),
      reports: { latest: () => Promise.resolve(report) } as unknown as ReportStore, engine: engine(1e-6),
    } as unknown as WorkerDeps;
    await expect(processSimulateJob({ owner: 'o', repo: 'r', platform: 'github', installationId: 1, prNumber: 1, params: { traffic: '2' } }, deps)).rejects.toThrow(UnrecoverableError);
    expect(bodies.at(-1)).toMatch(/took longer than its 0\.000001 s limit/);
  });

  it('the recommender checks its deadline between endpoints, and runAnalysis enforces computeSeconds', async () => {
    let calls = 0;
    const stopAfterOne = () => {
      if (++calls > 1) throw new ComputeTimeLimitError('over');
    };
    const opts = { end: END, windowSeconds: 28 * 86400, breachWindowSeconds: 86400 };
    expect(() => recommend([mmcHistory(), mmcHistory({ endpoint: 'GET /other' })], { ...opts, checkpoint: stopAfterOne })).toThrow(ComputeTimeLimitError);
    const source = { name: 'test', fetchHistories: () => Promise.resolve({ histories: [mmcHistory(), mmcHistory({ endpoint: 'GET /b' })], skipped: [], stats: { backendSeconds: 0, queries: 0 } }) };
    let t = 0;
    expect(deadline(1, 'x', 'y', () => (t += 2000))).toThrow(/x took longer than its 1 s limit/);
    await expect(runAnalysis({ source, clock: fixedClock('2026-01-01T00:00:00Z') }, { ...opts, computeSeconds: 1e-9 })).rejects.toThrow(/the recommender took longer than its 1e-9 s limit/);
  });
});

function stubPlatform(): { platform: Platform; bodies: string[]; reactions: number } {
  const bodies: string[] = [];
  const state = { reactions: 0 };
  const platform = {
    kind: 'github', botLogin: 'slo-scout[bot]',
    react: () => { state.reactions++; return Promise.resolve(); },
    listComments: () => Promise.resolve([]),
    readFile: () => Promise.resolve(null),
    createComment: (_r: unknown, _n: number, body: string) => { bodies.push(body); return Promise.resolve({ id: bodies.length, body, authorLogin: 'slo-scout[bot]' }); },
    updateComment: () => Promise.resolve(),
    getPullRequest: () => Promise.resolve({ number: 1, headSha: 'abc', headRef: 'b', fromFork: false }),
    canWrite: () => Promise.resolve(true),
    isTeamMember: () => Promise.resolve(false),
  } as unknown as Platform;
  return { platform, bodies, get reactions() { return state.reactions; } };
}

function registry(e: Engine = fakeEngine()): CommandRegistry {
  const queues = { get: () => ({ add: () => Promise.resolve() }) } as unknown as Queues;
  const reports = { latest: () => Promise.resolve(fakeReport()), setVariant: () => Promise.resolve() } as unknown as ReportStore;
  return registerBuiltinCommands(new CommandRegistry(), { queues, reports, engine: e });
}

let commentId = 100;
async function comment(body: string, opts: { limiter?: CommandLimiter; author?: string } = {}) {
  const stub = stubPlatform();
  const outcome = await dispatchComment({ platform: stub.platform, registry: registry(), logger: silentLogger, ...(opts.limiter ? { limiter: opts.limiter } : {}) }, {
    repo: { owner: 'acme', repo: 'shop' }, prNumber: 1, commentId: commentId++, body, author: opts.author ?? 'alice', authorIsBot: false,
  });
  return { outcome, reply: stub.bodies.join('\n'), reactions: stub.reactions };
}

/** `@name` that GitHub would link: outside code spans and not broken by a zero-width joiner. */
function liveMentions(markdown: string): string[] {
  const noCode = markdown.replace(/(`+)[\s\S]*?\1/g, '');
  return [...noCode.matchAll(/(?:^|[^A-Za-z0-9_`])@([A-Za-z0-9][\w.-]*(?:\/[\w.-]+)?)/g)].map((m) => m[1]!);
}

describe('bot replies quote arguments and never create mentions', () => {
  it('a 200 KB argument is cut to 100 characters and an ellipsis', async () => {
    const { reply } = await comment(`/slo-scout explain ${'x'.repeat(200_000)}`);
    expect(reply.length).toBeLessThan(2000);
    expect(reply).toContain(`\`${'x'.repeat(100)}…\``);
  });

  it.each([
    ['/slo-scout variant @acme/security-team', 'variant error'],
    ['/slo-scout variant conservative @acme/security-team', 'unknown slo id'],
    ['/slo-scout simulate version=@bob replicas=2', 'simulate acknowledgement'],
    ['/slo-scout simulate @acme/all foo=@carol', 'unknown simulate parameters'],
    ['/slo-scout explain @dave', 'unknown slo id'],
    ['/slo-scout @acme/team', 'unknown command'],
  ])('%s (%s) mentions only the commenter', async (body) => {
    const { reply } = await comment(body);
    expect(reply).not.toBe('');
    expect(liveMentions(reply).filter((m) => m !== 'alice')).toEqual([]);
  });

  it('backticks in an argument cannot break out of its code span', () => {
    expect(codeSpan('a`b @x')).toBe('``a`b @x``');
    expect(codeSpan('`edge`')).toBe('`` `edge` ``');
    expect(liveMentions(`got ${quoteArg('``` @acme/team ```')}`)).toEqual([]);
    expect(neutraliseMentions('cc @acme/team and @alice', ['alice'])).toBe('cc @\u200Dacme/team and @alice');
  });
});

describe('slash-command rate limits in Redis', () => {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  afterAll(() => redis.quit());

  it('a user over the hourly limit gets a polite reply and the command does not run; the count is shared across workers', async () => {
    const prefix = uniquePrefix('cmdlimit');
    const workerA = redisCommandLimiter(redis, prefix, { perUserPerHour: 2, perRepoPerHour: 100 });
    const workerB = redisCommandLimiter(redis, prefix, { perUserPerHour: 2, perRepoPerHour: 100 });
    expect((await comment('/slo-scout help', { limiter: workerA })).outcome).toBe('ran');
    expect((await comment('/slo-scout help', { limiter: workerB })).outcome).toBe('ran');
    const limited = await comment('/slo-scout simulate replicas=2', { limiter: workerA });
    expect(limited.outcome).toBe('rate-limited');
    expect(limited.reactions).toBe(0);
    expect(limited.reply).toMatch(/@alice you have run 2 SLO-Scout commands in the last hour, the most one person may\. Please try again in about \d+ minutes?\./);
    expect((await comment('/slo-scout help', { limiter: workerB, author: 'bob' })).outcome).toBe('ran');
  });

  it('a repository over its limit refuses everyone until the hour passes', async () => {
    const limiter = redisCommandLimiter(redis, uniquePrefix('cmdlimit'), { perUserPerHour: 100, perRepoPerHour: 3 });
    for (const who of ['a', 'b', 'c']) expect((await comment('/slo-scout help', { limiter, author: who })).outcome).toBe('ran');
    const r = await comment('/slo-scout help', { limiter, author: 'd' });
    expect(r.outcome).toBe('rate-limited');
    expect(r.reply).toMatch(/this repository has run 3 SLO-Scout commands in the last hour/);
  });
});
