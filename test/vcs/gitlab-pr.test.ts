import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../app/logger.js';
import { bodyWithHash, contentHash, ensurePullRequest, ensureTopicComment, topicMarker } from '../../app/vcs/pr.js';
import type { GitLabPlatform } from '../../app/vcs/gitlab.js';
import { GITLAB_BOT, PROJECT, gitlabScope, mergeRequest, note, testGitlabPlatform } from '../helpers/gitlab.js';
import { assertHttpMocksDone, setupHttpMock, teardownHttpMock } from '../helpers/http-mock.js';

const repo = { owner: 'acme', repo: 'slos' };
const input = {
  branch: 'slo-scout/checkout',
  title: 'SLOs for checkout',
  body: '## Proposed SLOs\n\n| slo | target |\n|---|---|\n| checkout-latency | 99% < 300ms |',
  files: [{ path: 'slos/checkout.yaml', content: 'apiVersion: openslo/v1\n' }, { path: 'rules/checkout.yaml', content: 'groups: []\n' }],
  labels: ['slo-scout'],
};
const BRANCH = 'slo-scout%2Fcheckout';

let platform: GitLabPlatform;
beforeAll(() => {
  setupHttpMock();
  platform = testGitlabPlatform();
});
afterEach(() => assertHttpMocksDone());
afterAll(() => teardownHttpMock());

function mockFindMr(found: unknown[]) {
  gitlabScope()
    .get(`${PROJECT}`).reply(200, { id: 5, path_with_namespace: 'acme/slos', default_branch: 'main' })
    .get(`${PROJECT}/merge_requests`).query((q) => q.state === 'opened' && q.source_branch === input.branch).reply(200, found);
}

/** One commit through the Commits API: `update` for the file on main, `create` for the new one. */
function mockCommit(expectBranchRebuiltFromMain = true) {
  gitlabScope()
    .get(`${PROJECT}/repository/files/slos%2Fcheckout.yaml/raw`).query({ ref: 'main' }).reply(200, 'old\n')
    .get(`${PROJECT}/repository/files/rules%2Fcheckout.yaml/raw`).query({ ref: 'main' }).reply(404, { message: '404 File Not Found' })
    .post(`${PROJECT}/repository/commits`, (b) => b.branch === input.branch && b.start_branch === 'main' && b.force === expectBranchRebuiltFromMain
      && b.author_email === GITLAB_BOT.botEmail && b.commit_message === input.title
      && b.actions.length === 2
      && b.actions.some((a: Record<string, string>) => a.action === 'update' && a.file_path === 'slos/checkout.yaml' && a.content === input.files[0]!.content)
      && b.actions.some((a: Record<string, string>) => a.action === 'create' && a.file_path === 'rules/checkout.yaml'))
    .reply(201, { id: 'c0ffee1', short_id: 'c0ffee1', title: input.title, author_email: GITLAB_BOT.botEmail });
}

