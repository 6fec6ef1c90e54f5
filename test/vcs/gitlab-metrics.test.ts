/**
 * slo_scout_gitlab_api_calls_total: every GitLab API call of the worker's one client (the PR/MR
 * platform and Policy Guard share it) is counted by method, route template and status class.
 * GitLab is mocked with nock in the shapes docs.gitlab.com documents.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../app/logger.js';
import { createMetrics, gitlabRoute, type Metrics } from '../../app/server/metrics.js';
import { createGitlabApi, instrumentGitlab, withGitlab } from '../../app/vcs/gitlab-client.js';
import { policyWorkerDeps } from '../../app/policy/wiring.js';
import type { Platform } from '../../app/vcs/platform.js';
import { GITLAB, gitlabScope, mergeRequest, note, PROJECT } from '../helpers/gitlab.js';
import { assertHttpMocksDone, setupHttpMock, teardownHttpMock } from '../helpers/http-mock.js';

beforeAll(() => setupHttpMock());
afterEach(() => assertHttpMocksDone());
afterAll(() => teardownHttpMock());

const SHA = 'c'.repeat(40);

/** The counter's samples as `METHOD route status -> value`, read back through the registry. */
async function calls(metrics: Metrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metrics.gitlabApiCalls.get()).values) out[`${v.labels.method} ${v.labels.route} ${v.labels.status}`] = v.value;
  return out;
}

describe('gitlabRoute: an endpoint as a route template', () => {
  it.each([
    ['projects/acme%2Fplatform%2Ffleet/merge_requests/7/notes', 'projects/:id/merge_requests/:iid/notes'],
    ['projects/acme%2Fslos/merge_requests/7/notes/3001', 'projects/:id/merge_requests/:iid/notes/:note_id'],
    ['projects/acme%2Fslos/merge_requests/7/notes/3001/award_emoji', 'projects/:id/merge_requests/:iid/notes/:note_id/award_emoji'],
    ['projects/acme%2Fslos/statuses/' + SHA, 'projects/:id/statuses/:sha'],
    ['projects/acme%2Fslos/repository/files/slo-proposals%2Fslos%2Fcheckout%2Fa.yaml/raw?ref=main', 'projects/:id/repository/files/:file_path/raw'],
    ['projects/acme%2Fslos/repository/branches/slo-scout%2Fcheckout', 'projects/:id/repository/branches/:branch'],
    ['projects/acme%2Fslos/repository/commits', 'projects/:id/repository/commits'],
    ['projects/acme%2Fslos/merge_requests/7/reviewers?per_page=100', 'projects/:id/merge_requests/:iid/reviewers'],
    ['groups/platform%2Fsre/members/all/11', 'groups/:id/members/all/:param'],
    ['users?username=alice', 'users'],
    ['user', 'user'],
  ])('%s -> %s', (endpoint, route) => {
    expect(gitlabRoute(endpoint)).toBe(route);
  });

  it('never lets a name through as a label value, whatever the path holds', () => {
    expect(gitlabRoute('projects/12/unknown_thing/Secret-Name.v2/x')).toBe('projects/:id/unknown_thing/:param/x');
  });
});

