/**
 * Issue 10, item 4: commands act on their own PR. A per-service PR's `variant`, `simulate` and
 * `explain` address that PR's SLOs; an SLO id or `--all` widens; replies fit GitHub's limit.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { fakeEngine, fakeReport } from '../helpers/fake-engine.js';
import { CommandRegistry, type CommandInvocation } from '../../app/commands/registry.js';
import { registerBuiltinCommands } from '../../app/commands/builtin.js';
import { COMMENT_LIMIT, fitSections, serviceMarker, serviceOfBody } from '../../app/commands/scope.js';
import { ReportStore } from '../../app/store/reports.js';
import { processSimulateJob } from '../../workers/simulate.js';
import { silentLogger } from '../../app/logger.js';
import { fixedClock } from '../../app/deps.js';
import type { Queues } from '../../app/queues.js';
import type { CommentInfo, Platform, PullRequestInfo } from '../../app/vcs/platform.js';
import type { WorkerDeps } from '../../app/ports.js';

const SERVICES = ['billing', 'catalog', 'checkout', 'payments', 'search', 'shipping'];
let db: TestDatabase;
let reports: ReportStore;
let n = 0;

beforeAll(async () => { db = await createTestDatabase(); reports = new ReportStore(db.pool); });
afterAll(async () => { await db?.drop(); });

function setup() {
  const repo = `r${++n}`;
  const jobs: { queue: string; data: Record<string, unknown> }[] = [];
  const queues = { get: (queue: string) => ({ add: async (_name: string, data: Record<string, unknown>) => { jobs.push({ queue, data }); } }) } as unknown as Queues;
  const engine = fakeEngine();
  const registry = registerBuiltinCommands(new CommandRegistry(), { queues, reports, engine });
  const pr = (service: string | null): PullRequestInfo => ({ number: 7, state: 'open', title: 't', body: `proposal${service ? `\n${serviceMarker(service)}` : ''}`, headRef: 'x', headSha: 'a'.repeat(40), baseRef: 'main', fromFork: false, url: 'u' });
  const run = async (name: string, args: string[], options: Record<string, string> = {}, service: string | null = 'payments') => {
    const inv: CommandInvocation = { platform: 'github', owner: 'acme', repo, prNumber: 7, commentId: ++n, author: 'alice', args, options, raw: '', pullRequest: async () => pr(service) };
    const res = await registry.get(name)!.run({ invocation: inv, logger: silentLogger });
    await res.after?.();
    return res;
  };
  return { repo, jobs, engine, run };
}

describe('the PR service marker', () => {
  it('round-trips odd service names and ignores bodies without one', () => {
    expect(serviceOfBody(`x\n${serviceMarker('pay ments/v2')}\n`)).toBe('pay ments/v2');
    expect(serviceOfBody('no marker')).toBeNull();
  });
});

describe('variant in a per-service PR', () => {
  it('switches only that PR\'s SLOs and re-renders only its branch', async () => {
    const { repo, jobs, run } = setup();
    await reports.save('github', `acme/${repo}`, fakeReport(SERVICES));
    const res = await run('variant', ['aggressive']);
    expect(res.reply).toContain('the SLOs of `payments`');
    expect(await reports.variants('github', `acme/${repo}`)).toEqual({ 'payments-latency': 'aggressive' });
    expect(jobs).toEqual([{ queue: 'analyze', data: expect.objectContaining({ service: 'payments', reuseReport: true }) }]);
  });

  it('--all widens to every SLO and every branch', async () => {
    const { repo, jobs, run } = setup();
    await reports.save('github', `acme/${repo}`, fakeReport(SERVICES));
    await run('variant', ['conservative', '--all']);
    const v = await reports.variants('github', `acme/${repo}`);
    expect(Object.keys(v).sort()).toEqual(['*', ...SERVICES.map((s) => `${s}-latency`)].sort());
    expect(jobs[0]!.data.service).toBeUndefined();
  });
});

describe('explain in a per-service PR', () => {
  it('without an id explains that PR\'s SLOs only; with --all every SLO', async () => {
    const { repo, run } = setup();
    await reports.save('github', `acme/${repo}`, fakeReport(SERVICES));
    const own = await run('explain', []);
    expect(own.reply).toContain('### payments-latency');
    expect(own.reply).not.toContain('checkout-latency');
    const all = await run('explain', ['--all']);
    for (const s of SERVICES) expect(all.reply).toContain(`### ${s}-latency`);
  });
});

describe('simulate in a per-service PR', () => {
  function fakePlatform(): Platform & { comments: CommentInfo[] } {
    const comments: CommentInfo[] = [];
    return {
      kind: 'github', botLogin: 'bot', comments,
      listComments: async () => comments,
      readFile: async () => null,
      createComment: async (_r: unknown, _n: number, body: string) => { const c = { id: comments.length + 1, body, authorLogin: 'bot' }; comments.push(c); return c; },
      updateComment: async (_r: unknown, id: number, body: string) => { comments.find((c) => c.id === id)!.body = body; },
    } as unknown as Platform & { comments: CommentInfo[] };
  }

  it('the placeholder is written before the job, which edits it: one comment, for the PR\'s service only', async () => {
    const { repo, jobs, engine, run } = setup();
    await reports.save('github', `acme/${repo}`, fakeReport(SERVICES));
    const platform = fakePlatform();
    const res = await run('simulate', [], { replicas: '2', traffic: '2' });
    expect(res.topic).toBe('simulate');
    // The dispatcher writes the reply first (after() runs once the reply exists): model that order.
    await platform.createComment({ owner: 'acme', repo }, 7, `<!-- slo-scout:topic=simulate -->\n${res.reply}\n`);
    const job = jobs.find((j) => j.queue === 'simulate')!;
    expect(job.data.service).toBe('payments');
    const seen: string[][] = [];
    const spy = { ...engine, simulate: (r: Parameters<typeof engine.simulate>[0], p: Record<string, string>, s?: string) => { seen.push(r.proposals.map((x) => x.service)); return engine.simulate(r, p, s); } };
    await processSimulateJob(job.data, { reports, engine: spy, platformFor: async () => platform, logger: silentLogger, clock: fixedClock('2026-01-01T00:00:00Z') } as unknown as WorkerDeps);
    expect(seen).toEqual([['payments']]);
    expect(platform.comments).toHaveLength(1);
    expect(platform.comments[0]!.body).toContain('### What-if: `replicas=2 traffic=2`');
  });
});

describe('replies stay under GitHub\'s comment limit', () => {
  it('fits whole sections and names the ones left out with the command that shows each', () => {
    const sections = Array.from({ length: 30 }, (_, i) => ({ id: `slo-${i}`, text: `### slo-${i}\n${'x'.repeat(5_000)}` }));
    const out = fitSections(sections, (id) => `\`/slo-scout explain ${id}\``);
    expect(out.length).toBeLessThan(COMMENT_LIMIT);
    expect(out).toContain('### slo-0');
    expect(out).toMatch(/\*\*\d+ more left out\*\*/);
    expect(out).toContain('`/slo-scout explain slo-29`');
  });
});
