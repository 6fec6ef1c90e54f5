import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import nock from 'nock';
import { UnrecoverableError } from 'bullmq';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { testOctokit } from '../helpers/app-stack.js';
import { processPolicyEvaluateJob } from '../../workers/policy-evaluate.js';
import { githubPolicyVcs, type OctokitLike } from '../../app/policy/github.js';
import { enqueuePolicyEvaluation } from '../../app/policy/wiring.js';
import { fixedClock } from '../../app/deps.js';
import { silentLogger } from '../../app/logger.js';
import { mockGitHub, type FakeRepo } from './github-mock.js';

let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase(); });
afterAll(async () => { await db?.drop(); });
afterEach(() => { nock.cleanAll(); nock.enableNetConnect(); });

const base = { logger: silentLogger, clock: fixedClock('2026-03-01T00:00:00Z') };

describe('policy-evaluate worker', () => {
  it('evaluates the PR named in the job and writes the check run', async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    const repo: FakeRepo = {
      owner: 'acme', name: 'w1', baseSha: 'a'.repeat(40), headSha: 'b'.repeat(40), author: 'carol', state: 'open',
      files: { ['a'.repeat(40)]: { '.slo-scout.yml': 'policies:\n  - policy_id: p\n    approvers: { users: [alice] }\n    applies_to: { paths: ["slos/**"] }\n' }, ['b'.repeat(40)]: { 'slos/a.yaml': 'version: prometheus/v1\nservice: a\nslos: [{ name: x, objective: 99 }]\n' } },
      changed: [{ filename: 'slos/a.yaml', status: 'added' }], teams: {}, checkRuns: [],
    };
    mockGitHub(repo);
    const out = await processPolicyEvaluateJob({ owner: 'acme', repo: 'w1', prNumber: 12, trigger: 'push' }, { ...base, pool: db.pool, policyVcsFor: async () => githubPolicyVcs(testOctokit() as unknown as OctokitLike) });
    expect(out).toBe('action_required');
    expect(repo.checkRuns[0]).toMatchObject({ name: 'SLO-Scout Policy Guard', conclusion: 'action_required' });
  });

  it.each([
    ['a malformed payload', { owner: 'acme' }, { pool: undefined }],
    ['missing GitHub wiring', { owner: 'acme', repo: 'x', prNumber: 1 }, {}],
  ])('%s fails permanently (no retries)', async (_n, data, extra) => {
    await expect(processPolicyEvaluateJob(data, { ...base, pool: db.pool, ...extra })).rejects.toBeInstanceOf(UnrecoverableError);
  });

  it('enqueues a parsed job on the policy-evaluate queue', async () => {
    const added: unknown[] = [];
    await enqueuePolicyEvaluation({ get: (name) => ({ add: async (_n: string, data: unknown) => { added.push([name, data]); } }) }, { owner: 'acme', repo: 'x', prNumber: 3, trigger: 'comment' });
    expect(added).toEqual([['policy-evaluate', { platform: 'github', owner: 'acme', repo: 'x', prNumber: 3, trigger: 'comment' }]]);
  });
});
