/**
 * Issue 13 item 4: Policy Guard on GitLab merge requests. GitLab's REST API is mocked with nock in
 * the shapes docs.gitlab.com documents (merge requests, MR diffs, repository files and tree, MR
 * approvals and reviewers, group members, commit statuses); the stores are real PostgreSQL.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { GITLAB, testGitlabApi, testGitlabPlatform } from '../helpers/gitlab.js';
import { assertHttpMocksDone, nock, setupHttpMock, teardownHttpMock } from '../helpers/http-mock.js';
import { gitlabPolicyVcs, PolicyGitLabError, STATUS_DESCRIPTION_MAX, SUMMARY_TOPIC, summaryNoteText } from '../../app/policy/gitlab.js';
import { decisionDeps, PolicyEvaluateJob, policyWorkerDeps, splitRepo } from '../../app/policy/wiring.js';
import { handleSlackDecision, policyCommands } from '../../app/policy/handlers.js';
import { processPolicyEvaluateJob, onPolicyEvaluateFailed } from '../../workers/policy-evaluate.js';
import { classify } from '../../workers/errors.js';
import { AuditStore } from '../../app/store/audit.js';
import { NotificationStore } from '../../app/store/notifications.js';
import { SlackClient } from '../../app/chat/slack.js';
import { fixedClock } from '../../app/deps.js';
import { silentLogger } from '../../app/logger.js';
import type { CommandInvocation } from '../../app/commands/registry.js';

const BASE = 'b'.repeat(40);
const HEAD = 'c'.repeat(40);
const NEWER = 'd'.repeat(40);
const IID = 7;

const CONFIG = `policies:
  - policy_id: reviewed
    approval_required: true
    approvers: { users: [alice], teams: [platform/sre], codeowners: false }
    min_approvals: 1
    applies_to: { paths: ["slos/**"], services: ["*"] }
policy_guard:
  slack: { channel: C42, users: { U111: alice } }
`;
const slo = (target: number) => `apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: pay-latency\nspec:\n  service: checkout\n  objectives:\n    - target: ${target}\n      op: lte\n      value: 0.3\n`;

/** One GitLab project behind nock, as its REST API answers; records the commit statuses posted. */
interface FakeProject {
  path: string;
  headSha: string;
  author: string;
  state: 'opened' | 'closed' | 'merged';
  files: Record<string, Record<string, string>>;
  diffs: { old_path: string; new_path: string; new_file: boolean; renamed_file: boolean; deleted_file: boolean }[];
  approvedBy: string[];
  /** MR reviewers and their state (`GET …/reviewers`); `null` = a GitLab without that endpoint (404). */
  reviewers: { username: string; state: string }[] | null;
  reviewerReads: number;
  /** The MR's source project: 5 (the target) unless the MR comes from a fork. */
  sourceProjectId: number;
  /** Every file read as `<ref>:<path>`. */
  reads: string[];
  groups: Record<string, string[]>;
  /** A group whose members listing GitLab refuses: 403 (token scope) or 404 (not visible). */
  groupErrors: Record<string, number>;
  /** Every GET /groups/:id/members/all listing, by group path. */
  groupReads: string[];
  statuses: { sha: string; state: string; name: string; description?: string; target_url?: string; ref?: string }[];
  /** The MR's notes (GitLab Notes API), and every note write as `POST id` / `PUT id`. */
  notes: { id: number; body: string; author: string }[];
  noteWrites: string[];
}

const BOT = 'slo-scout-bot';

const users: Record<string, number> = { alice: 11, carol: 12, mallory: 13, sam: 14, bob: 15, sam2: 16 };
const userJson = (u: string) => ({ id: users[u], username: u, name: u, state: 'active', avatar_url: null, web_url: `${GITLAB}/${u}` });

