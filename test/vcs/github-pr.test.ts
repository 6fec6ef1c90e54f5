import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GitHubPlatform } from '../../app/vcs/github.js';
import { bodyWithHash, contentHash, ensurePullRequest, ensureTopicComment, topicMarker } from '../../app/vcs/pr.js';
import { silentLogger } from '../../app/logger.js';
import { testOctokit } from '../helpers/app-stack.js';
import { assertHttpMocksDone, nock, setupHttpMock, teardownHttpMock } from '../helpers/http-mock.js';

const API = 'https://api.github.com';
const repo = { owner: 'acme', repo: 'slos' };
const BOT = 'slo-scout[bot]';
const input = {
  branch: 'slo-scout/checkout',
  title: 'SLOs for checkout',
  body: '## Proposed SLOs\n\n| slo | target |\n|---|---|\n| checkout-latency | 99% < 300ms |',
  files: [{ path: 'slos/checkout.yaml', content: 'apiVersion: openslo/v1\n' }],
  labels: ['slo-scout'],
};

function pull(number: number, body: string, extra: Record<string, unknown> = {}) {
  return {
    number, state: 'open', merged_at: null, title: input.title, body, html_url: `https://github.com/acme/slos/pull/${number}`,
    head: { ref: input.branch, sha: 'head1', repo: { full_name: 'acme/slos' } }, base: { ref: 'main', repo: { full_name: 'acme/slos' } }, ...extra,
  };
}

let platform: GitHubPlatform;
beforeAll(() => {
  setupHttpMock();
  platform = new GitHubPlatform(testOctokit(), BOT);
});
afterEach(() => assertHttpMocksDone());
afterAll(() => teardownHttpMock());

function mockCommit(branchExists: boolean) {
  const gh = nock(API)
    .get('/repos/acme/slos/git/ref/heads%2Fmain').reply(200, { ref: 'refs/heads/main', object: { sha: 'base1', type: 'commit' } })
    .get('/repos/acme/slos/git/commits/base1').reply(200, { sha: 'base1', tree: { sha: 'tree0' } })
    .post('/repos/acme/slos/git/trees', (b) => b.base_tree === 'tree0' && b.tree.length === 1 && b.tree[0].path === 'slos/checkout.yaml' && b.tree[0].content === input.files[0].content)
    .reply(201, { sha: 'tree1' })
    .post('/repos/acme/slos/git/commits', (b) => b.tree === 'tree1' && b.parents[0] === 'base1').reply(201, { sha: 'commit1' });
  if (branchExists) gh.patch('/repos/acme/slos/git/refs/heads%2Fslo-scout%2Fcheckout', { sha: 'commit1', force: true }).reply(200, {});
  else {
    gh.patch('/repos/acme/slos/git/refs/heads%2Fslo-scout%2Fcheckout').reply(422, { message: 'Reference does not exist' })
      .post('/repos/acme/slos/git/refs', { ref: 'refs/heads/slo-scout/checkout', sha: 'commit1' }).reply(201, {});
  }
}

describe('ensurePullRequest on GitHub', () => {
  it('opens a PR with one commit holding every file when no branch exists', async () => {
    const hash = contentHash(input);
    nock(API)
      .get('/repos/acme/slos').reply(200, { default_branch: 'main' })
      .get('/repos/acme/slos/pulls').query({ state: 'open', head: 'acme:slo-scout/checkout', per_page: 10 }).reply(200, [])
      .get('/repos/acme/slos/compare/main...slo-scout%2Fcheckout').query(true).reply(404, { message: 'Not Found' });
    mockCommit(false);
    nock(API)
      .post('/repos/acme/slos/pulls', (b) => b.head === input.branch && b.base === 'main' && b.body.includes(`<!-- slo-scout:hash=${hash} -->`)).reply(201, pull(7, bodyWithHash(input.body, hash)))
      .post('/repos/acme/slos/issues/7/labels', { labels: ['slo-scout'] }).reply(200, []);
    const out = await ensurePullRequest(platform, repo, input, silentLogger);
    expect(out.action).toBe('created');
    expect(out.pr?.number).toBe(7);
  });

  it('changes nothing when the open PR already carries the same content hash', async () => {
    nock(API)
      .get('/repos/acme/slos').reply(200, { default_branch: 'main' })
      .get('/repos/acme/slos/pulls').query(true).reply(200, [pull(7, bodyWithHash(input.body, contentHash(input)))]);
    const out = await ensurePullRequest(platform, repo, input, silentLogger);
    expect(out.action).toBe('unchanged');
  });

  it('moves the branch and updates the body when the content changed and only the app committed', async () => {
    nock(API)
      .get('/repos/acme/slos/pulls').query(true).reply(200, [pull(7, bodyWithHash('old body', 'a'.repeat(64)))])
      .get('/repos/acme/slos/compare/main...slo-scout%2Fcheckout').query(true).reply(200, { commits: [{ sha: 'c0', author: { login: BOT } }] });
    mockCommit(true);
    nock(API).patch('/repos/acme/slos/pulls/7', (b) => b.body.includes(contentHash(input))).reply(200, pull(7, 'x'));
    const out = await ensurePullRequest(platform, repo, { ...input, base: 'main' }, silentLogger);
    expect(out.action).toBe('updated');
  });

  it('never force-pushes over a human commit: it comments on the PR instead', async () => {
    nock(API)
      .get('/repos/acme/slos/pulls').query(true).reply(200, [pull(7, bodyWithHash('old body', 'a'.repeat(64)))])
      .get('/repos/acme/slos/compare/main...slo-scout%2Fcheckout').query(true).reply(200, { commits: [{ sha: 'c0', author: { login: BOT } }, { sha: 'deadbeef1', author: { login: 'alice' } }] })
      .get('/repos/acme/slos/issues/7/comments').query(true).reply(200, [])
      .post('/repos/acme/slos/issues/7/comments', (b) => b.body.includes(topicMarker('human-commits')) && b.body.includes('deadbee')).reply(201, { id: 55, body: 'x', user: { login: BOT } });
    const out = await ensurePullRequest(platform, repo, { ...input, base: 'main' }, silentLogger);
    expect(out).toMatchObject({ action: 'blocked-by-human-commits', humanCommits: ['deadbeef1'] });
  });
});

describe('ensureTopicComment', () => {
  it('edits the bot comment of the same topic in place instead of adding one', async () => {
    nock(API)
      .get('/repos/acme/slos/issues/7/comments').query(true).reply(200, [
        { id: 1, body: `${topicMarker('simulate')}\nforged by a human`, user: { login: 'mallory' } },
        { id: 2, body: `${topicMarker('simulate')}\nold table`, user: { login: BOT } },
      ])
      .patch('/repos/acme/slos/issues/comments/2', (b) => b.body.includes('new table')).reply(200, {});
    expect(await ensureTopicComment(platform, repo, 7, 'simulate', 'new table')).toEqual({ id: 2, action: 'updated' });
  });

  it('leaves an identical comment alone', async () => {
    nock(API).get('/repos/acme/slos/issues/7/comments').query(true).reply(200, [{ id: 2, body: `${topicMarker('help')}\nsame\n`, user: { login: BOT } }]);
    expect(await ensureTopicComment(platform, repo, 7, 'help', 'same')).toEqual({ id: 2, action: 'unchanged' });
  });
});