describe('ensurePullRequest on GitLab (merge requests)', () => {
  it('opens one MR with a single commit holding every file when the branch does not exist', async () => {
    const hash = contentHash(input);
    mockFindMr([]);
    gitlabScope().get(`${PROJECT}/repository/branches/${BRANCH}`).reply(404, { message: '404 Branch Not Found' });
    mockCommit();
    gitlabScope()
      .post(`${PROJECT}/merge_requests`, (b) => b.source_branch === input.branch && b.target_branch === 'main' && b.labels === 'slo-scout'
        && b.description.includes(`<!-- slo-scout:hash=${hash} -->`))
      .reply(201, mergeRequest(3, { description: bodyWithHash(input.body, hash) }));
    const out = await ensurePullRequest(platform, repo, input, silentLogger);
    expect(out).toMatchObject({ action: 'created', pr: { number: 3, fromFork: false, state: 'open' } });
  });

  it('leaves the MR alone on a rerun with the same content: no writes at all', async () => {
    mockFindMr([mergeRequest(3, { description: bodyWithHash(input.body, contentHash(input)) })]);
    const out = await ensurePullRequest(platform, repo, input, silentLogger);
    expect(out.action).toBe('unchanged');
  });

  it('rebuilds the branch and edits the description when the content changed', async () => {
    const changed = { ...input, body: `${input.body}\n| checkout-errors | 99.9% |` };
    const hash = contentHash(changed);
    mockFindMr([mergeRequest(3, { description: bodyWithHash(input.body, contentHash(input)) })]);
    gitlabScope()
      .get(`${PROJECT}/repository/branches/${BRANCH}`).reply(200, { name: input.branch, commit: { id: 'c0ffee1' } })
      .get(`${PROJECT}/repository/compare`).query({ from: 'main', to: input.branch }).reply(200, { commits: [{ id: 'c0ffee1', author_email: GITLAB_BOT.botEmail, author_name: GITLAB_BOT.botLogin }], diffs: [] });
    mockCommit();
    gitlabScope().put(`${PROJECT}/merge_requests/3`, (b) => b.description.includes(`slo-scout:hash=${hash}`) && b.title === input.title).reply(200, mergeRequest(3));
    const out = await ensurePullRequest(platform, repo, changed, silentLogger);
    expect(out.action).toBe('updated');
  });

  it('does not force-push over a commit by a person: it answers with a note instead', async () => {
    const changed = { ...input, title: 'SLOs for checkout (v2)' };
    mockFindMr([mergeRequest(3, { description: bodyWithHash(input.body, contentHash(input)) })]);
    gitlabScope()
      .get(`${PROJECT}/repository/branches/${BRANCH}`).reply(200, { name: input.branch })
      .get(`${PROJECT}/repository/compare`).query({ from: 'main', to: input.branch }).reply(200, {
        commits: [{ id: 'c0ffee1', author_email: GITLAB_BOT.botEmail }, { id: 'beef0002', author_email: 'jane@acme.example' }], diffs: [],
      })
      .get(`${PROJECT}/merge_requests/3/notes`).query(true).reply(200, [note(50, 'looks good', 'jane')])
      .post(`${PROJECT}/merge_requests/3/notes`, (b) => b.body.startsWith(topicMarker('human-commits')) && b.body.includes('beef000'))
      .reply(201, note(51, 'x', GITLAB_BOT.botLogin));
    const out = await ensurePullRequest(platform, repo, changed, silentLogger);
    expect(out).toMatchObject({ action: 'blocked-by-human-commits', humanCommits: ['beef0002'] });
  });

  it('finds no MR of ours when the only MR for the branch comes from a fork', async () => {
    gitlabScope().get(`${PROJECT}/merge_requests`).query(true).reply(200, [mergeRequest(4, { source_project_id: 77 })]);
    expect(await platform.findOpenPullRequest(repo, input.branch)).toBeNull();
  });
});

describe('topic notes on GitLab', () => {
  it('edits the bot note of the topic in place instead of adding one', async () => {
    const old = `${topicMarker('simulate')}\nold table\n`;
    gitlabScope()
      .get(`${PROJECT}/merge_requests/3/notes`).query(true).reply(200, [
        note(60, old, GITLAB_BOT.botLogin),
        // Someone quoting the marker is not our note.
        note(61, `> ${old}`, 'jane'),
        note(62, 'added 1 commit', GITLAB_BOT.botLogin, { system: true }),
      ])
      .put(`${PROJECT}/merge_requests/3/notes/60`, { body: `${topicMarker('simulate')}\nnew table\n` }).reply(200, note(60, 'new', GITLAB_BOT.botLogin));
    expect(await ensureTopicComment(platform, repo, 3, 'simulate', 'new table')).toEqual({ id: 60, action: 'updated' });
  });
});

describe('access on GitLab', () => {
  it.each([
    { name: 'a Developer (30) may write', level: 30, status: 200, expected: true },
    { name: 'a Reporter (20) may not', level: 20, status: 200, expected: false },
    { name: 'a non-member may not', level: 0, status: 404, expected: false },
  ])('$name', async ({ level, status, expected }) => {
    gitlabScope()
      .get('/api/v4/users').query({ username: 'jane' }).reply(200, [{ id: 12, username: 'jane', name: 'Jane', state: 'active' }])
      .get(`${PROJECT}/members/all/12`).reply(status, status === 200 ? { id: 12, username: 'jane', access_level: level, state: 'active' } : { message: '404 Not found' });
    expect(await platform.canWrite(repo, 'jane')).toBe(expected);
  });
});
