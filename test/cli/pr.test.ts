/**
 * `slo-scout pr` end to end: a real Prometheus holding the test fleet, the CLI in-process, and
 * GitHub/GitLab mocked with nock in the shapes of their REST API descriptions (GitHub: repos,
 * pulls, git data, issues labels, users; GitLab: user, projects, merge requests, commits).
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../app/cli.js';
import { prOptions } from '../../app/cli/pr.js';
import { hashInBody } from '../../app/vcs/pr.js';
import { assertHttpMocksDone, nock, setupHttpMock, teardownHttpMock } from '../helpers/http-mock.js';
import { startPrometheus, testFleetBlocks, TEST_END, type RunningPrometheus } from '../helpers/prometheus.js';

const API = 'https://api.github.com';
const GITLAB = 'https://gitlab.example.com';
const ENV_KEYS = ['GITHUB_TOKEN', 'GH_TOKEN', 'GITHUB_REPOSITORY', 'GITHUB_ACTIONS', 'GITHUB_API_URL', 'GITHUB_STEP_SUMMARY', 'GITLAB_TOKEN', 'GITLAB_CI', 'GITLAB_URL', 'CI_SERVER_URL', 'CI_PROJECT_PATH', 'SLO_SCOUT_BOT_LOGIN'];

let prom: RunningPrometheus;
let dir: string;
let configFile: string;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  setupHttpMock();
  prOptions.octokit = { retry: { enabled: false }, throttle: { enabled: false } };
  prom = await startPrometheus(await testFleetBlocks(undefined, ['checkout']));
  dir = await mkdtemp(join(tmpdir(), 'pr-'));
  configFile = join(dir, '.slo-scout.yml');
  await writeFile(configFile, `datasources:\n  prometheus: { url: "${prom.url}" }\nservices: { include: [checkout] }\n`);
  for (const k of ENV_KEYS) saved[k] = process.env[k];
}, 120_000);
afterEach(() => {
  for (const k of ENV_KEYS) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
  assertHttpMocksDone();
});
afterAll(async () => {
  teardownHttpMock();
  await prom?.stop();
});

async function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  Object.assign(process.env, env);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => { stdout += String(c); return true; });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => { stderr += String(c); return true; });
  try {
    const code = await main(['node', 'slo-scout', 'pr', '--config', configFile, '--end', String(TEST_END), ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

const ACTIONS = { GITHUB_TOKEN: 'ghs_test', GITHUB_REPOSITORY: 'acme/shop', GITHUB_ACTIONS: 'true' };
const BRANCH = 'slo-scout/checkout';

function pull(number: number, body: string) {
  return {
    number, state: 'open', merged_at: null, title: 'SLO-Scout: SLOs for checkout', body, html_url: `https://github.com/acme/shop/pull/${number}`,
    head: { ref: BRANCH, sha: 'c0mmit1', repo: { full_name: 'acme/shop' } }, base: { ref: 'main', repo: { full_name: 'acme/shop' } },
  };
}

describe('slo-scout pr on GitHub', () => {
  let openedBody = '';

  it('in Actions with GITHUB_TOKEN: analyses, commits every file in one commit and opens the PR with its label', async () => {
    const summary = join(dir, 'summary.md');
    let tree: Array<{ path: string; content: string }> = [];
    nock(API)
      // GITHUB_TOKEN is an installation token: /user answers 403, so commits are github-actions[bot]'s.
      .get('/user').reply(403, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user' })
      .get('/repos/acme/shop').reply(200, { id: 1, full_name: 'acme/shop', default_branch: 'main' })
      .get('/repos/acme/shop/pulls').query({ state: 'open', head: `acme:${BRANCH}`, per_page: 10 }).reply(200, [])
      .get(`/repos/acme/shop/compare/main...${encodeURIComponent(BRANCH)}`).query(true).reply(404, { message: 'Not Found' })
      .get('/repos/acme/shop/git/ref/heads%2Fmain').reply(200, { ref: 'refs/heads/main', object: { sha: 'base1', type: 'commit' } })
      .get('/repos/acme/shop/git/commits/base1').reply(200, { sha: 'base1', tree: { sha: 'tree0' } })
      .post('/repos/acme/shop/git/trees', (b: { base_tree: string; tree: typeof tree }) => { tree = b.tree; return b.base_tree === 'tree0'; }).reply(201, { sha: 'tree1' })
      .post('/repos/acme/shop/git/commits', (b) => b.tree === 'tree1' && b.parents[0] === 'base1').reply(201, { sha: 'c0mmit1' })
      .patch(`/repos/acme/shop/git/refs/heads%2F${encodeURIComponent(BRANCH)}`).reply(422, { message: 'Reference does not exist' })
      .post('/repos/acme/shop/git/refs', { ref: `refs/heads/${BRANCH}`, sha: 'c0mmit1' }).reply(201, { ref: `refs/heads/${BRANCH}`, object: { sha: 'c0mmit1' } })
      .post('/repos/acme/shop/pulls', (b) => { openedBody = b.body; return b.head === BRANCH && b.base === 'main' && b.title === 'SLO-Scout: SLOs for checkout'; })
      .reply(201, (_uri, b) => pull(7, (b as { body: string }).body))
      .post('/repos/acme/shop/issues/7/labels', { labels: ['slo-scout'] }).reply(200, [{ id: 1, name: 'slo-scout' }]);
    const r = await cli({ ...ACTIONS, GITHUB_STEP_SUMMARY: summary });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/created\s+https:\/\/github\.com\/acme\/shop\/pull\/7\s+slo-scout\/checkout/);
    const paths = tree.map((t) => t.path);
    expect(paths).toContain('slo-proposals/slos/checkout/report.json');
    expect(paths.some((p) => /^slo-proposals\/slos\/checkout\/.+\.openslo\.yaml$/.test(p))).toBe(true);
    expect(openedBody).toMatch(/<!-- slo-scout:hash=[0-9a-f]{64} -->/);
    expect(await readFile(summary, 'utf8')).toContain('pull/7');
  }, 120_000);

  it('a second run with the same telemetry finds the PR up to date and writes nothing', async () => {
    expect(hashInBody(openedBody)).not.toBeNull();
    nock(API)
      .get('/user').reply(200, { login: 'jane', id: 5, type: 'User' })
      .get('/repos/acme/shop').reply(200, { id: 1, full_name: 'acme/shop', default_branch: 'main' })
      .get('/repos/acme/shop/pulls').query(true).reply(200, [pull(7, openedBody)]);
    const r = await cli({ GITHUB_TOKEN: 'ghp_pat', GITHUB_REPOSITORY: 'acme/shop' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/unchanged\s+https:\/\/github\.com\/acme\/shop\/pull\/7/);
  }, 120_000);

  it('--dry-run says what it would update and changes nothing', async () => {
    nock(API)
      .get('/user').reply(200, { login: 'jane', id: 5, type: 'User' })
      .get('/repos/acme/shop/pulls').query(true).reply(200, [pull(7, 'an older proposal\n\n<!-- slo-scout:hash=' + 'a'.repeat(64) + ' -->')]);
    const r = await cli({ GITHUB_TOKEN: 'ghp_pat' }, '--repo', 'acme/shop', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Dry run for acme/shop: nothing was changed.');
    expect(r.stdout).toMatch(/would update https:\/\/github\.com\/acme\/shop\/pull\/7\s+slo-scout\/checkout/);
    expect(r.stdout).toMatch(/slo-proposals\/slos\/checkout\/report\.json \(\d+ bytes\)/);
  }, 120_000);

  it('--dry-run without any token still prints the plan', async () => {
    const r = await cli({}, '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/would open or update\s+slo-scout\/checkout/);
  }, 120_000);

  it('without a token it exits 2 and says how to pass one', async () => {
    const r = await cli({ GITHUB_REPOSITORY: 'acme/shop' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('GITHUB_TOKEN is not set');
  });

  it('a 403 on writing explains the workflow permissions it needs', async () => {
    nock(API)
      .get('/repos/acme/shop').reply(200, { id: 1, full_name: 'acme/shop', default_branch: 'main' })
      .get('/repos/acme/shop/pulls').query(true).reply(200, [])
      .get(`/repos/acme/shop/compare/main...${encodeURIComponent(BRANCH)}`).query(true).reply(404, { message: 'Not Found' })
      .get('/repos/acme/shop/git/ref/heads%2Fmain').reply(403, { message: 'Resource not accessible by integration' });
    const r = await cli({ ...ACTIONS }, '--bot-login', 'github-actions[bot]');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('contents: write, pull-requests: write');
  }, 120_000);
});

describe('slo-scout pr on GitLab', () => {
  it('inside GitLab CI with GITLAB_TOKEN it opens the merge request', async () => {
    const project = '/api/v4/projects/acme%2Fshop';
    const gl = nock(GITLAB).matchHeader('private-token', 'glpat-test');
    gl.get('/api/v4/user').reply(200, { id: 99, username: 'slo-bot', commit_email: 'slo-bot@example.com' })
      .get(project).reply(200, { id: 5, path_with_namespace: 'acme/shop', default_branch: 'main' })
      .get(`${project}/merge_requests`).query((q) => q.state === 'opened' && q.source_branch === BRANCH).reply(200, [])
      .get(`${project}/repository/branches/${encodeURIComponent(BRANCH)}`).reply(404, { message: '404 Branch Not Found' })
      .get((p) => p.startsWith(`${project}/repository/files/`)).query({ ref: 'main' }).times(50).reply(404, { message: '404 File Not Found' })
      .post(`${project}/repository/commits`, (b) => b.branch === BRANCH && b.start_branch === 'main' && b.actions.every((a: { action: string }) => a.action === 'create'))
      .reply(201, { id: 'c0ffee1', short_id: 'c0ffee1', title: 'x', author_email: 'slo-bot@example.com' })
      .post(`${project}/merge_requests`, (b) => b.source_branch === BRANCH && b.target_branch === 'main' && b.labels === 'slo-scout')
      .reply(201, { id: 1003, iid: 3, project_id: 5, state: 'opened', title: 'SLO-Scout: SLOs for checkout', description: '', source_branch: BRANCH, target_branch: 'main', sha: 'c0ffee1', web_url: `${GITLAB}/acme/shop/-/merge_requests/3`, source_project_id: 5, target_project_id: 5 });
    const r = await cli({ GITLAB_CI: 'true', GITLAB_TOKEN: 'glpat-test', CI_SERVER_URL: GITLAB, CI_PROJECT_PATH: 'acme/shop' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`created   ${GITLAB}/acme/shop/-/merge_requests/3`);
    // The file mocks are an upper bound (one GET per file); drop the unused ones.
    nock.cleanAll();
  }, 120_000);
});