describe('slo_scout_gitlab_api_calls_total', () => {
  it('counts the platform\'s and the guard\'s calls on the one client the worker builds, by method, route and status class', async () => {
    const metrics = createMetrics();
    const api = createGitlabApi({ url: GITLAB, token: 'glpat-test', metrics });
    const logger = createLogger({ level: 'silent' });
    gitlabScope()
      .get('/api/v4/user').reply(200, { id: 99, username: 'slo-scout-bot', name: 'SLO-Scout', state: 'active', commit_email: 'bot@acme.example' })
      .get(`${PROJECT}/merge_requests/1`).reply(200, mergeRequest(1))
      .post(`${PROJECT}/merge_requests/1/notes`).reply(201, note(3001, 'hello', 'slo-scout-bot'))
      .put(`${PROJECT}/merge_requests/1/notes/3001`).reply(200, note(3001, 'hello again', 'slo-scout-bot'))
      .get(`${PROJECT}/repository/files/.slo-scout.yml/raw`).query({ ref: 'main' }).reply(404, { message: '404 File Not Found' })
      .post(`${PROJECT}/statuses/${SHA}`).reply(201, { id: 1, sha: SHA, status: 'success', name: 'SLO-Scout Policy Guard', description: 'ok' })
      .get(`${PROJECT}/merge_requests/1/diffs`).query(true).reply(500, { message: '500 Internal Server Error' });

    // The PR/MR platform, as the worker's platform factory builds it from the shared client.
    const platform = await withGitlab(async () => ({}) as Platform, { GITLAB_URL: GITLAB, GITLAB_TOKEN: 'glpat-test' }, logger, api)('gitlab', undefined);
    const repo = { owner: 'acme', repo: 'slos' };
    expect((await platform.getPullRequest(repo, 1)).number).toBe(1);
    const c = await platform.createComment(repo, 1, 'hello');
    await platform.updateComment(repo, c.id, 'hello again', 1);
    expect(await platform.readFile(repo, '.slo-scout.yml', 'main')).toBeNull();

    // Policy Guard, as the worker's policy wiring builds it from the same client.
    const vcs = await policyWorkerDeps(() => Promise.reject(new Error('no GitHub App')), { GITLAB_TOKEN: 'glpat-test', GITLAB_URL: GITLAB }, undefined, api).gitlabPolicyVcs!();
    await platform.createCheck(repo, { name: 'SLO-Scout Policy Guard', headSha: SHA, conclusion: 'success', title: 'ok', summary: 'ok' });
    await expect(vcs.listChangedFiles('acme/slos', 1)).rejects.toThrow(/HTTP 500/);

    expect(await calls(metrics)).toEqual({
      'GET user 2xx': 1,
      'GET projects/:id/merge_requests/:iid 2xx': 1,
      'POST projects/:id/merge_requests/:iid/notes 2xx': 1,
      'PUT projects/:id/merge_requests/:iid/notes/:note_id 2xx': 1,
      'GET projects/:id/repository/files/:file_path/raw 4xx': 1,
      'POST projects/:id/statuses/:sha 2xx': 1,
      'GET projects/:id/merge_requests/:iid/diffs 5xx': 1,
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain('slo_scout_gitlab_api_calls_total{method="GET",route="projects/:id/merge_requests/:iid/diffs",status="5xx"} 1');
  });

  it("the guard's reviewers read is counted under its route template, also when an older GitLab answers 404", async () => {
    const metrics = createMetrics();
    const api = createGitlabApi({ url: GITLAB, token: 'glpat-test', metrics });
    gitlabScope()
      .get(`${PROJECT}/merge_requests/1/approvals`).reply(200, { approved_by: [] })
      .get(`${PROJECT}/merge_requests/1/reviewers`).query({ per_page: '100' }).reply(404, { message: '404 Not Found' });
    const vcs = await policyWorkerDeps(() => Promise.reject(new Error('no GitHub App')), { GITLAB_TOKEN: 'glpat-test', GITLAB_URL: GITLAB }, undefined, api).gitlabPolicyVcs!();
    expect(await vcs.listReviews('acme/slos', 1)).toEqual([]);
    expect(await calls(metrics)).toEqual({
      'GET projects/:id/merge_requests/:iid/approvals 2xx': 1,
      'GET projects/:id/merge_requests/:iid/reviewers 4xx': 1,
    });
  });

  it('a call that got no HTTP answer is counted as `error`', async () => {
    const metrics = createMetrics();
    const api = createGitlabApi({ url: GITLAB, token: 'glpat-test', metrics });
    gitlabScope().get(`${PROJECT}/merge_requests/2`).replyWithError('socket hang up');
    await expect(api.MergeRequests.show('acme/slos', 2)).rejects.toThrow();
    expect(await calls(metrics)).toEqual({ 'GET projects/:id/merge_requests/:iid error': 1 });
  });

  it('instrumenting a client twice still counts each call once', async () => {
    const metrics = createMetrics();
    const api = createGitlabApi({ url: GITLAB, token: 'glpat-test', metrics });
    instrumentGitlab(api, metrics);
    gitlabScope().get(`${PROJECT}/merge_requests/3`).reply(200, mergeRequest(3));
    await api.MergeRequests.show('acme/slos', 3);
    expect(await calls(metrics)).toEqual({ 'GET projects/:id/merge_requests/:iid 2xx': 1 });
  });
});