function mockProject(p: FakeProject): void {
  const project = `/api/v4/projects/${encodeURIComponent(p.path)}`;
  const mr = () => ({
    id: 1000 + IID, iid: IID, project_id: 5, title: 'SLOs for checkout', description: '', state: p.state, source_branch: 'slo-scout/checkout', target_branch: 'main',
    author: { id: users[p.author], username: p.author, name: p.author, state: 'active' }, sha: p.headSha,
    diff_refs: { base_sha: BASE, head_sha: p.headSha, start_sha: BASE }, web_url: `${GITLAB}/${p.path}/-/merge_requests/${IID}`,
    source_project_id: p.sourceProjectId, target_project_id: 5, merge_status: 'can_be_merged',
  });
  nock(GITLAB).persist()
    .get(`${project}/merge_requests/${IID}`).reply(() => [200, mr()])
    .get(`${project}/merge_requests/${IID}/diffs`).query(true).reply(() => [200, p.diffs.map((d) => ({ ...d, a_mode: '100644', b_mode: '100644', diff: '@@ -1 +1 @@\n', generated_file: false }))])
    .get(`${project}/merge_requests/${IID}/approvals`).reply(() => [200, {
      id: 1000 + IID, iid: IID, project_id: 5, title: 'SLOs for checkout', state: p.state, approved: p.approvedBy.length > 0, approvals_required: 0, approvals_left: 0,
      approved_by: p.approvedBy.map((u) => ({ user: { id: users[u], username: u, name: u, state: 'active' } })),
    }])
    // docs.gitlab.com "Get single merge request reviewers": [{ user, state, created_at }].
    .get(`${project}/merge_requests/${IID}/reviewers`).query(true).reply(() => {
      p.reviewerReads++;
      if (p.reviewers === null) return [404, { message: '404 Not Found' }];
      return [200, p.reviewers.map((r) => ({ user: userJson(r.username), state: r.state, created_at: '2026-03-01T11:00:00.000Z' }))];
    })
    .get(new RegExp(`^${project.replace(/[.%]/g, (c) => `\\${c}`)}/repository/files/([^/]+)/raw\\?ref=(\\w+)$`)).reply((uri) => {
      const m = /files\/([^/]+)\/raw\?ref=(\w+)$/.exec(uri)!;
      p.reads.push(`${m[2]}:${decodeURIComponent(m[1]!)}`);
      const text = p.files[m[2]!]?.[decodeURIComponent(m[1]!)];
      return text === undefined ? [404, { message: '404 File Not Found' }] : [200, text, { 'content-type': 'text/plain' }];
    })
    .get('/api/v4/users').query(true).reply((uri) => {
      const name = new URL(uri, GITLAB).searchParams.get('username') ?? '';
      return [200, users[name] ? [{ id: users[name], username: name, name, state: 'active' }] : []];
    })
    .get(/^\/api\/v4\/groups\/[^/]+\/members\/all\/\d+$/).reply((uri) => {
      const m = /groups\/([^/]+)\/members\/all\/(\d+)$/.exec(uri)!;
      const login = Object.keys(users).find((u) => users[u] === Number(m[2]));
      const members = p.groups[decodeURIComponent(m[1]!)] ?? [];
      return login && members.includes(login) ? [200, { id: users[login], username: login, state: 'active', membership_state: 'active', access_level: 30 }] : [404, { message: '404 Not found' }];
    })
    // "List all members of a group including inherited members": one page here (pagination is tested on its own).
    .get(/^\/api\/v4\/groups\/[^/]+\/members\/all(\?.*)?$/).reply((uri) => {
      const group = decodeURIComponent(/groups\/([^/]+)\/members/.exec(uri)![1]!);
      p.groupReads.push(group);
      if (p.groupErrors[group]) return [p.groupErrors[group], { message: `${p.groupErrors[group]} Forbidden` }];
      const members = p.groups[group];
      if (!members) return [404, { message: '404 Group Not Found' }];
      return [200, members.map((u) => ({ ...userJson(u), access_level: 30, membership_state: 'active', expires_at: null }))];
    })
    // GET /user: the token's user, whose notes are the guard's own.
    .get('/api/v4/user').reply(200, { id: 99, username: BOT, name: 'SLO-Scout', state: 'active', commit_email: 'bot@example.com' })
    // Notes API: GET (paginated), POST {body}, PUT /notes/:note_id {body}; note JSON as docs.gitlab.com shows it.
    .get(`${project}/merge_requests/${IID}/notes`).query(true).reply(() => [200, p.notes.map((n) => noteJson(n))])
    .post(`${project}/merge_requests/${IID}/notes`).reply((_uri, body) => {
      const n = { id: 900 + p.notes.length, body: String((body as { body: string }).body), author: BOT };
      p.notes.push(n);
      p.noteWrites.push(`POST ${n.id}`);
      return [201, noteJson(n)];
    })
    .put(new RegExp(`^${project.replace(/[.%]/g, (c) => `\\${c}`)}/merge_requests/${IID}/notes/\\d+$`)).reply((uri, body) => {
      const n = p.notes.find((x) => x.id === Number(uri.split('/').at(-1)));
      if (!n) return [404, { message: '404 Note Not Found' }];
      if (n.author !== BOT) return [403, { message: '403 Forbidden' }];
      n.body = String((body as { body: string }).body);
      p.noteWrites.push(`PUT ${n.id}`);
      return [200, noteJson(n)];
    })
    .post(new RegExp(`^${project.replace(/[.%]/g, (c) => `\\${c}`)}/statuses/\\w+$`)).reply((uri, body) => {
      const b = body as { state: string; name: string; description?: string; target_url?: string; ref?: string };
      const sha = uri.split('/').at(-1)!;
      p.statuses.push({ sha, state: b.state, name: b.name, ...(b.description ? { description: b.description } : {}), ...(b.target_url ? { target_url: b.target_url } : {}), ...(b.ref ? { ref: b.ref } : {}) });
      return [201, { id: p.statuses.length, sha, ref: 'slo-scout/checkout', status: b.state, name: b.name, description: b.description ?? null, target_url: b.target_url ?? null }];
    });
}

const noteJson = (n: { id: number; body: string; author: string }) => ({
  id: n.id, type: null, body: n.body, attachment: null, author: { id: n.author === BOT ? 99 : 1, username: n.author, name: n.author, state: 'active' },
  created_at: '2026-03-01T12:00:00.000Z', updated_at: '2026-03-01T12:00:00.000Z', system: false, noteable_id: 1000 + IID, noteable_type: 'MergeRequest', noteable_iid: IID, resolvable: false, confidential: false, internal: false,
});

let db: TestDatabase;
let proj: FakeProject;
const clock = fixedClock('2026-03-01T12:00:00Z');
/** Jobs the approval channels enqueued (`policy-evaluate`), parsed like the queue's worker does. */
let queued: unknown[];
const queues = { get: () => ({ add: async (_n: string, d: unknown) => { queued.push(d); } }) };
// Requested changes are stamped with the time they are read (real time, as decisions are stored).
const gitlab = gitlabPolicyVcs(testGitlabApi());
const workerDeps = () => ({ logger: silentLogger, clock, pool: db.pool, gitlabPolicyVcs: async () => gitlab, env: {} as Record<string, string | undefined> });
const lastStatus = () => proj.statuses.at(-1)!;

beforeAll(async () => {
  db = await createTestDatabase();
  setupHttpMock();
});
afterAll(async () => {
  teardownHttpMock();
  await db?.drop();
});
beforeEach(() => {
  queued = [];
  proj = {
    // A subgroup project: the path has more than two segments (GitLab namespaces nest).
    path: `acme/platform/r${Math.random().toString(36).slice(2, 8)}`, headSha: HEAD, author: 'carol', state: 'opened',
    files: { [BASE]: { '.slo-scout.yml': CONFIG, 'slos/checkout.yaml': slo(0.99) }, [HEAD]: { 'slos/checkout.yaml': slo(0.999) }, [NEWER]: { 'slos/checkout.yaml': slo(0.999) } },
    diffs: [{ old_path: 'slos/checkout.yaml', new_path: 'slos/checkout.yaml', new_file: false, renamed_file: false, deleted_file: false }],
    approvedBy: [], reviewers: [], reviewerReads: 0, sourceProjectId: 5, reads: [], groups: {}, groupErrors: {}, groupReads: [], statuses: [], notes: [], noteWrites: [],
  };
  mockProject(proj);
});
afterEach(() => nock.cleanAll());

const job = (trigger: string, extra: Record<string, unknown> = {}) => ({ platform: 'gitlab', ...splitRepo(proj.path), prNumber: IID, trigger, ...extra });

function invocation(author: string, commentId: number): CommandInvocation {
  const platform = testGitlabPlatform();
  const { owner: o, repo: r } = splitRepo(proj.path);
  return {
    platform: 'gitlab', owner: o, repo: r, prNumber: IID, commentId, author, args: [], options: {}, raw: '/slo-scout approve',
    pullRequest: () => platform.getPullRequest({ owner: o, repo: r }, IID),
  };
}

