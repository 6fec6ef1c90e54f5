import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../app/logger.js';
import { bodyWithHash, contentHash } from '../../app/vcs/pr.js';
import type { WorkerDeps } from '../../app/ports.js';
import { processOpenPrJob } from '../../workers/open-pr.js';
import { GITLAB_BOT, PROJECT, gitlabScope, mergeRequest, testGitlabPlatform } from '../helpers/gitlab.js';
import { assertHttpMocksDone, setupHttpMock, teardownHttpMock } from '../helpers/http-mock.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const job = {
  owner: 'acme', repo: 'slos', platform: 'gitlab' as const, branch: 'slo-scout/checkout', title: 'SLOs for checkout',
  body: 'variant balanced', files: [{ path: 'slos/checkout.yaml', content: 'variant: balanced\n' }], labels: ['slo'],
};

let db: TestDatabase;
let deps: WorkerDeps & { pool: TestDatabase['pool'] };
beforeAll(async () => {
  setupHttpMock();
  db = await createTestDatabase();
  const gitlab = testGitlabPlatform();
  // open-pr only needs the platform, a logger and the pool.
  deps = { logger: silentLogger, pool: db.pool, platformFor: async () => gitlab } as unknown as WorkerDeps & { pool: TestDatabase['pool'] };
});
afterEach(() => assertHttpMocksDone());
afterAll(async () => {
  teardownHttpMock();
  await db?.drop();
});

function mockFind(found: unknown[]) {
  gitlabScope()
    .get(PROJECT).reply(200, { id: 5, default_branch: 'main' })
    .get(`${PROJECT}/merge_requests`).query((q) => q.state === 'opened' && q.source_branch === job.branch).reply(200, found);
}

describe('open-pr job on GitLab (real PostgreSQL for the PR ledger)', () => {
  it('opens the merge request once, records it, and a rerun with the same content writes nothing', async () => {
    const hash = contentHash(job);
    mockFind([]);
    gitlabScope()
      .get(`${PROJECT}/repository/branches/slo-scout%2Fcheckout`).reply(404, { message: '404 Branch Not Found' })
      .get(`${PROJECT}/repository/files/slos%2Fcheckout.yaml/raw`).query({ ref: 'main' }).reply(404, { message: '404 File Not Found' })
      .post(`${PROJECT}/repository/commits`, (b) => b.actions.length === 1 && b.actions[0].action === 'create' && b.author_email === GITLAB_BOT.botEmail).reply(201, { id: 'c1' })
      .post(`${PROJECT}/merge_requests`, (b) => b.description.includes(hash) && b.labels === 'slo').reply(201, mergeRequest(8, { description: bodyWithHash(job.body, hash) }));
    expect(await processOpenPrJob(job, deps)).toEqual({ action: 'created', number: 8 });
    const { rows } = await db.pool.query('SELECT platform, repo, number, content_hash FROM slo_pull_requests WHERE branch = $1', [job.branch]);
    expect(rows).toEqual([{ platform: 'gitlab', repo: 'acme/slos', number: 8, content_hash: hash }]);
    assertHttpMocksDone();

    mockFind([mergeRequest(8, { description: bodyWithHash(job.body, hash) })]);
    expect(await processOpenPrJob(job, deps)).toEqual({ action: 'unchanged', number: 8 });
  });
});
