/**
 * Issue 10, item 3: the approvals users expect first (native reviews), the Re-run button,
 * Slack/PagerDuty approvals that keep their installation, and GitHub failures that are errors
 * with a cause (never a TypeError), ending in a neutral check when the guard cannot decide.
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from 'vitest';
import nock from 'nock';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { testOctokit } from '../helpers/app-stack.js';
import { DecisionStore } from '../../app/store/approvals.js';
import { AuditStore } from '../../app/store/audit.js';
import { NotificationStore } from '../../app/store/notifications.js';
import { githubPolicyVcs, PolicyGitHubError, type OctokitLike } from '../../app/policy/github.js';
import { evaluatePullRequest, type PolicyDeps } from '../../app/policy/service.js';
import { handleSlackDecision, type DecisionDeps } from '../../app/policy/handlers.js';
import { onCheckRerequested, onPullRequestReview } from '../../app/policy/events.js';
import { onPolicyEvaluateFailed } from '../../workers/policy-evaluate.js';
import { classify } from '../../workers/errors.js';
import { SlackClient } from '../../app/chat/slack.js';
import { fixedClock } from '../../app/deps.js';
import { silentLogger } from '../../app/logger.js';
import { mockGitHub, type FakeRepo } from './github-mock.js';

const BASE = '1'.repeat(40);
const HEAD = '2'.repeat(40);
const OLD = '0'.repeat(40);

const CONFIG = `policies:
  - policy_id: reviewed
    approval_required: true
    approvers: { users: [alice], teams: [], codeowners: false }
    min_approvals: 1
    applies_to: { paths: ["slos/**"], services: ["*"] }
policy_guard:
  slack: { channel: C42, users: { U111: alice } }
`;
const slo = (target: number) => `apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: pay-latency\nspec:\n  service: checkout\n  objectives:\n    - target: ${target}\n      op: lte\n      value: 0.3\n`;

let db: TestDatabase;
let repo: FakeRepo;
let deps: PolicyDeps & DecisionDeps;
let evaluations: { installationId?: number; trigger: string }[];
const octokit = testOctokit() as unknown as OctokitLike;

beforeAll(async () => { db = await createTestDatabase(); });
afterAll(async () => { await db?.drop(); });

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  repo = {
    owner: 'acme', name: `r${Math.random().toString(36).slice(2, 8)}`, baseSha: BASE, headSha: HEAD, author: 'carol', state: 'open',
    files: { [BASE]: { '.slo-scout.yml': CONFIG, 'slos/checkout.yaml': slo(0.99) }, [HEAD]: { 'slos/checkout.yaml': slo(0.999) } },
    changed: [{ filename: 'slos/checkout.yaml', status: 'modified' }], teams: {}, reviews: [], checkRuns: [],
  };
  mockGitHub(repo);
  evaluations = [];
  deps = {
    decisions: new DecisionStore(db.pool), audit: new AuditStore(db.pool), notifications: new NotificationStore(db.pool),
    vcs: githubPolicyVcs(octokit), logger: silentLogger, clock: fixedClock('2026-03-01T12:00:00Z'), env: {},
    requestEvaluation: async (j) => { evaluations.push({ installationId: j.installationId, trigger: j.trigger }); await evaluatePullRequest(deps, j.repo, j.prNumber, j.trigger); },
  };
});
afterEach(() => { nock.cleanAll(); nock.enableNetConnect(); });

const full = () => `${repo.owner}/${repo.name}`;
const lastCheck = () => repo.checkRuns.at(-1)!;
const review = (id: number, login: string, state: string, sha = HEAD, at = `2026-03-01T10:0${id}:00Z`) => ({ id, user: { login }, state, commit_id: sha, submitted_at: at });

describe('native GitHub reviews count like approvals from any other channel', () => {
  it('an approving review by an allowed approver on the head turns the check green', async () => {
    repo.reviews = [review(1, 'alice', 'APPROVED')];
    expect((await evaluatePullRequest(deps, full(), 12, 'review')).conclusion).toBe('success');
    expect(lastCheck().output.summary).toContain('approved by @alice');
  });

  it.each([
    ['a review of an older head (stale)', [review(1, 'alice', 'APPROVED', OLD)], /voids it/],
    ['a dismissed review', [review(1, 'alice', 'APPROVED'), review(2, 'alice', 'DISMISSED')], /waiting|approval/i],
    ['an approving review by someone who is not an approver', [review(1, 'mallory', 'APPROVED')], /@mallory is not an approver/],
  ])('%s does not count', async (_name, reviews, reason) => {
    repo.reviews = reviews;
    expect((await evaluatePullRequest(deps, full(), 12, 'review')).conclusion).toBe('action_required');
    expect(`${lastCheck().output.summary}\n${lastCheck().output.text}`).toMatch(reason);
  });

  it('a later COMMENTED review keeps the approval; a later change request by the approver blocks', async () => {
    repo.reviews = [review(1, 'alice', 'APPROVED'), review(2, 'alice', 'COMMENTED')];
    expect((await evaluatePullRequest(deps, full(), 12, 'review')).conclusion).toBe('success');
    repo.reviews.push(review(3, 'alice', 'CHANGES_REQUESTED'));
    expect((await evaluatePullRequest(deps, full(), 12, 'review')).conclusion).toBe('failure');
  });

  it('the review webhook is audited on the review channel and asks for one evaluation with the installation', async () => {
    const added: unknown[] = [];
    const queues = { get: () => ({ add: async (_n: string, d: unknown) => { added.push(d); } }) };
    const payload = { action: 'submitted', review: { id: 9, user: { login: 'alice' }, state: 'approved', commit_id: HEAD }, pull_request: { number: 12, head: { sha: HEAD } }, repository: { name: repo.name, owner: { login: 'acme' } } };
    expect(await onPullRequestReview(payload, 77, { queues, audit: deps.audit })).toBe('review-approved');
    expect(await onPullRequestReview({ ...payload, review: { ...payload.review, state: 'commented' } }, 77, { queues })).toBe('ignored-comment-review');
    expect(await onPullRequestReview({ ...payload, action: 'dismissed' }, 77, { queues, audit: deps.audit })).toBe('review-dismissed');
    expect(added).toEqual([expect.objectContaining({ prNumber: 12, installationId: 77, trigger: 'review' }), expect.objectContaining({ trigger: 'review' })]);
    const audit = await deps.audit.list(full(), 12);
    expect(audit.map((a) => [a.channel, a.event, a.actor])).toEqual([['review', 'approve', 'alice'], ['review', 'ignored', 'alice']]);
  });
});

describe('the Re-run button re-evaluates', () => {
  it('check_run.rerequested of the guard enqueues one evaluation per PR of the head; of the config check re-runs that check', async () => {
    const added: unknown[] = [];
    const queues = { get: () => ({ add: async (_n: string, d: unknown) => { added.push(d); } }) };
    const configRuns: string[] = [];
    const ev = (name: string) => ({ action: 'rerequested', check_run: { name, head_sha: HEAD, pull_requests: [{ number: 12 }, { number: 13 }] }, repository: { name: repo.name, owner: { login: 'acme' } } });
    const d = { queues, rerunConfigCheck: async (_o: string, _r: string, sha: string) => { configRuns.push(sha); return 'success'; } };
    expect(await onCheckRerequested('check_run', ev('SLO-Scout Policy Guard'), 5, d)).toBe('policy-2');
    expect(added).toEqual([expect.objectContaining({ prNumber: 12, trigger: 'rerequested', installationId: 5 }), expect.objectContaining({ prNumber: 13 })]);
    expect(await onCheckRerequested('check_run', ev('SLO-Scout config'), 5, d)).toBe('config-check-success');
    expect(configRuns).toEqual([HEAD]);
    expect(await onCheckRerequested('check_run', { ...ev('x'), action: 'created' }, 5, d)).toBe('ignored');
  });
});

describe('Slack approvals keep the installation and re-evaluate', () => {
  it('the Slack message remembers the installation; the click re-evaluates with it and turns the check green', async () => {
    deps.slack = new SlackClient({ token: 'xoxb-test' });
    deps.installationId = 4242;
    deps.notifiedTarget = async (r, pr, kind) => {
      const ids = (await deps.notifications.open(r, pr, kind)).map((n) => Number(n.ref.installation_id));
      return { installationId: ids.at(-1) };
    };
    nock('https://slack.com').persist()
      .post('/api/chat.postMessage').reply(200, { ok: true, channel: 'C42', ts: '100.1' })
      .post('/api/chat.update').reply(200, { ok: true })
      .post('/api/chat.postEphemeral').reply(200, { ok: true });
    await evaluatePullRequest(deps, full(), 12, 'push');
    expect((await deps.notifications.find(full(), 12, 'slack', HEAD))?.ref.installation_id).toBe('4242');
    await handleSlackDecision(deps, { slackUserId: 'U111', decision: 'approve', target: { repo: full(), pr: 12, sha: HEAD }, channel: 'C42', messageTs: '100.1', actionTs: '1' });
    expect(evaluations).toEqual([{ installationId: 4242, trigger: 'slack' }]);
    expect(lastCheck().conclusion).toBe('success');
  });
});

describe('a failed GitHub read is an error with its cause, and the guard says so with a neutral check', () => {
  it('a tree reply without `tree` is a permanent PolicyGitHubError naming the request, not a TypeError', async () => {
    nock.cleanAll();
    nock('https://api.github.com').get(/\/git\/trees\//).reply(200, { sha: BASE, message: 'weird' });
    const err = await githubPolicyVcs(octokit).listFiles('acme/x', BASE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyGitHubError);
    expect((err as Error).message).toMatch(/git\/trees.*unexpected shape: tree/);
    expect(classify(err)).toBe('permanent');
  });

  it('a 502 from GitHub keeps its status (retried) and its cause', async () => {
    nock.cleanAll();
    nock('https://api.github.com').get(/\/pulls\/12\/files/).reply(502, { message: 'Bad Gateway' });
    const err = await githubPolicyVcs(octokit).listChangedFiles('acme/x', 12).catch((e: unknown) => e) as PolicyGitHubError;
    expect(err.message).toMatch(/files of acme\/x#12, page 1\) failed with HTTP 502/);
    expect(err.cause).toBeDefined();
    expect(classify(err)).toBe('transient');
  });

  it('the final failure of an evaluation leaves a neutral check with the cause and how to retry', async () => {
    await onPolicyEvaluateFailed({ owner: 'acme', repo: repo.name, prNumber: 12, installationId: 1, trigger: 'push' }, new TypeError("Cannot read properties of undefined (reading 'filter')"), {
      logger: silentLogger, clock: fixedClock('2026-03-01T12:00:00Z'), policyVcsFor: async () => githubPolicyVcs(octokit),
    });
    expect(lastCheck()).toMatchObject({ name: 'SLO-Scout Policy Guard', head_sha: HEAD, conclusion: 'neutral' });
    expect(lastCheck().output.summary).toContain("TypeError: Cannot read properties of undefined (reading 'filter')");
    // A bug fails the same way again: the check says so instead of suggesting Re-run.
    expect(lastCheck().output.summary).toMatch(/internal error in SLO-Scout[\s\S]*Report it with the worker log line/);
    expect(lastCheck().output.summary).not.toContain('Press **Re-run**');
  });
});