describe('Policy Guard on a GitLab merge request', () => {
  it('evaluates the MR and posts the guard as a commit status on its head: failed while approval is missing', async () => {
    expect(await processPolicyEvaluateJob(job('push'), { ...workerDeps(), env: { SLO_SCOUT_PUBLIC_URL: 'https://slo.example.com', SLO_SCOUT_UI_SECRET: 's'.repeat(32) } })).toBe('action_required');
    expect(proj.statuses).toHaveLength(1);
    expect(lastStatus()).toMatchObject({ sha: HEAD, state: 'failed', name: 'SLO-Scout Policy Guard' });
    expect(lastStatus().description!.length).toBeLessThanOrEqual(STATUS_DESCRIPTION_MAX);
    expect(lastStatus().description).toBe('Approval needed (reviewed)');
    // The details page is the status's link (GitLab shows it on the pipeline's external job).
    expect(lastStatus().target_url).toMatch(/^https:\/\/slo\.example\.com\/ui\//);
  });

  it('a native GitLab approval by an allowed approver turns it success; by someone else it does not', async () => {
    proj.approvedBy = ['mallory'];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('action_required');
    proj.approvedBy = ['mallory', 'alice'];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('success');
    expect(lastStatus()).toMatchObject({ sha: HEAD, state: 'success' });
  });

  it('membership in the GitLab group named by a team rule counts (group path, members/all)', async () => {
    proj.groups['platform/sre'] = ['sam'];
    proj.approvedBy = ['sam'];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('success');
  });

  it('an approval does not outlive the head it was read for: a push moves the evaluated head away from it', async () => {
    proj.approvedBy = ['alice'];
    const vcs = gitlabPolicyVcs(testGitlabApi());
    const before = await vcs.getPullRequest(proj.path, IID);
    proj.headSha = NEWER; // pushed between the evaluator's MR read and its approvals read
    const reviews = await vcs.listReviews(proj.path, IID);
    expect(reviews).toEqual([expect.objectContaining({ login: 'alice', state: 'APPROVED', commitId: NEWER })]);
    expect(reviews[0]!.commitId).not.toBe(before.headSha);
  });

  it('`/slo-scout approve` in an MR note by an approver records it and the re-evaluation turns the status success', async () => {
    const [approve] = policyCommands(decisionDeps({ pool: db.pool, queues, logger: silentLogger, clock, env: {} }));
    const out = await approve!.run({ invocation: invocation('alice', 501), logger: silentLogger });
    expect(out.reply).toContain(`Recorded \`approve\` by @alice for ${HEAD.slice(0, 7)}`);
    // The queued job names GitLab and the project; the worker evaluates it on GitLab.
    expect(queued).toEqual([expect.objectContaining({ platform: 'gitlab', owner: 'acme/platform', repo: splitRepo(proj.path).repo, prNumber: IID, trigger: 'comment' })]);
    expect(await processPolicyEvaluateJob(queued[0], workerDeps())).toBe('success');
    expect(lastStatus()).toMatchObject({ sha: HEAD, state: 'success', name: 'SLO-Scout Policy Guard' });
  });

  it('self-approval by the MR author is refused: the status stays failed and says why', async () => {
    proj.author = 'alice'; // alice is an approver, but she opened this MR
    const [approve] = policyCommands(decisionDeps({ pool: db.pool, queues, logger: silentLogger, clock, env: {} }));
    await approve!.run({ invocation: invocation('alice', 502), logger: silentLogger });
    expect(await processPolicyEvaluateJob(queued[0], workerDeps())).toBe('action_required');
    expect(lastStatus()).toMatchObject({ sha: HEAD, state: 'failed' });
    const audit = await new AuditStore(db.pool).list(proj.path, IID);
    expect(audit.at(-1)?.reasons.join('\n')).toMatch(/@alice opened the pull request; self-approval is not allowed/);
  });

  it('keeps ONE summary note with what the status cannot hold: created once, untouched when the text is the same, edited in place when it changes', async () => {
    expect(await processPolicyEvaluateJob(job('push'), workerDeps())).toBe('action_required');
    expect(proj.noteWrites).toEqual(['POST 900']);
    const created = proj.notes[0]!.body;
    expect(created).toContain(`<!-- slo-scout:topic=${SUMMARY_TOPIC} -->`);
    expect(created).toContain('### SLO-Scout Policy Guard: Approval needed (reviewed)');
    // Who may approve and how, which the 255-character status description has no room for.
    expect(created).toMatch(/\| `reviewed` \| ⏳ waiting for approval \| 0\/1 \| @\u200Dalice, team @\u200Dplatform\/sre \|/);
    expect(created).toContain('comment `/slo-scout approve [reason]` (or `/slo-scout reject [reason]`) on this merge request');
    // GitLab's words and its own Approve button, never GitHub's.
    expect(created).toContain('press Approve on this merge request in GitLab (it counts for the current head only; a review submitted with Request changes rejects)');
    expect(created).toContain('### What this merge request changes');
    expect(created).not.toMatch(/pull request|review on the current head/i);
    expect(created).toContain(`on \`${HEAD.slice(0, 7)}\``);
    // Mentions are neutralised: editing the note must not ping every approver.
    expect(created).not.toMatch(/(^|[\s(])@alice/);

    // Re-evaluation with nothing new: the status is posted again, the note is not touched.
    expect(await processPolicyEvaluateJob(job('push'), workerDeps())).toBe('action_required');
    expect(proj.statuses).toHaveLength(2);
    expect(proj.noteWrites).toEqual(['POST 900']);

    // A decision that does not count shows up there, with the reason, in the same note.
    proj.approvedBy = ['mallory'];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('action_required');
    expect(proj.noteWrites).toEqual(['POST 900', 'PUT 900']);
    expect(proj.notes[0]!.body).toMatch(/mallory.*not an approver|not an approver.*mallory/i);
    proj.approvedBy = ['alice'];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('success');
    expect(proj.noteWrites).toEqual(['POST 900', 'PUT 900', 'PUT 900']);
    expect(proj.notes).toHaveLength(1);
    expect(proj.notes[0]!.body).toContain('### SLO-Scout Policy Guard: ');
    expect(proj.notes[0]!.body).toMatch(/\| `reviewed` \| ✅ approved \| 1\/1 \(@\u200Dalice\) \|/);
    expect(proj.notes[0]!.body).toContain('The guard ✅ passes');
    expect(lastStatus()).toMatchObject({ sha: HEAD, state: 'success' });
  });

  it("a note by someone else carrying the marker is never edited: the guard writes its own", async () => {
    const marker = `<!-- slo-scout:topic=${SUMMARY_TOPIC} -->\nall approved, merge away`;
    proj.notes.push({ id: 42, body: marker, author: 'mallory' });
    expect(await processPolicyEvaluateJob(job('push'), workerDeps())).toBe('action_required');
    expect(proj.noteWrites).toEqual(['POST 901']);
    expect(proj.notes.find((n) => n.id === 42)!.body).toBe(marker);
  });

  it('the neutral status of a failed evaluation carries its cause into the note too', async () => {
    await onPolicyEvaluateFailed(job('push'), Object.assign(new Error('GitLab answered 503'), { status: 503 }), workerDeps());
    expect(lastStatus()).toMatchObject({ state: 'failed' });
    expect(proj.notes).toHaveLength(1);
    expect(proj.notes[0]!.body).toContain('could not evaluate');
    expect(proj.notes[0]!.body).toContain('Cause: `GitLab answered 503`');
  });

  it('the summary note text is the check run\'s title, summary and text, and nothing volatile', () => {
    const run = { headSha: HEAD, prNumber: IID, conclusion: 'failure' as const, title: 'Outside policy (reviewed)', summary: '- too many services', text: '### Policies\n\n| x |', detailsUrl: 'https://slo.example.com/ui/x?t=signed-and-expiring' };
    const text = summaryNoteText(run);
    expect(text.split('\n')[0]).toBe('### SLO-Scout Policy Guard: Outside policy (reviewed)');
    expect(text).toContain('- too many services\n\n### Policies');
    expect(text).not.toContain('signed-and-expiring');
    expect(summaryNoteText({ ...run, detailsUrl: 'https://slo.example.com/ui/x?t=other' })).toBe(text);
  });

  it('a Slack approval of a GitLab MR re-evaluates the GitLab MR (the notification remembers the platform)', async () => {
    const slackCalls: string[] = [];
    nock('https://slack.com').persist()
      .post('/api/chat.postMessage').reply(() => { slackCalls.push('post'); return [200, { ok: true, channel: 'C42', ts: '200.1' }]; })
      .post('/api/chat.update').reply(() => { slackCalls.push('update'); return [200, { ok: true }]; })
      .post('/api/chat.postEphemeral').reply(200, { ok: true });
    const env = { SLACK_BOT_TOKEN: 'xoxb-test' };
    expect(await processPolicyEvaluateJob(job('push'), { ...workerDeps(), env })).toBe('action_required');
    expect((await new NotificationStore(db.pool).find(proj.path, IID, 'slack', HEAD))?.ref).toMatchObject({ platform: 'gitlab', channel: 'C42' });
    const d = decisionDeps({ pool: db.pool, queues, logger: silentLogger, clock, env: {} });
    await handleSlackDecision({ ...d, slack: new SlackClient({ token: 'xoxb-test' }) }, { slackUserId: 'U111', decision: 'approve', target: { repo: proj.path, pr: IID, sha: HEAD }, channel: 'C42', messageTs: '200.1', actionTs: '2' });
    expect(queued).toEqual([expect.objectContaining({ platform: 'gitlab', prNumber: IID, trigger: 'slack' })]);
    expect((queued[0] as { installationId?: number }).installationId).toBeUndefined();
    expect(await processPolicyEvaluateJob(queued[0], { ...workerDeps(), env })).toBe('success');
    expect(lastStatus()).toMatchObject({ sha: HEAD, state: 'success' });
    expect(slackCalls).toEqual(['post', 'update']);
  });
});

describe('GitLab reviews: "Request changes" rejects, like a CHANGES_REQUESTED review on GitHub', () => {
  it("a reviewer's requested changes block the MR and the note says who; their approval at the new head turns it green", async () => {
    proj.reviewers = [{ username: 'alice', state: 'requested_changes' }, { username: 'sam', state: 'unreviewed' }];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('failure');
    expect(lastStatus()).toMatchObject({ sha: HEAD, state: 'failed', description: 'Blocked by policy reviewed' });
    // Who rejected is in the note (mention neutralised), not only in the audit.
    expect(proj.notes[0]!.body).toContain('reviewed: rejected by @\u200Dalice');
    const audit = await new AuditStore(db.pool).list(proj.path, IID);
    expect(audit.at(-1)?.reasons).toContain('reviewed: rejected by @alice');

    // A push, then alice approves in GitLab: her reviewer state becomes `approved`.
    proj.headSha = NEWER;
    proj.reviewers = [{ username: 'alice', state: 'approved' }, { username: 'sam', state: 'unreviewed' }];
    proj.approvedBy = ['alice'];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('success');
    expect(lastStatus()).toMatchObject({ sha: NEWER, state: 'success' });
    expect(proj.notes).toHaveLength(1);
    expect(proj.notes[0]!.body).not.toContain('rejected by');
  });

  it('while GitLab still shows the reviewer requesting changes, a `/slo-scout approve` note by them does not outweigh it', async () => {
    const [approve] = policyCommands(decisionDeps({ pool: db.pool, queues, logger: silentLogger, clock, env: {} }));
    await approve!.run({ invocation: invocation('alice', 503), logger: silentLogger });
    proj.reviewers = [{ username: 'alice', state: 'requested_changes' }];
    expect(await processPolicyEvaluateJob(queued[0], workerDeps())).toBe('failure');
  });

  it('should an approval and a request for changes by the same person both show (a race between reads), the request for changes wins', async () => {
    proj.approvedBy = ['alice'];
    proj.reviewers = [{ username: 'alice', state: 'requested_changes' }];
    const vcs = gitlabPolicyVcs(testGitlabApi(), { now: () => new Date('2026-03-01T12:05:00Z') });
    expect(await vcs.listReviews(proj.path, IID)).toEqual([
      { id: users.alice, login: 'alice', state: 'CHANGES_REQUESTED', commitId: HEAD, submittedAt: '2026-03-01T12:05:00.000Z' },
    ]);
  });

  it('a requested change by someone who may not approve is listed as a decision that did not count', async () => {
    proj.reviewers = [{ username: 'mallory', state: 'requested_changes' }];
    proj.approvedBy = ['alice'];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('success');
    expect(proj.notes[0]!.body).toMatch(/reject by `mallory` via review: @\u200Dmallory is not an approver/);
  });

  it('a GitLab without the reviewers endpoint (it answers 404) degrades to approvals only; the guard still decides', async () => {
    proj.reviewers = null;
    expect(await processPolicyEvaluateJob(job('push'), workerDeps())).toBe('action_required');
    proj.approvedBy = ['alice'];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('success');
    expect(lastStatus()).toMatchObject({ sha: HEAD, state: 'success' });
    // The endpoint was asked each time: the degradation is the 404, not a skipped read.
    expect(proj.reviewerReads).toBe(2);
  });

  it('any other failure of the reviewers endpoint is an error, never an empty list that would pass', async () => {
    nock.cleanAll();
    const project = `/api/v4/projects/${encodeURIComponent(proj.path)}`;
    nock(GITLAB)
      .get(`${project}/merge_requests/${IID}/approvals`).reply(200, { approved_by: [{ user: { id: users.alice, username: 'alice' } }] })
      .get(`${project}/merge_requests/${IID}/reviewers`).query(true).reply(500, { message: '500 Internal Server Error' });
    const err = await gitlab.listReviews(proj.path, IID).catch((e: unknown) => e) as PolicyGitLabError;
    expect(err).toBeInstanceOf(PolicyGitLabError);
    expect(err.message).toMatch(/merge_requests\/:iid\/reviewers .* failed with HTTP 500/);
    expect(classify(err)).toBe('transient');
    assertHttpMocksDone();
  });

  it('reviewers are read across pages (Link: rel="next")', async () => {
    nock.cleanAll();
    const project = `/api/v4/projects/${encodeURIComponent(proj.path)}`;
    const page1 = Array.from({ length: 100 }, (_, i) => ({ user: { id: 1000 + i, username: `r${i}` }, state: 'reviewed', created_at: '2026-03-01T11:00:00.000Z' }));
    nock(GITLAB)
      .get(`${project}/merge_requests/${IID}/approvals`).reply(200, { approved_by: [] })
      .get(`${project}/merge_requests/${IID}/reviewers`).query({ per_page: '100' })
      .reply(200, page1, { link: `<${GITLAB}${project}/merge_requests/${IID}/reviewers?page=2&per_page=100>; rel="next"` })
      .get(`${project}/merge_requests/${IID}/reviewers`).query({ page: '2', per_page: '100' })
      .reply(200, [{ user: { id: users.carol, username: 'carol' }, state: 'requested_changes', created_at: '2026-03-01T11:00:00.000Z' }])
      .get(`${project}/merge_requests/${IID}`).reply(200, { iid: IID, state: 'opened', sha: HEAD, diff_refs: { base_sha: BASE, head_sha: HEAD, start_sha: BASE }, author: { username: 'carol' }, web_url: 'x' });
    expect(await gitlab.listReviews(proj.path, IID)).toEqual([expect.objectContaining({ login: 'carol', state: 'CHANGES_REQUESTED', commitId: HEAD })]);
    assertHttpMocksDone();
  });
});

describe("GitLab CODEOWNERS: GitLab's locations and sections", () => {
  const OWNED = `policies:
  - policy_id: owned
    approval_required: true
    approvers: { users: [], teams: [], codeowners: true }
    min_approvals: 1
    applies_to: { paths: ["slos/**"], services: ["*"] }
`;
  const CODEOWNERS = [
    '# GitLab syntax: sections, default owners, group paths, e-mail owners',
    '* @carol',
    '',
    '[SLOs] @platform/sre',
    'slos/',
    'slos/legacy/ @mallory',
    '',
    '^[Payments][2] @alice',
    '/slos/checkout.yaml bob@example.com @bob',
  ].join('\n');

  beforeEach(() => {
    proj.author = 'sam';
    proj.files[BASE]!['.slo-scout.yml'] = OWNED;
    // GitHub's location on the same base: GitLab never reads it, so its owner never counts.
    proj.files[BASE]!['.github/CODEOWNERS'] = '* @mallory\n';
    proj.files[BASE]!['.gitlab/CODEOWNERS'] = CODEOWNERS;
  });

  // Required here: the entries before any section (`*`: carol) and [SLOs] (`slos/`: the group
  // platform/sre); [Payments] is optional. Each required one needs an approval of its own.
  it.each([
    ['bob alone, owner in the optional [Payments] section only', ['bob'], 'action_required'],
    ['sam2 alone, in the group named as [SLOs] default owner (platform/sre)', ['sam2'], 'action_required'],
    ['carol alone, owner by the rules before any section', ['carol'], 'action_required'],
    ['carol and sam2: every required section has its approval', ['carol', 'sam2'], 'success'],
    ['carol and bob: [SLOs] still has none (an optional section stands in for no other)', ['carol', 'bob'], 'action_required'],
    ['mallory, owner of slos/legacy/ only and of .github/CODEOWNERS', ['mallory'], 'action_required'],
  ])('an approval by %s', async (_case, approvers, expected) => {
    proj.groups['platform/sre'] = ['sam2'];
    proj.approvedBy = approvers as string[];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe(expected);
    // GitLab's order, first found wins: CODEOWNERS, docs/CODEOWNERS, then .gitlab/CODEOWNERS; never .github/.
    const read = proj.reads.filter((r) => r.endsWith('CODEOWNERS'));
    expect(read.sort()).toEqual([`${BASE}:.gitlab/CODEOWNERS`, `${BASE}:CODEOWNERS`, `${BASE}:docs/CODEOWNERS`]);
  });

  it('the note lists the code owners of the change from every section', async () => {
    expect(await processPolicyEvaluateJob(job('push'), workerDeps())).toBe('action_required');
    expect(proj.notes[0]!.body).toMatch(/code owner @\u200Dbob, code owner @\u200Dcarol, code owner @\u200Dplatform\/sre/);
    expect(proj.notes[0]!.body).not.toMatch(/code owner @\u200Dmallory/);
  });

  it('a root CODEOWNERS comes first in GitLab\'s order: .gitlab/CODEOWNERS is then not used', async () => {
    proj.files[BASE]!.CODEOWNERS = '* @carol\n';
    proj.approvedBy = ['carol'];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('success');
    // bob owns files in .gitlab/CODEOWNERS only, mallory in .github/CODEOWNERS only: neither is read.
    for (const other of ['bob', 'mallory']) {
      proj.approvedBy = [other];
      expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('action_required');
    }
  });
});

describe('GitLab CODEOWNERS section counts and group owners', () => {
  const OWNED = (extra = '') => `policies:
  - policy_id: owned
    approval_required: true
    approvers: { users: [], teams: [], codeowners: true }
    min_approvals: 1
    applies_to: { paths: ["slos/**"], services: ["*"] }
${extra}`;

  beforeEach(() => {
    proj.author = 'sam';
    proj.files[BASE]!['.slo-scout.yml'] = OWNED();
  });
  const note = () => proj.notes[0]!.body;

  it('[SLOs][2] owned by a subgroup needs two of its members: the note names the section, its count, who can approve and how many more', async () => {
    proj.files[BASE]!.CODEOWNERS = '[SLOs][2] @platform/sre\nslos/\n';
    proj.groups['platform/sre'] = ['alice', 'carol', 'bob'];
    proj.approvedBy = ['alice'];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('action_required');
    expect(lastStatus()).toMatchObject({ state: 'failed', description: 'Approval needed (owned)' });
    // min_approvals (1) is met; the section is not.
    expect(note()).toContain('owned: CODEOWNERS [SLOs] `slos/` needs 2 approvals from @\u200Dplatform/sre (group): 1 more needed; approved by @\u200Dalice');
    expect(note()).toContain('| `owned` | [SLOs] | `slos/` | 1/2 (@\u200Dalice) | ⏳ 1 more needed | @\u200Dplatform/sre (group) |');
    proj.approvedBy = ['alice', 'carol'];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('success');
    expect(note()).toContain('| `owned` | [SLOs] | `slos/` | 2/2 (@\u200Dalice, @\u200Dcarol) | ✅ |');
    // One members listing per group per evaluation, though two approvers were checked against it.
    expect(proj.groupReads.filter((g) => g === 'platform/sre')).toEqual(['platform/sre', 'platform/sre']);
  });

  it('a top-level `@group` resolves to its members; a bare `@user` (no such group) stays a username', async () => {
    proj.files[BASE]!.CODEOWNERS = '* @carol\n[SLOs]\nslos/ @platform\n';
    proj.groups.platform = ['bob'];
    proj.approvedBy = ['bob'];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('action_required');
    expect(note()).toContain('the entries before any section `*` needs 1 approval from @\u200Dcarol: 1 more needed');
    proj.approvedBy = ['bob', 'carol'];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('success');
    // Who may approve lists the group as a group.
    expect(note()).toMatch(/code owner @\u200Dcarol, code owner @\u200Dplatform/);
    expect(proj.groupReads).toContain('carol');
  });

  it('optional sections need no approval; a [Section][3] with two owners can never be met, and the note says how to fix it', async () => {
    proj.files[BASE]!.CODEOWNERS = '^[Docs] @mallory\nslos/\n[Leads][3]\nslos/ @alice @carol\n';
    proj.approvedBy = ['alice', 'carol'];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('action_required');
    expect(note()).toContain('3 approvals are required but only 2 people can give them; lower the count in the [Leads] header or add owners to `slos/`');
    expect(note()).not.toMatch(/\[Docs\] `slos\/` needs/);
  });

  it('the policy\'s min_approvals still applies on top of the sections', async () => {
    proj.files[BASE]!['.slo-scout.yml'] = OWNED().replace('min_approvals: 1', 'min_approvals: 2');
    proj.files[BASE]!.CODEOWNERS = '[SLOs]\nslos/ @alice @carol\n';
    proj.approvedBy = ['alice'];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('action_required');
    expect(note()).toContain('owned: waiting for approval (1/2)');
    proj.approvedBy = ['alice', 'carol'];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('success');
  });

  it.each([
    [403, /could not be resolved: GitLab answered 403 .*give GITLAB_TOKEN the `api` \(or `read_api`\) scope/],
    [404, /could not be resolved: GitLab answered 404 .*make the group visible to the bot user/],
  ])('a group owner GitLab answers %i for: its members approve nothing, and the note says it could not be resolved and how to fix it', async (status, says) => {
    proj.files[BASE]!.CODEOWNERS = '[SLOs]\nslos/ @platform/sre\n';
    proj.groups['platform/sre'] = ['alice'];
    proj.groupErrors['platform/sre'] = status;
    proj.approvedBy = ['alice'];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('action_required');
    expect(lastStatus()).toMatchObject({ state: 'failed' });
    expect(note()).toMatch(says);
    // Not as team membership either: the per-user members endpoint is not asked (that would pass alice).
    expect(note()).toMatch(/ignored approve by alice via review: @\u200Dalice is not an approver/);
  });

  it('an unreadable code-owner group that is also a policy team is still checked per person for the policy, not for its section', async () => {
    proj.files[BASE]!['.slo-scout.yml'] = OWNED().replace('teams: []', 'teams: [platform/sre]');
    proj.files[BASE]!.CODEOWNERS = '[SLOs]\nslos/ @platform/sre\n';
    proj.groups['platform/sre'] = ['alice'];
    proj.groupErrors['platform/sre'] = 403;
    proj.approvedBy = ['alice'];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('action_required');
    expect(note()).not.toMatch(/alice is not an approver/);
    expect(note()).toContain('owned: min_approvals met by @\u200Dalice (1/1); CODEOWNERS sections still wait');
    expect(note()).toMatch(/@\u200Dplatform\/sre could not be resolved: GitLab answered 403/);
  });

  it('a members read that fails otherwise fails the evaluation (retried), never an empty group', async () => {
    proj.files[BASE]!.CODEOWNERS = '[SLOs]\nslos/ @platform/sre\n';
    proj.groupErrors['platform/sre'] = 500;
    proj.approvedBy = ['alice'];
    const err = await processPolicyEvaluateJob(job('review'), workerDeps()).catch((e: unknown) => e) as PolicyGitLabError;
    expect(err).toBeInstanceOf(PolicyGitLabError);
    expect(err.message).toMatch(/GET \/groups\/:id\/members\/all \(platform\/sre\) failed with HTTP 500/);
    expect(classify(err)).toBe('transient');
  });
});

describe('GitLab group members (GET /groups/:id/members/all)', () => {
  const member = (username: string, extra: Record<string, unknown> = {}) => ({ id: username.length, username, name: username, state: 'active', access_level: 30, membership_state: 'active', ...extra });

  it('reads every page; blocked, awaiting and Minimal Access members are left out', async () => {
    nock.cleanAll();
    const page1 = Array.from({ length: 100 }, (_, i) => member(`m${i}`));
    nock(GITLAB)
      .get('/api/v4/groups/acme%2Fsre/members/all').query({ per_page: '100' })
      .reply(200, page1, { link: `<${GITLAB}/api/v4/groups/acme%2Fsre/members/all?page=2&per_page=100>; rel="next"` })
      .get('/api/v4/groups/acme%2Fsre/members/all').query({ page: '2', per_page: '100' })
      .reply(200, [member('Zoe'), member('blocked', { state: 'blocked' }), member('awaiting', { membership_state: 'awaiting' }), member('minimal', { access_level: 5 })]);
    const got = await gitlab.groupMembers!('acme/sre');
    expect(got).toMatchObject({ kind: 'members', group: 'acme/sre', truncated: false });
    const usernames = (got as { usernames: string[] }).usernames;
    expect(usernames).toHaveLength(101);
    expect(usernames).toContain('zoe');
    expect(usernames).not.toEqual(expect.arrayContaining(['blocked']));
    expect(usernames.filter((u) => ['blocked', 'awaiting', 'minimal'].includes(u))).toEqual([]);
    assertHttpMocksDone();
  });

  it('stops at 10 pages (1000 members) and says the listing is truncated, so the rest is checked one approver at a time', async () => {
    nock.cleanAll();
    const pages: number[] = [];
    nock(GITLAB).persist().get('/api/v4/groups/big/members/all').query(true).reply((uri) => {
      const page = Number(new URL(uri, GITLAB).searchParams.get('page') ?? 1);
      pages.push(page);
      return [200, Array.from({ length: 100 }, (_, i) => member(`p${page}m${i}`)), { link: `<${GITLAB}/api/v4/groups/big/members/all?page=${page + 1}&per_page=100>; rel="next"` }];
    });
    const got = await gitlab.groupMembers!('big');
    expect(got).toMatchObject({ kind: 'members', truncated: true });
    expect(pages).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    nock.cleanAll();
  });

  it('a reply of the wrong shape is a permanent error naming the request; a path that is no group path is not sent', async () => {
    nock.cleanAll();
    nock(GITLAB).get('/api/v4/groups/acme%2Fsre/members/all').query(true).reply(200, { message: 'not a list' });
    const err = await gitlab.groupMembers!('acme/sre').catch((e: unknown) => e) as PolicyGitLabError;
    expect(err.message).toMatch(/members\/all \(acme\/sre\) answered an unexpected shape/);
    expect(classify(err)).toBe('permanent');
    expect(await gitlab.groupMembers!('../../users')).toMatchObject({ kind: 'missing', status: 0 });
    assertHttpMocksDone();
  });
});

describe('a merge request from a fork', () => {
  beforeEach(() => {
    proj.sourceProjectId = 77;
    // The fork's head carries a permissive policy: it must never be the one applied.
    proj.files[HEAD]!['.slo-scout.yml'] = 'policies: []\n';
  });

  it('is judged by the target base\'s policy, its head read from the target, and its status posted to the target with the MR head ref', async () => {
    expect(await processPolicyEvaluateJob(job('push'), workerDeps())).toBe('action_required');
    expect(lastStatus()).toMatchObject({ sha: HEAD, state: 'failed', name: 'SLO-Scout Policy Guard', ref: `refs/merge-requests/${IID}/head` });
    // The policy only from the base; the head only for the changed SLO file. Every read went to
    // the target project (nock serves only it: a read from the fork would have failed the job).
    expect(proj.reads.filter((r) => r.endsWith('.slo-scout.yml'))).toEqual([`${BASE}:.slo-scout.yml`]);
    expect(proj.reads).toContain(`${HEAD}:slos/checkout.yaml`);
    proj.approvedBy = ['alice'];
    expect(await processPolicyEvaluateJob(job('review'), workerDeps())).toBe('success');
    expect(lastStatus()).toMatchObject({ sha: HEAD, state: 'success', ref: `refs/merge-requests/${IID}/head` });
  });

  it('the status of a failed evaluation goes to the same ref', async () => {
    await onPolicyEvaluateFailed(job('push'), Object.assign(new Error('GitLab answered 503'), { status: 503 }), workerDeps());
    expect(lastStatus()).toMatchObject({ sha: HEAD, state: 'failed', ref: `refs/merge-requests/${IID}/head` });
  });

  it('an MR within one project posts without a ref, so GitLab joins the status to that commit\'s newest pipeline', async () => {
    proj.sourceProjectId = 5;
    expect(await processPolicyEvaluateJob(job('push'), workerDeps())).toBe('action_required');
    expect(lastStatus().ref).toBeUndefined();
  });
});

describe('GitLab lists are read to the end (Link: rel="next", as GitLab paginates)', () => {
  it('changed files come from every page of the MR diffs, with renames and deletions mapped', async () => {
    nock.cleanAll();
    const project = `/api/v4/projects/${encodeURIComponent(proj.path)}`;
    const page1 = Array.from({ length: 100 }, (_, i) => ({ old_path: `slos/s${i}.yaml`, new_path: `slos/s${i}.yaml`, new_file: true, renamed_file: false, deleted_file: false, diff: '' }));
    nock(GITLAB)
      .get(`${project}/merge_requests/${IID}/diffs`).query({ per_page: '100' })
      .reply(200, page1, { link: `<${GITLAB}${project}/merge_requests/${IID}/diffs?page=2&per_page=100>; rel="next", <${GITLAB}${project}/merge_requests/${IID}/diffs?page=2&per_page=100>; rel="last"`, 'x-next-page': '2' })
      .get(`${project}/merge_requests/${IID}/diffs`).query({ page: '2', per_page: '100' })
      .reply(200, [
        { old_path: 'slos/old.yaml', new_path: 'slos/new.yaml', new_file: false, renamed_file: true, deleted_file: false, diff: '' },
        { old_path: 'slos/gone.yaml', new_path: 'slos/gone.yaml', new_file: false, renamed_file: false, deleted_file: true, diff: '' },
      ]);
    const files = await gitlab.listChangedFiles(proj.path, IID);
    expect(files).toHaveLength(102);
    expect(files.slice(-2)).toEqual([{ path: 'slos/new.yaml', previousPath: 'slos/old.yaml', status: 'renamed' }, { path: 'slos/gone.yaml', status: 'removed' }]);
    assertHttpMocksDone();
  });

  it('the tree is listed recursively across pages; only blobs are files', async () => {
    nock.cleanAll();
    const project = `/api/v4/projects/${encodeURIComponent(proj.path)}`;
    nock(GITLAB)
      .get(`${project}/repository/tree`).query({ ref: BASE, recursive: 'true', per_page: '100' })
      .reply(200, [{ id: '1', name: 'slos', type: 'tree', path: 'slos', mode: '040000' }, { id: '2', name: 'a.yaml', type: 'blob', path: 'slos/a.yaml', mode: '100644' }],
        { link: `<${GITLAB}${project}/repository/tree?page_token=abc&pagination=keyset&per_page=100&recursive=true&ref=${BASE}>; rel="next"` })
      .get(`${project}/repository/tree`).query({ page_token: 'abc', pagination: 'keyset', per_page: '100', recursive: 'true', ref: BASE })
      .reply(200, [{ id: '3', name: 'b.yaml', type: 'blob', path: 'slos/b.yaml', mode: '100644' }]);
    expect(await gitlab.listFiles(proj.path, BASE)).toEqual(['slos/a.yaml', 'slos/b.yaml']);
    assertHttpMocksDone();
  });
});

describe('GitLab failures are errors with their cause, never TypeErrors', () => {
  // 500, not 502: gitbeaker itself retries 429 and 502 before it gives up.
  it('a 500 on the MR diffs is a transient PolicyGitLabError with status and cause, naming the request', async () => {
    nock.cleanAll();
    nock(GITLAB).get(`/api/v4/projects/${encodeURIComponent(proj.path)}/merge_requests/${IID}/diffs`).query(true).reply(500, { message: '500 Internal Server Error' });
    const err = await gitlab.listChangedFiles(proj.path, IID).catch((e: unknown) => e) as PolicyGitLabError;
    expect(err).toBeInstanceOf(PolicyGitLabError);
    expect(err.message).toMatch(/merge_requests\/:iid\/diffs .*!7\) failed with HTTP 500/);
    expect(err.status).toBe(500);
    expect(err.cause).toBeDefined();
    expect(classify(err)).toBe('transient');
    assertHttpMocksDone();
  });

  it('a tree reply of the wrong shape is permanent and says what was wrong', async () => {
    nock.cleanAll();
    nock(GITLAB).get(`/api/v4/projects/${encodeURIComponent(proj.path)}/repository/tree`).query(true).reply(200, { message: 'not a list' });
    const err = await gitlab.listFiles(proj.path, BASE).catch((e: unknown) => e) as PolicyGitLabError;
    expect(err).toBeInstanceOf(PolicyGitLabError);
    expect(err.message).toMatch(/repository\/tree .*unexpected shape/);
    expect(classify(err)).toBe('permanent');
    assertHttpMocksDone();
  });

  it('the evaluation job rejects with that error, and its final failure leaves a failed status carrying the cause', async () => {
    nock.cleanAll();
    const project = `/api/v4/projects/${encodeURIComponent(proj.path)}`;
    nock(GITLAB).get(`${project}/merge_requests/${IID}`).reply(200, { iid: IID, state: 'opened', sha: HEAD, diff_refs: { base_sha: BASE, head_sha: HEAD, start_sha: BASE }, author: { username: 'carol' }, web_url: 'x' })
      .get(`${project}/repository/files/.slo-scout.yml/raw`).query(true).reply(200, CONFIG)
      .get(`${project}/merge_requests/${IID}/diffs`).query(true).reply(503, { message: '503 Service Unavailable' });
    const err = await processPolicyEvaluateJob(job('push'), workerDeps()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyGitLabError);
    expect((err as Error).message).toContain('HTTP 503');
    mockProject(proj);
    await onPolicyEvaluateFailed(job('push'), err, workerDeps());
    expect(lastStatus()).toMatchObject({ sha: HEAD, state: 'failed', name: 'SLO-Scout Policy Guard' });
    expect(lastStatus().description).toMatch(/could not evaluate.*HTTP 503/);
    expect(lastStatus().description!.length).toBeLessThanOrEqual(STATUS_DESCRIPTION_MAX);
  });

  it('a GitLab job on a worker without GITLAB_TOKEN fails permanently saying what to set', async () => {
    const err = await processPolicyEvaluateJob(job('push'), { logger: silentLogger, clock, pool: db.pool }).catch((e: unknown) => e);
    expect(classify(err)).toBe('permanent');
    expect((err as Error).message).toMatch(/GITLAB_TOKEN/);
  });
});

describe('the policy-evaluate job', () => {
  it('the worker wiring has a GitLab PolicyVcs exactly when GITLAB_TOKEN is set, and needs no GitHub App for it', async () => {
    const noGithub = () => Promise.reject(new Error('no GitHub App'));
    expect(policyWorkerDeps(noGithub, {}).gitlabPolicyVcs).toBeUndefined();
    const wiring = policyWorkerDeps(noGithub, { GITLAB_TOKEN: 'glpat-test', GITLAB_URL: `${GITLAB}/` });
    const vcs = await wiring.gitlabPolicyVcs!();
    // The client it built talks to GITLAB_URL with the token (nock matches host and header).
    nock.cleanAll();
    nock(GITLAB).matchHeader('private-token', 'glpat-test').get('/api/v4/projects/acme%2Fx/merge_requests/1')
      .reply(200, { iid: 1, state: 'merged', sha: HEAD, diff_refs: { base_sha: BASE, head_sha: HEAD, start_sha: BASE }, author: { username: 'carol' }, web_url: `${GITLAB}/acme/x/-/merge_requests/1` });
    expect(await vcs.getPullRequest('acme/x', 1)).toEqual({ number: 1, state: 'closed', merged: true, headSha: HEAD, baseSha: BASE, author: 'carol', url: `${GITLAB}/acme/x/-/merge_requests/1` });
    assertHttpMocksDone();
  });

  it('defaults to GitHub, so jobs queued before GitLab had a guard still parse', () => {
    expect(PolicyEvaluateJob.parse({ owner: 'acme', repo: 'x', prNumber: 3 }).platform).toBe('github');
    expect(PolicyEvaluateJob.parse({ platform: 'gitlab', owner: 'acme/platform', repo: 'slos', prNumber: 3 })).toMatchObject({ platform: 'gitlab', owner: 'acme/platform' });
  });
});
