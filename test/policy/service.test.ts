import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from 'vitest';
import nock from 'nock';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { testOctokit } from '../helpers/app-stack.js';
import { DecisionStore } from '../../app/store/approvals.js';
import { AuditStore } from '../../app/store/audit.js';
import { NotificationStore } from '../../app/store/notifications.js';
import { githubPolicyVcs, type OctokitLike } from '../../app/policy/github.js';
import { evaluatePullRequest, resolveEscalations, type PolicyDeps } from '../../app/policy/service.js';
import { EvaluationStore } from '../../app/store/evaluations.js';
import { detailsLinks } from '../../app/web/links.js';
import { webRoutes } from '../../app/web/routes.js';
import { DbWebData } from '../../app/web/data.js';
import { EvaluationView } from '../../app/web/schema.js';
import { handlePagerDutyAck, handleSlackDecision, policyCommands, type DecisionDeps } from '../../app/policy/handlers.js';
import { PagerDutyClient, dedupKey } from '../../app/chat/pagerduty.js';
import { SlackClient } from '../../app/chat/slack.js';
import { fixedClock } from '../../app/deps.js';
import { silentLogger } from '../../app/logger.js';
import { mockGitHub, type FakeRepo } from './github-mock.js';
import type { CommandInvocation } from '../../app/commands/registry.js';

const BASE = '1'.repeat(40);
const HEAD = '2'.repeat(40);
const NEWER = '3'.repeat(40);

const CONFIG = `policies:
  - policy_id: default_blaster
    max_services: 10%
    max_endpoints: 5
    max_cost: $100
    approval_required: true
    approvers: { users: [alice], teams: [sre], codeowners: true }
    min_approvals: 1
    allow_self_approval: false
    applies_to: { paths: ["slos/**"], services: ["*"] }
    escalate_to_pagerduty: { when: "tightens critical SLO or over max_cost" }
policy_guard:
  critical_services: [checkout]
  known_services: 10
  slack: { channel: C42, users: { U111: alice, U222: mallory } }
  pagerduty:
    routing_keys: { default: { env: PD_ROUTING_DEFAULT } }
    users: { "bob@acme.test": bob }
`;
const slo = (target: number) => `apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: pay-latency\n  labels: { endpoint: "POST /pay" }\nspec:\n  service: checkout\n  objectives:\n    - target: ${target}\n      op: lte\n      value: 0.3\n`;

let db: TestDatabase;
let repo: FakeRepo;
let deps: PolicyDeps & DecisionDeps;
const octokit = testOctokit() as unknown as OctokitLike;

beforeAll(async () => { db = await createTestDatabase(); });
afterAll(async () => { await db?.drop(); });

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  repo = {
    owner: 'acme', name: `slos${Math.random().toString(36).slice(2, 8)}`, baseSha: BASE, headSha: HEAD, author: 'carol', state: 'open',
    files: {
      [BASE]: { '.slo-scout.yml': CONFIG, 'slos/checkout.yaml': slo(0.99), '.github/CODEOWNERS': 'slos/checkout.yaml @acme/payments @erin\n' },
      [HEAD]: { 'slos/checkout.yaml': slo(0.999) },
      [NEWER]: { 'slos/checkout.yaml': slo(0.999) },
    },
    changed: [{ filename: 'slos/checkout.yaml', status: 'modified' }],
    teams: { 'acme/sre': ['dave'] },
    checkRuns: [],
  };
  mockGitHub(repo);
  const stores = { decisions: new DecisionStore(db.pool), audit: new AuditStore(db.pool), notifications: new NotificationStore(db.pool) };
  deps = {
    ...stores, vcs: githubPolicyVcs(octokit), logger: silentLogger, clock: fixedClock('2026-03-01T12:00:00Z'), env: {},
    requestEvaluation: async (j) => { await evaluatePullRequest(deps, j.repo, j.prNumber, j.trigger); },
  };
});
afterEach(() => { nock.cleanAll(); nock.enableNetConnect(); });

