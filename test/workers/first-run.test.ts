/**
 * Issue 10, item 1: first value on install. Installing on a repo with `.slo-scout.yml`, adding
 * such a repo, or pushing the config starts ONE debounced analysis now (real Redis/BullMQ
 * deduplication) and creates the schedule; `/slo-scout rerun` works in an issue.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createRedis, Queues } from '../../app/queues.js';
import { REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { onInstallationEvent, requestAnalysis } from '../../app/first-run.js';
import { schedulerId } from '../../app/schedule.js';
import { dispatchComment } from '../../app/commands/dispatch.js';
import { CommandRegistry } from '../../app/commands/registry.js';
import { registerBuiltinCommands } from '../../app/commands/builtin.js';
import { fakeEngine } from '../helpers/fake-engine.js';
import { silentLogger } from '../../app/logger.js';
import type { CommentInfo, Platform } from '../../app/vcs/platform.js';
import type { ReportStore } from '../../app/store/reports.js';

const CONFIG = 'version: 1\ndatasources:\n  prometheus: { url: "http://prom:9090" }\n';
let queues: Queues;
const redis = createRedis(REDIS_URL);

beforeAll(() => { queues = new Queues({ connection: redis, prefix: uniquePrefix('first-run') }); });
afterAll(async () => {
  for (const q of ['analyze'] as const) await queues.get(q).obliterate({ force: true }).catch(() => undefined);
  await queues.close();
  redis.disconnect();
});

function fakePlatform(files: Record<string, string | null>): Platform & { comments: CommentInfo[]; reads: string[] } {
  const comments: CommentInfo[] = [];
  const reads: string[] = [];
  return {
    kind: 'github', botLogin: 'slo-scout[bot]', comments, reads,
    readFile: async (r: { owner: string; repo: string }, path: string) => { reads.push(`${r.owner}/${r.repo}:${path}`); return path === '.slo-scout.yml' ? files[`${r.owner}/${r.repo}`] ?? null : null; },
    react: async () => undefined,
    canWrite: async (_r: unknown, login: string) => login === 'maintainer',
    isTeamMember: async () => false,
    getPullRequest: async () => { throw Object.assign(new Error('Not Found'), { status: 404 }); },
    listComments: async () => comments,
    createComment: async (_r: unknown, _n: number, body: string) => { const c = { id: comments.length + 1, body, authorLogin: 'slo-scout[bot]' }; comments.push(c); return c; },
    updateComment: async (_r: unknown, id: number, body: string) => { comments.find((c) => c.id === id)!.body = body; },
  } as unknown as Platform & { comments: CommentInfo[]; reads: string[] };
}

describe('first analysis on install', () => {
  it('installation.created analyses and schedules each repo with a config, and reports the others for onboarding', async () => {
    const platform = fakePlatform({ 'acme/with-config': CONFIG, 'acme/broken': 'version: [' });
    const out = await onInstallationEvent('installation', {
      action: 'created', installation: { id: 31 },
      repositories: [{ full_name: 'acme/with-config' }, { full_name: 'acme/no-config' }, { full_name: 'acme/broken' }],
    }, { queues, platformFor: async () => platform, logger: silentLogger });
    expect(out).toEqual({ analysed: ['acme/with-config'], withoutConfig: ['acme/no-config'], invalidConfig: ['acme/broken'], skipped: 0 });
    const delayed = (await queues.get('analyze').getDelayed()).filter((j) => j.name === 'first-run');
    expect(delayed.map((j) => j.data)).toEqual([expect.objectContaining({ owner: 'acme', repo: 'with-config', installationId: 31, reason: 'install' })]);
    const schedulers = await queues.get('analyze').getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toContain(schedulerId('github', 'acme', 'with-config'));
  });

  it('install, repositories added and a config push close together start ONE analysis', async () => {
    const platform = fakePlatform({ 'acme/burst': CONFIG });
    const firstRuns = async () => (await queues.get('analyze').getDelayed()).filter((j) => j.name === 'first-run');
    const before = (await firstRuns()).length;
    await onInstallationEvent('installation_repositories', { action: 'added', installation: { id: 31 }, repositories_added: [{ full_name: 'acme/burst' }] }, { queues, platformFor: async () => platform, logger: silentLogger });
    await requestAnalysis(queues, { owner: 'acme', repo: 'burst', platform: 'github', installationId: 31, reason: 'config-change' });
    await requestAnalysis(queues, { owner: 'acme', repo: 'burst', platform: 'github', installationId: 31, reason: 'config-change' });
    const delayed = (await firstRuns()).filter((j) => j.data.repo === 'burst');
    expect(delayed).toHaveLength(1);
    // Debounce keeps the latest trigger's data.
    expect(delayed[0]!.data.reason).toBe('config-change');
    expect((await firstRuns()).length).toBe(before + 1);
  });

  it('installation_repositories.removed and other actions do nothing', async () => {
    const platform = fakePlatform({});
    expect(await onInstallationEvent('installation_repositories', { action: 'removed', installation: { id: 31 }, repositories_added: [] }, { queues, platformFor: async () => platform, logger: silentLogger })).toBe('ignored');
    expect(platform.reads).toEqual([]);
  });
});

describe('/slo-scout rerun in an issue', () => {
  const setup = () => {
    const registry = registerBuiltinCommands(new CommandRegistry(), { queues, reports: {} as ReportStore, engine: fakeEngine() });
    return { registry, platform: fakePlatform({ 'acme/issues': CONFIG }) };
  };
  const ev = (body: string, author: string) => ({ repo: { owner: 'acme', repo: 'issues' }, installationId: 31, prNumber: 4, commentId: Math.floor(Math.random() * 1e9), body, author, authorIsBot: false, onIssue: true });

  it('a maintainer\'s rerun in an issue queues the analysis and answers in the issue', async () => {
    const { registry, platform } = setup();
    const e = ev('/slo-scout rerun', 'maintainer');
    expect(await dispatchComment({ platform, registry, logger: silentLogger }, e)).toBe('ran');
    expect(platform.comments[0]!.body).toContain('re-analysis queued');
    const job = await queues.get('analyze').getJob(`rerun-github-${e.commentId}`);
    expect(job?.data).toMatchObject({ owner: 'acme', repo: 'issues', prNumber: 4, reason: 'command' });
  });

  it('a PR-only command in an issue is refused with what works there; a reader cannot rerun', async () => {
    const { registry, platform } = setup();
    expect(await dispatchComment({ platform, registry, logger: silentLogger }, ev('/slo-scout variant aggressive', 'maintainer'))).toBe('refused');
    expect(platform.comments.at(-1)!.body).toMatch(/works in an SLO-Scout pull request; in an issue only `help` and `rerun` run/);
    expect(await dispatchComment({ platform, registry, logger: silentLogger }, ev('/slo-scout rerun', 'visitor'))).toBe('refused');
    expect(platform.comments.at(-1)!.body).toMatch(/needs write access/);
  });
});
