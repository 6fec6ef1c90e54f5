/**
 * Onboarding PRs on installation: real PostgreSQL (onboarding_prs), GitHub mocked with nock in the
 * shapes of its REST API (repos contents, pulls, git data, labels), payloads from
 * @octokit/webhooks-examples.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addedRepositories, onboardRepositories, ONBOARDING_BRANCH } from '../app/onboarding.js';
import { parseConfig } from '../app/config/schema.js';
import { silentLogger } from '../app/logger.js';
import { GitHubPlatform } from '../app/vcs/github.js';
import { testOctokit } from './helpers/app-stack.js';
import { assertHttpMocksDone, nock, setupHttpMock, teardownHttpMock } from './helpers/http-mock.js';
import { createTestDatabase, type TestDatabase } from './helpers/pg.js';
import { example } from './helpers/webhooks.js';

const API = 'https://api.github.com';
const BOT = 'slo-scout[bot]';
let db: TestDatabase;
let platform: GitHubPlatform;
beforeAll(async () => {
  setupHttpMock();
  db = await createTestDatabase();
  platform = new GitHubPlatform(testOctokit(), BOT);
}, 60_000);
afterEach(() => assertHttpMocksDone());
afterAll(async () => {
  teardownHttpMock();
  await db?.drop();
});

const deps = () => ({ platform, pool: db.pool, logger: silentLogger, discover: () => Promise.resolve(null) });
const noConfig = (full: string) => {
  const s = nock(API);
  for (const name of ['.slo-scout.yml', '.slo-scout.yaml', 'slo-scout.yml', 'slo-scout.yaml']) s.get(`/repos/${full}/contents/${encodeURIComponent(name)}`).reply(404, { message: 'Not Found' });
};

describe('onboarding', () => {
  it('reads the added repositories from installation and installation_repositories deliveries', () => {
    const created = example('installation', (e) => e.action === 'created');
    const names = (created.repositories as Array<{ full_name: string }>).map((r) => r.full_name);
    expect(addedRepositories('installation', created).map((r) => `${r.owner}/${r.repo}`)).toEqual(names);
    const added = example('installation_repositories', (e) => e.action === 'added');
    expect(addedRepositories('installation_repositories', added).length).toBe((added.repositories_added as unknown[]).length);
    expect(addedRepositories('installation', example('installation', (e) => e.action === 'deleted'))).toEqual([]);
  });

  it('opens one PR adding a starter .slo-scout.yml to a repository without one, and never again', async () => {
    noConfig('acme/shop');
    let files: Array<{ path: string; content: string }> = [];
    nock(API)
      .get('/repos/acme/shop').reply(200, { id: 1, full_name: 'acme/shop', default_branch: 'main' })
      .get('/repos/acme/shop/pulls').query({ state: 'open', head: `acme:${ONBOARDING_BRANCH}`, per_page: 10 }).reply(200, [])
      .get(`/repos/acme/shop/compare/main...${encodeURIComponent(ONBOARDING_BRANCH)}`).query(true).reply(404, { message: 'Not Found' })
      .get('/repos/acme/shop/git/ref/heads%2Fmain').reply(200, { ref: 'refs/heads/main', object: { sha: 'base1', type: 'commit' } })
      .get('/repos/acme/shop/git/commits/base1').reply(200, { sha: 'base1', tree: { sha: 'tree0' } })
      .post('/repos/acme/shop/git/trees', (b) => { files = b.tree; return true; }).reply(201, { sha: 'tree1' })
      .post('/repos/acme/shop/git/commits').reply(201, { sha: 'c1' })
      .patch(`/repos/acme/shop/git/refs/heads%2F${encodeURIComponent(ONBOARDING_BRANCH)}`).reply(422, { message: 'Reference does not exist' })
      .post('/repos/acme/shop/git/refs').reply(201, {})
      .post('/repos/acme/shop/pulls', (b) => b.title === 'Configure SLO-Scout' && b.head === ONBOARDING_BRANCH && /will not ask again/.test(b.body))
      .reply(201, { number: 3, state: 'open', title: 'Configure SLO-Scout', body: '', html_url: 'https://github.com/acme/shop/pull/3', head: { ref: ONBOARDING_BRANCH, sha: 'c1', repo: { full_name: 'acme/shop' } }, base: { ref: 'main', repo: { full_name: 'acme/shop' } } })
      .post('/repos/acme/shop/issues/3/labels').reply(200, []);
    expect(await onboardRepositories(deps(), [{ owner: 'acme', repo: 'shop' }])).toMatchObject({ opened: 1 });
    expect(files.map((f) => f.path)).toEqual(['.slo-scout.yml']);
    expect(parseConfig(files[0]!.content).ok).toBe(true);
    const row = await db.pool.query('SELECT state, pr_number FROM onboarding_prs WHERE repo = $1', ['acme/shop']);
    expect(row.rows[0]).toEqual({ state: 'opened', pr_number: 3 });
    assertHttpMocksDone();
    // Installed again later (e.g. after the PR was closed): no request at all.
    expect(await onboardRepositories(deps(), [{ owner: 'acme', repo: 'shop' }])).toMatchObject({ 'already-onboarded': 1, opened: 0 });
  });

  it('leaves a repository that already has a config to the analysis', async () => {
    nock(API).get('/repos/acme/done/contents/.slo-scout.yml').reply(200, { type: 'file', encoding: 'base64', content: Buffer.from('version: 1\n').toString('base64') });
    expect(await onboardRepositories(deps(), [{ owner: 'acme', repo: 'done' }])).toMatchObject({ 'has-config': 1, opened: 0 });
    expect((await db.pool.query('SELECT 1 FROM onboarding_prs WHERE repo = $1', ['acme/done'])).rowCount).toBe(0);
  });

  it('a failing repository does not stop the others; the job retries and finishes it', async () => {
    nock(API).get('/repos/acme/a/contents/.slo-scout.yml').reply(500, { message: 'boom' });
    nock(API).get('/repos/acme/b/contents/.slo-scout.yml').reply(200, { type: 'file', encoding: 'base64', content: Buffer.from('version: 1\n').toString('base64') });
    await expect(onboardRepositories(deps(), [{ owner: 'acme', repo: 'a' }, { owner: 'acme', repo: 'b' }])).rejects.toThrow();
  });
});
