import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { schedulerId } from '../../app/schedule.js';
import { topicMarker } from '../../app/vcs/pr.js';
import { GITLAB_WEBHOOK_SECRET, startTestStack, type TestStack } from '../helpers/app-stack.js';
import { GITLAB_BOT, PROJECT, gitlabScope, mergeRequest, note, testGitlabPlatform } from '../helpers/gitlab.js';
import { assertHttpMocksDone, setupHttpMock, teardownHttpMock } from '../helpers/http-mock.js';
import { waitFor } from '../helpers/wait.js';
import { createRedis } from '../../app/queues.js';
import { startWorkers } from '../../workers/run.js';
import { REDIS_URL } from '../helpers/redis.js';
import { workerDeps } from '../helpers/worker-stack.js';

const CONFIG = 'version: 1\npullRequests:\n  labels: [slo]\nschedule:\n  cron: "0 7 * * 2"\n';

let stack: TestStack;
let deps: ReturnType<typeof workerDeps>;
let workers: ReturnType<typeof startWorkers>;
const connection = createRedis(REDIS_URL);
beforeAll(async () => {
  setupHttpMock();
  stack = await startTestStack();
  const github = workerDeps(stack);
  const gitlab = testGitlabPlatform();
  deps = { ...github, platformFor: async (kind, id) => (kind === 'gitlab' ? gitlab : github.platformFor(kind, id)) };
  // Only the webhook queue: a queued analysis stays in Redis where the test can look at it.
  workers = startWorkers(deps, { connection, prefix: stack.prefix }, { concurrency: 2, queues: ['webhook'] });
});
afterEach(() => assertHttpMocksDone());
afterAll(async () => {
  await workers?.close();
  await deps?.queues.close();
  connection.disconnect();
  await stack?.close();
  teardownHttpMock();
});

function mockConfig(ref = 'main') {
  const s = gitlabScope();
  if (ref === 'main') s.get(PROJECT).reply(200, { id: 5, path_with_namespace: 'acme/slos', default_branch: 'main' });
  s.get(`${PROJECT}/repository/files/.slo-scout.yml/raw`).query({ ref }).reply(200, CONFIG);
}
function mockEyes(noteId: number) {
  gitlabScope().post(`${PROJECT}/merge_requests/1/notes/${noteId}/award_emoji`, (b) => b.name === 'eyes').reply(201, { id: 1, name: 'eyes', user: { username: GITLAB_BOT.botLogin } });
}
function mockAnswer(topic: string, match: RegExp) {
  gitlabScope()
    .get(`${PROJECT}/merge_requests/1/notes`).query(true).reply(200, [])
    .post(`${PROJECT}/merge_requests/1/notes`, (b) => b.body.startsWith(topicMarker(topic)) && match.test(b.body)).reply(201, note(900, 'x', GITLAB_BOT.botLogin));
}

/** A "Comment on merge request" webhook (docs.gitlab.com, Webhook events -> Comment events). */
function notePayload(text: string, username: string, noteId: number) {
  return {
    object_kind: 'note', event_type: 'note',
    user: { id: 12, name: username, username },
    project_id: 5,
    project: { id: 5, name: 'slos', path_with_namespace: 'acme/slos', default_branch: 'main', web_url: 'https://gitlab.example.com/acme/slos' },
    object_attributes: { id: noteId, note: text, noteable_type: 'MergeRequest', author_id: 12, project_id: 5, system: false, action: 'create' },
    merge_request: { id: 1001, iid: 1, source_branch: 'slo-scout/checkout', target_branch: 'main', source_project_id: 5, target_project_id: 5, state: 'opened' },
  };
}