const full = () => `${repo.owner}/${repo.name}`;
const lastCheck = () => repo.checkRuns.at(-1)!;
function invocation(author: string, over: Partial<CommandInvocation> = {}): CommandInvocation {
  return { platform: 'github', owner: repo.owner, repo: repo.name, prNumber: 12, headSha: repo.headSha, commentId: Math.floor(Math.random() * 1e9), author, args: ['looks', 'fine'], options: {}, raw: '/slo-scout approve looks fine', ...over };
}
const run = (name: 'approve' | 'reject', inv: CommandInvocation) => policyCommands(deps).find((h) => h.name === name)!.run({ invocation: inv, logger: silentLogger });

describe('Policy Guard check run (GitHub via nock, real PostgreSQL)', () => {
  it('a tightened SLO without approval needs action, under the constant check name, with the table and cost arithmetic', async () => {
    const out = await evaluatePullRequest(deps, full(), 12, 'push');
    expect(out.conclusion).toBe('action_required');
    const check = lastCheck();
    expect(check).toMatchObject({ name: 'SLO-Scout Policy Guard', head_sha: HEAD, status: 'completed', conclusion: 'action_required' });
    expect(check.output.text).toContain('| `checkout/pay-latency` | checkout | POST /pay | tightened (critical) | 99% ≤ 0.3 → 99.9% ≤ 0.3 |');
    expect(check.output.text).toContain('comment `/slo-scout approve [reason]` (or `/slo-scout reject [reason]`) on this pull request');
    // A native review counts too, and the text says so in GitHub's words.
    expect(check.output.text).toContain('submit an Approve review');
    expect(check.output.text).toContain('### What this pull request changes');
    expect(check.output.text).not.toContain('merge request');
    expect(check.output.text).toMatch(/@alice, team @acme\/sre, code owner @erin, code owner @acme\/payments/);
    expect(check.output.text).toContain('rules x 1 series x $0.008/series/month');
    const audit = await deps.audit.list(full(), 12);
    expect(audit.at(-1)).toMatchObject({ event: 'verdict', verdict: 'action_required' });
    expect(audit.at(-1)!.policyHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('an approval comment by a listed approver turns the check green', async () => {
    const res = await run('approve', invocation('alice'));
    expect(res.reply).toContain('Recorded `approve` by @alice');
    expect(lastCheck().conclusion).toBe('success');
    expect(lastCheck().output.summary).toContain('approved by @alice');
  });

  it.each([
    ['the PR author (self-approval)', 'carol', /self-approval is not allowed/],
    ['a user without rights', 'mallory', /@mallory is not an approver/],
  ])('an approval by %s does not count', async (_n, login, reason) => {
    await run('approve', invocation(login));
    expect(lastCheck().conclusion).toBe('action_required');
    expect(lastCheck().output.text).toMatch(reason);
  });

  it('a member of an approver team and a CODEOWNER may approve', async () => {
    await run('approve', invocation('dave'));
    expect(lastCheck().conclusion).toBe('success');
    repo.name = `${repo.name}x`;
    mockGitHub(repo);
    await run('approve', invocation('erin'));
    expect(lastCheck().conclusion).toBe('success');
  });

  it('a reject by an approver fails the check', async () => {
    await run('reject', invocation('alice', { args: ['too', 'strict'] }));
    expect(lastCheck().conclusion).toBe('failure');
  });

  it('a push (new head SHA) voids an earlier approval', async () => {
    await run('approve', invocation('alice'));
    expect(lastCheck().conclusion).toBe('success');
    repo.headSha = NEWER;
    await evaluatePullRequest(deps, full(), 12, 'push');
    expect(lastCheck()).toMatchObject({ head_sha: NEWER, conclusion: 'action_required' });
    expect(lastCheck().output.text).toMatch(/a later push to 3333333 voids it/);
  });

  it('a comment edited by someone else is ignored, logged in the audit and not counted', async () => {
    const res = await run('approve', invocation('alice', { editedByOther: true }));
    expect(res.reply).toMatch(/Ignored/);
    expect(repo.checkRuns).toEqual([]);
    expect((await deps.audit.list(full(), 12)).map((e) => e.event)).toEqual(['ignored']);
  });

  it('a malformed policy on the base branch fails the check with file:line', async () => {
    repo.files[BASE]!['.slo-scout.yml'] = CONFIG.replace('max_cost: $100', 'max_cost: lots');
    const out = await evaluatePullRequest(deps, full(), 12, 'push');
    expect(out.conclusion).toBe('failure');
    expect(lastCheck().output.summary).toMatch(/\.slo-scout\.yml:5:\d+ .*max_cost/);
    expect(lastCheck().output.annotations?.[0]).toMatchObject({ path: '.slo-scout.yml', start_line: 5 });
  });

  it('the policy is read from the base commit: a PR that edits .slo-scout.yml cannot loosen its own policy', async () => {
    repo.files[HEAD]!['.slo-scout.yml'] = CONFIG.replace('approval_required: true', 'approval_required: false');
    repo.changed.push({ filename: '.slo-scout.yml', status: 'modified' });
    expect((await evaluatePullRequest(deps, full(), 12, 'push')).conclusion).toBe('action_required');
  });

  it('a PR that touches no SLO file passes with a title saying so', async () => {
    repo.changed = [{ filename: 'README.md', status: 'modified' }];
    expect(await evaluatePullRequest(deps, full(), 12, 'push')).toMatchObject({ conclusion: 'success', title: 'No SLO files changed' });
  });
});

describe('details page of an evaluation (issue 14)', () => {
  it('the check run links to the stored evaluation, and the page API serves its limits, cost, approvers and audit', async () => {
    const secret = 'x'.repeat(40);
    const now = () => Date.parse('2026-03-01T12:00:00Z') / 1000;
    deps.evaluations = new EvaluationStore(db.pool);
    deps.links = detailsLinks({ publicUrl: 'https://scout.acme.test/', secret, now });
    await run('approve', invocation('alice'));
    const url = new URL(lastCheck().details_url!);
    expect(url.origin + url.pathname).toBe(`https://scout.acme.test/ui/${full()}/pull/12/${HEAD}`);
    const routes = webRoutes({ data: new DbWebData(db.pool), secret, site: null, logger: silentLogger, now });
    const api = routes.find((r) => r.path === '/ui/api/evaluation')!;
    const res = await api.handle({ method: 'GET', path: api.path, headers: { authorization: `Bearer ${url.searchParams.get('t')}` }, query: new URLSearchParams({ repo: full(), pr: '12', sha: HEAD }), rawBody: Buffer.alloc(0) });
    expect(res.status).toBe(200);
    const view = EvaluationView.parse(JSON.parse(res.body as string));
    expect(view.evaluation.conclusion).toBe('success');
    expect(view.evaluation.policies[0]).toMatchObject({ approvedBy: ['alice'], approvers: { users: ['alice'] } });
    expect(view.evaluation.cost.lines.length).toBeGreaterThan(0);
    expect(view.audit.map((a) => a.event)).toEqual(expect.arrayContaining(['approve', 'verdict']));
    expect(view.decisions).toMatchObject([{ identity: 'alice', decision: 'approve' }]);
    // The same token does not open another repository's evaluation.
    const other = await api.handle({ method: 'GET', path: api.path, headers: { authorization: `Bearer ${url.searchParams.get('t')}` }, query: new URLSearchParams({ repo: 'acme/other', pr: '12' }), rawBody: Buffer.alloc(0) });
    expect(other.status).toBe(403);
  });
});

describe('Slack and PagerDuty approvals end to end', () => {
  it('a Slack click by a mapped approver counts; by an unknown Slack user it does not', async () => {
    deps.slack = new SlackClient({ token: 'xoxb-test' });
    const slack = nock('https://slack.com')
      .post('/api/chat.postMessage', (b: { channel: string }) => b.channel === 'C42').reply(200, { ok: true, channel: 'C42', ts: '100.1' })
      .post('/api/chat.postEphemeral', (b: { user: string }) => b.user === 'U999').reply(200, { ok: true })
      .post('/api/chat.update', (b: { ts: string }) => b.ts === '100.1').reply(200, { ok: true })
      .post('/api/chat.postEphemeral', (b: { user: string }) => b.user === 'U111').reply(200, { ok: true })
      .post('/api/chat.update', (b: { ts: string; text: string }) => b.ts === '100.1' && b.text.includes('Approved')).reply(200, { ok: true });
    await evaluatePullRequest(deps, full(), 12, 'push');
    const click = (user: string, ts: string) => handleSlackDecision(deps, { slackUserId: user, decision: 'approve', target: { repo: full(), pr: 12, sha: HEAD }, channel: 'C42', messageTs: '100.1', actionTs: ts });
    await click('U999', '1');
    expect(lastCheck().conclusion).toBe('action_required');
    expect(lastCheck().output.text).toMatch(/unknown approver: slack:U999/);
    await click('U111', '2');
    expect(lastCheck().conclusion).toBe('success');
    expect(slack.isDone()).toBe(true);
  });

  it('escalation triggers PagerDuty once per PR+SHA; the on-call acknowledging approves; closing resolves', async () => {
    deps.pagerduty = new PagerDutyClient({ apiToken: 'pd-token' });
    deps.env = { PD_ROUTING_DEFAULT: 'R0UTINGKEY' };
    const key = dedupKey(full(), 12, HEAD);
    const pd = nock('https://events.pagerduty.com')
      .post('/v2/enqueue', (b: { routing_key: string; event_action: string; dedup_key: string; payload: { severity: string; summary: string } }) =>
        b.routing_key === 'R0UTINGKEY' && b.event_action === 'trigger' && b.dedup_key === key && b.payload.summary.includes('tightens_critical_slo'))
      .reply(202, { status: 'success', message: 'Event processed', dedup_key: key })
      .post('/v2/enqueue', (b: { event_action: string; dedup_key: string }) => b.event_action === 'resolve' && b.dedup_key === key)
      .reply(202, { status: 'success', message: 'Event processed', dedup_key: key });
    const api = nock('https://api.pagerduty.com')
      .get('/oncalls').query({ 'escalation_policy_ids[]': 'PESC1', 'include[]': 'users' }).times(2)
      .reply(200, { oncalls: [{ escalation_level: 1, user: { id: 'PBOB', type: 'user', email: 'bob@acme.test', name: 'Bob' } }], more: false });
    await evaluatePullRequest(deps, full(), 12, 'push');
    await evaluatePullRequest(deps, full(), 12, 'push');
    expect(lastCheck().output.text).toContain('on-call engineer acknowledging');
    // Eve acknowledges but is not on call for the incident's escalation policy: refused outright.
    expect(await handlePagerDutyAck({ ...deps, pagerduty: deps.pagerduty }, { eventId: 'e0', agentId: 'PEVE', incidentId: 'Q1', escalationPolicyId: 'PESC1', target: { repo: full(), pr: 12, sha: HEAD } })).toBe('not-on-call');
    repo.files[BASE]!['.slo-scout.yml'] = CONFIG.replace('users: [alice]', 'users: [alice, bob]');
    expect(await handlePagerDutyAck({ ...deps, pagerduty: deps.pagerduty }, { eventId: 'e1', agentId: 'PBOB', incidentId: 'Q1', escalationPolicyId: 'PESC1', target: { repo: full(), pr: 12, sha: HEAD } })).toBe('recorded');
    expect(lastCheck().conclusion).toBe('success');
    repo.state = 'closed';
    expect(await resolveEscalations(deps, full(), 12)).toBe(1);
    expect(pd.isDone() && api.isDone()).toBe(true);
    const events = (await deps.audit.list(full(), 12)).map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['escalate', 'ignored', 'approve', 'resolve']));
  });
});