async function post(event: string, payload: unknown, token = GITLAB_WEBHOOK_SECRET) {
  const uuid = randomUUID();
  const res = await fetch(`${stack.app.url}/api/gitlab/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-gitlab-event': event, 'x-gitlab-event-uuid': uuid, 'x-gitlab-token': token },
    body: JSON.stringify(payload),
  });
  return { status: res.status, deliveryId: `gitlab-${uuid}` };
}

/** Waits until the worker marked the delivery processed; returns the error it recorded (null = fine). */
async function processed(deliveryId: string): Promise<{ error: string | null }> {
  const row = await waitFor(async () => {
    const { rows } = await stack.db.pool.query<{ processed_at: Date | null; last_error: string | null }>('SELECT processed_at, last_error FROM webhook_inbox WHERE delivery_id = $1', [deliveryId]);
    return rows[0]?.processed_at ? { error: rows[0].last_error } : null;
  }, `delivery ${deliveryId} processed`);
  return row ?? { error: 'not processed' };
}

/** What the webhook worker returned for the delivery (job id = delivery id). */
async function outcome(deliveryId: string): Promise<unknown> {
  return (await deps.queues.get('webhook').getJob(deliveryId))?.returnvalue;
}

/** Policy Guard jobs the GitLab hooks queued (no policy-evaluate worker runs here); taken off the queue. */
async function takePolicyJobs(): Promise<unknown[]> {
  const jobs = await deps.queues.get('policy-evaluate').getJobs(['waiting', 'delayed', 'prioritized']);
  await Promise.all(jobs.map((j) => j.remove().catch(() => undefined)));
  return jobs.map((j) => j.data);
}

let nextNote = 5000;
async function sendNote(text: string, username: string, mocks: (noteId: number) => void) {
  const noteId = nextNote++;
  mocks(noteId);
  const res = await post('Note Hook', notePayload(text, username, noteId));
  expect(res.status).toBe(200);
  return { ...res, noteId, row: await processed(res.deliveryId) };
}

describe('GitLab slash-commands end to end (signed webhook -> inbox -> worker -> GitLab note)', () => {
  it('help: awards eyes and answers in the help topic note', async () => {
    const { row, deliveryId } = await sendNote('/slo-scout help', 'jane', (noteId) => {
      mockConfig();
      mockEyes(noteId);
      mockAnswer('help', /\| `\/slo-scout variant <conservative\|balanced\|aggressive> \[slo-id\|--all\]` \|/);
    });
    expect(row.error).toBeNull();
    expect(await outcome(deliveryId)).toBe('ran'); // `help` is a registered command
  });

  it('a wrong X-Gitlab-Token is refused and nothing reaches the worker', async () => {
    const res = await post('Note Hook', notePayload('/slo-scout help', 'jane', 1), 'wrong');
    expect(res.status).toBe(401);
    expect(await stack.app.inbox.get(res.deliveryId)).toBeNull();
  });

  it('rerun by a Reporter (access level 20) is refused and nothing is queued', async () => {
    const { noteId } = await sendNote('/slo-scout rerun', 'visitor', (noteId) => {
      mockConfig();
      mockEyes(noteId);
      gitlabScope()
        .get(`${PROJECT}/merge_requests/1`).reply(200, mergeRequest(1))
        .get('/api/v4/users').query({ username: 'visitor' }).reply(200, [{ id: 44, username: 'visitor' }])
        .get(`${PROJECT}/members/all/44`).reply(200, { id: 44, username: 'visitor', access_level: 20, state: 'active' });
      mockAnswer('rerun', /needs write access to acme\/slos/);
    });
    expect(await deps.queues.get('analyze').getJob(`rerun-gitlab-${noteId}`)).toBeUndefined();
  });

  it('rerun by a Developer queues a GitLab analysis', async () => {
    const { noteId } = await sendNote('/slo-scout rerun', 'dev', (noteId) => {
      mockConfig();
      mockEyes(noteId);
      gitlabScope()
        .get(`${PROJECT}/merge_requests/1`).reply(200, mergeRequest(1))
        .get('/api/v4/users').query({ username: 'dev' }).reply(200, [{ id: 45, username: 'dev' }])
        .get(`${PROJECT}/members/all/45`).reply(200, { id: 45, username: 'dev', access_level: 30, state: 'active' });
      mockAnswer('rerun', /re-analysis queued/);
    });
    const job = await deps.queues.get('analyze').getJob(`rerun-gitlab-${noteId}`);
    expect(job?.data).toMatchObject({ platform: 'gitlab', owner: 'acme', repo: 'slos', prNumber: 1 });
    await job?.remove().catch(() => undefined);
  });

  it('variant on a merge request from a fork is refused even for a maintainer', async () => {
    await sendNote('/slo-scout variant aggressive', 'dev', (noteId) => {
      mockConfig();
      mockEyes(noteId);
      gitlabScope().get(`${PROJECT}/merge_requests/1`).reply(200, mergeRequest(1, { source_project_id: 77 }));
      mockAnswer('variant', /not available on pull requests from forks/);
    });
  });

  it('a note edited by someone other than its author runs nothing (no GitLab calls at all)', async () => {
    const payload = notePayload('/slo-scout approve', 'maintainer', nextNote++);
    const edited = { ...payload, user: { ...payload.user, id: 77 }, object_attributes: { ...payload.object_attributes, action: 'update', author_id: 12 } };
    const res = await post('Note Hook', edited);
    expect((await processed(res.deliveryId)).error).toBeNull();
    expect(await outcome(res.deliveryId)).toBe('ignored-edited-by-other');
  });

  it('notes by the bot itself are not run as commands (no GitLab calls at all)', async () => {
    const { row, deliveryId } = await sendNote('/slo-scout help', GITLAB_BOT.botLogin, () => undefined);
    expect(row.error).toBeNull();
    expect(await outcome(deliveryId)).toBe('ignored-bot');
  });
});

describe('GitLab push and merge request hooks', () => {
  it('a push to the default branch changing .slo-scout.yml schedules the analysis from its cron', async () => {
    mockConfig();
    const res = await post('Push Hook', {
      object_kind: 'push', ref: 'refs/heads/main', before: 'a', after: 'b', total_commits_count: 1,
      project: { id: 5, path_with_namespace: 'acme/slos', default_branch: 'main' },
      commits: [{ id: 'b', message: 'config', added: [], modified: ['.slo-scout.yml'], removed: [] }],
    });
    const row = await processed(res.deliveryId);
    expect(await outcome(res.deliveryId)).toBe('schedule-scheduled+analysis');
    expect(row.error).toBeNull();
    const schedulers = await deps.queues.get('analyze').getJobSchedulers();
    const mine = schedulers.find((s) => s.key === schedulerId('gitlab', 'acme', 'slos') || s.id === schedulerId('gitlab', 'acme', 'slos'));
    expect(mine?.pattern).toBe('0 7 * * 2');
    await deps.queues.get('analyze').removeJobScheduler(schedulerId('gitlab', 'acme', 'slos'));
    // ... and one analysis now (debounced), as on GitHub.
    const firstRun = (await deps.queues.get('analyze').getJobs(['delayed', 'waiting'])).filter((j) => j.name === 'first-run' && j.data.platform === 'gitlab');
    expect(firstRun.map((j) => j.data)).toEqual([expect.objectContaining({ platform: 'gitlab', owner: 'acme', repo: 'slos', reason: 'config-change' })]);
    await Promise.all(firstRun.map((j) => j.remove()));
  });

  it('a new merge request gets the config check as a commit status on its last commit', async () => {
    mockConfig('abc123');
    gitlabScope().post(`${PROJECT}/statuses/abc123`, (b) => b.state === 'success' && b.name === 'SLO-Scout config').reply(201, { id: 1, status: 'success' });
    const res = await post('Merge Request Hook', {
      object_kind: 'merge_request', event_type: 'merge_request', user: { username: 'jane' },
      project: { id: 5, path_with_namespace: 'acme/slos', default_branch: 'main' },
      object_attributes: { iid: 2, action: 'open', source_project_id: 5, target_project_id: 5, last_commit: { id: 'abc123' } },
    });
    expect((await processed(res.deliveryId)).error).toBeNull();
    expect(await outcome(res.deliveryId)).toBe('config-check-success');
    // ... and Policy Guard evaluates the MR on GitLab.
    expect(await takePolicyJobs()).toEqual([{ platform: 'gitlab', owner: 'acme', repo: 'slos', prNumber: 2, trigger: 'push' }]);
  });

  it.each([
    ['approved', 'review', 'policy-review'],
    ['unapproval', 'review', 'policy-review'],
    ['merge', 'closed', 'policy-closed'],
  ])('merge request action %s re-evaluates Policy Guard (trigger %s) without GitLab calls', async (action, trigger, result) => {
    const res = await post('Merge Request Hook', {
      object_kind: 'merge_request', event_type: 'merge_request', user: { username: 'alice' },
      project: { id: 5, path_with_namespace: 'acme/platform/slos', default_branch: 'main' },
      object_attributes: { iid: 4, action, source_project_id: 5, target_project_id: 5, last_commit: { id: 'abc123' } },
    });
    expect((await processed(res.deliveryId)).error).toBeNull();
    expect(await outcome(res.deliveryId)).toBe(result);
    // A subgroup project keeps its whole namespace as the owner.
    expect(await takePolicyJobs()).toEqual([{ platform: 'gitlab', owner: 'acme/platform', repo: 'slos', prNumber: 4, trigger }]);
  });

  it('a title edit (update without new commits) neither checks config nor re-evaluates', async () => {
    const res = await post('Merge Request Hook', {
      object_kind: 'merge_request', project: { id: 5, path_with_namespace: 'acme/slos', default_branch: 'main' },
      object_attributes: { iid: 2, action: 'update', source_project_id: 5, target_project_id: 5, last_commit: { id: 'abc123' } },
    });
    expect((await processed(res.deliveryId)).error).toBeNull();
    expect(await outcome(res.deliveryId)).toBe('ignored');
    expect(await takePolicyJobs()).toEqual([]);
  });

  it('a merge request from a fork gets Policy Guard (judged in the target project) but no config check of the fork\'s file (no GitLab calls)', async () => {
    const res = await post('Merge Request Hook', {
      object_kind: 'merge_request', project: { id: 5, path_with_namespace: 'acme/slos', default_branch: 'main' },
      object_attributes: { iid: 3, action: 'open', source_project_id: 77, target_project_id: 5, last_commit: { id: 'f00' } },
    });
    expect((await processed(res.deliveryId)).error).toBeNull();
    expect(await outcome(res.deliveryId)).toBe('policy-only-fork');
    // The job names the TARGET project: the guard never reads from the fork.
    expect(await takePolicyJobs()).toEqual([{ platform: 'gitlab', owner: 'acme', repo: 'slos', prNumber: 3, trigger: 'push' }]);
  });

  it('a reviewer state change ("Request changes" submitted: update with changes.reviewers) re-evaluates Policy Guard', async () => {
    const reviewer = (state: string) => [{ id: 11, name: 'Alice', username: 'alice', avatar_url: null, email: '[REDACTED]', state, re_requested: false }];
    const res = await post('Merge Request Hook', {
      object_kind: 'merge_request', event_type: 'merge_request', user: { username: 'alice' },
      project: { id: 5, path_with_namespace: 'acme/slos', default_branch: 'main' },
      object_attributes: { iid: 6, action: 'update', source_project_id: 5, target_project_id: 5, last_commit: { id: 'abc123' } },
      changes: { reviewers: { previous: reviewer('review_started'), current: reviewer('requested_changes') } },
      reviewers: reviewer('requested_changes'),
    });
    expect((await processed(res.deliveryId)).error).toBeNull();
    expect(await outcome(res.deliveryId)).toBe('policy-review');
    expect(await takePolicyJobs()).toEqual([{ platform: 'gitlab', owner: 'acme', repo: 'slos', prNumber: 6, trigger: 'review' }]);
  });

  it('a payload whose project is not the MR\'s target project is not acted on', async () => {
    const res = await post('Merge Request Hook', {
      object_kind: 'merge_request', project: { id: 77, path_with_namespace: 'mallory/slos', default_branch: 'main' },
      object_attributes: { iid: 3, action: 'open', source_project_id: 77, target_project_id: 5, last_commit: { id: 'f00' } },
    });
    expect((await processed(res.deliveryId)).error).toBeNull();
    expect(await outcome(res.deliveryId)).toBe('ignored-not-target');
    expect(await takePolicyJobs()).toEqual([]);
  });

});
