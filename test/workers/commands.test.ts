import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { topicMarker, contentHash, bodyWithHash } from '../../app/vcs/pr.js';
import { startTestStack, WEBHOOK_SECRET, type TestStack } from '../helpers/app-stack.js';
import { assertHttpMocksDone, nock, setupHttpMock, teardownHttpMock } from '../helpers/http-mock.js';
import { postWebhook, prCommentPayload } from '../helpers/webhooks.js';
import { waitFor } from '../helpers/wait.js';
import { BOT, startTestWorkers, workerDeps } from '../helpers/worker-stack.js';

const API = 'https://api.github.com';
const R = '/repos/Codertocat/Hello-World';
const CONFIG = Buffer.from('version: 1\npullRequests:\n  labels: [slo]\n').toString('base64');

let stack: TestStack;
let deps: ReturnType<typeof workerDeps>;
let workers: ReturnType<typeof startTestWorkers>;
beforeAll(async () => {
  setupHttpMock();
  stack = await startTestStack();
  deps = workerDeps(stack);
  workers = startTestWorkers(stack, deps);
});
afterEach(() => assertHttpMocksDone());
afterAll(async () => {
  await workers?.closeAll();
  await stack?.close();
  teardownHttpMock();
});

function mockConfig(times = 1) {
  nock(API).get(`${R}/contents/.slo-scout.yml`).times(times).reply(200, { type: 'file', content: CONFIG, encoding: 'base64' });
}
function mockEyes(commentId: number) {
  return nock(API).post(`${R}/issues/comments/${commentId}/reactions`, { content: 'eyes' }).reply(201, {});
}
function mockTopicAnswer(topic: string, match: RegExp) {
  return nock(API)
    .get(`${R}/issues/1/comments`).query(true).reply(200, [])
    .post(`${R}/issues/1/comments`, (b) => b.body.startsWith(topicMarker(topic)) && match.test(b.body)).reply(201, { id: 900, body: 'x', user: { login: BOT } });
}
const pull = (fork = false) => ({
  number: 1, state: 'open', title: 't', body: '', html_url: 'u',
  head: { ref: 'slo-scout/checkout', sha: 'abc', repo: { full_name: fork ? 'mallory/Hello-World' : 'Codertocat/Hello-World' } },
  base: { ref: 'main', repo: { full_name: 'Codertocat/Hello-World' } },
});

/** Mocks are set up BEFORE the webhook is sent: the worker may call GitHub at once. */
async function send(body: string, login = 'Codertocat', mocks: (commentId: number) => void = () => undefined) {
  const payload = prCommentPayload(body, { login });
  const commentId = (payload.comment as { id: number }).id;
  mocks(commentId);
  const res = await postWebhook(stack.app.url, 'issue_comment', payload, { secret: WEBHOOK_SECRET });
  expect(res.status).toBe(200);
  return { ...res, commentId };
}

async function processed(deliveryId: string) {
  return waitFor(async () => (await stack.app.inbox.get(deliveryId))?.processedAt, `delivery ${deliveryId} processed`);
}

describe('slash-commands end to end (webhook -> inbox -> queue -> worker -> GitHub)', () => {
  it('help: reacts with eyes and answers with the command table in the help topic comment', async () => {
    mockConfig();
    const { deliveryId } = await send('/slo-scout help', 'Codertocat', (commentId) => {
      mockEyes(commentId);
      mockTopicAnswer('help', /\| `\/slo-scout variant <conservative\|balanced\|aggressive> \[slo-id\|--all\]` \|/);
    });
    await processed(deliveryId);
  });

  it('an unknown command is answered with help', async () => {
    mockConfig();
    const { deliveryId } = await send('/slo-scout deploy-to-prod', 'Codertocat', (commentId) => {
      mockEyes(commentId);
      mockTopicAnswer('help', /`deploy-to-prod` is not a command/);
    });
    await processed(deliveryId);
  });

  it('rerun from a user without write access is refused and nothing is queued', async () => {
    mockConfig();
    const { deliveryId, commentId } = await send('/slo-scout rerun', 'visitor', (commentId) => {
      mockEyes(commentId);
      nock(API).get(`${R}/pulls/1`).reply(200, pull())
      .get(`${R}/collaborators/visitor/permission`).reply(200, { permission: 'read', role_name: 'read' });
      mockTopicAnswer('rerun', /needs write access/);
    });
    await processed(deliveryId);
    expect(await deps.queues.get('analyze').getJob(`rerun-github-${commentId}`)).toBeUndefined();
  });

  it('variant on a PR from a fork is refused even for a maintainer', async () => {
    mockConfig();
    const { deliveryId } = await send('/slo-scout variant aggressive', 'Codertocat', (commentId) => {
      mockEyes(commentId);
      nock(API).get(`${R}/pulls/1`).reply(200, pull(true));
      mockTopicAnswer('variant', /not available on pull requests from forks/);
    });
    await processed(deliveryId);
  });

  it('rerun by a writer analyses, renders and opens exactly one PR with all files in one commit', async () => {
    mockConfig(2); // once for the comment (command teams), once in the analyze job
    const { deliveryId } = await send('/slo-scout rerun', 'Codertocat', (commentId) => {
      mockEyes(commentId);
      nock(API).get(`${R}/pulls/1`).reply(200, pull())
      .get(`${R}/collaborators/Codertocat/permission`).reply(200, { permission: 'admin', role_name: 'admin' });
      mockTopicAnswer('rerun', /re-analysis queued/);
      const rendered = { title: 'SLOs for checkout', body: 'variant balanced\n\n<!-- slo-scout:service=checkout -->', files: [{ path: 'slos/checkout.yaml', content: 'variant: balanced\n' }] };
      const hash = contentHash(rendered);
      // The analyze job looks for CODEOWNERS (team routing label) in GitHub's three places.
      for (const path of ['.github%2FCODEOWNERS', 'CODEOWNERS', 'docs%2FCODEOWNERS']) nock(API).get(`${R}/contents/${path}`).reply(404, { message: 'Not Found' });
      nock(API)
      .get(R).reply(200, { default_branch: 'main' })
      .get(`${R}/pulls`).query({ state: 'open', head: 'Codertocat:slo-scout/checkout', per_page: 10 }).reply(200, [])
      .get(`${R}/compare/main...slo-scout%2Fcheckout`).query(true).reply(404, {})
      .get(`${R}/git/ref/heads%2Fmain`).reply(200, { object: { sha: 'base1' } })
      .get(`${R}/git/commits/base1`).reply(200, { tree: { sha: 'tree0' } })
      .post(`${R}/git/trees`, (b) => b.tree.length === 1 && b.tree[0].content === 'variant: balanced\n').reply(201, { sha: 'tree1' })
      .post(`${R}/git/commits`).reply(201, { sha: 'c1' })
      .patch(`${R}/git/refs/heads%2Fslo-scout%2Fcheckout`).reply(422, {})
      .post(`${R}/git/refs`).reply(201, {})
      .post(`${R}/pulls`, (b) => b.head === 'slo-scout/checkout' && b.body.includes(hash)).reply(201, { ...pull(), number: 2, body: bodyWithHash(rendered.body, hash) })
      .post(`${R}/issues/2/labels`, { labels: ['slo'] }).reply(200, []);
    });
    await processed(deliveryId);
    await waitFor(async () => (await deps.pool.query('SELECT number FROM slo_pull_requests')).rows[0]?.number === 2, 'PR recorded');
    expect(deps.engine.calls.analyze).toBe(1);
  });

  it('simulate is open to everyone and answers with the simulator table in the simulate topic', async () => {
    mockConfig(2); // once for the comment (command teams), once in the simulate job (simulation.capacityPerReplica)
    const { deliveryId } = await send('/slo-scout simulate replicas=5 traffic=1.2 canary=10 version=v1.4.2', 'visitor', (commentId) => {
      mockEyes(commentId);
      nock(API).get(`${R}/pulls/1`).reply(200, { ...pull(), body: 'proposal\n<!-- slo-scout:service=checkout -->' });
      mockTopicAnswer('simulate', /simulating `replicas=5 traffic=1.2 canary=10 version=v1.4.2` for the SLOs of `checkout`/);
      nock(API)
      .get(`${R}/issues/1/comments`).query(true).reply(200, [{ id: 900, body: `${topicMarker('simulate')}\nsimulating…`, user: { login: BOT } }])
      .patch(`${R}/issues/comments/900`, (b) => /\| balanced \| 1\.0% \(replicas=5\) \|/.test(b.body)).reply(200, {});
    });
    await processed(deliveryId);
    await waitFor(() => deps.engine.calls.simulate.length === 1 && nock.pendingMocks().length === 0, 'simulate answered');
    expect(deps.engine.calls.simulate[0]).toEqual({ replicas: '5', traffic: '1.2', canary: '10', version: 'v1.4.2' });
  });

  it('explain names the known SLOs when the id is unknown', async () => {
    mockConfig();
    const { deliveryId } = await send('/slo-scout explain nope', 'Codertocat', (commentId) => {
      mockEyes(commentId);
      mockTopicAnswer('explain', /unknown slo id `nope`.*`checkout-latency`/);
    });
    await processed(deliveryId);
  });
});

describe('explain with a stored report', () => {
  it('answers with the engine explanation in a per-SLO topic', async () => {
    const { fakeReport } = await import('../helpers/fake-engine.js');
    await deps.reports.save('github', 'Codertocat/Hello-World', fakeReport());
    mockConfig();
    const { deliveryId } = await send('/slo-scout explain checkout-latency', 'visitor', (commentId) => {
      mockEyes(commentId);
      mockTopicAnswer('explain-checkout-latency', /### checkout-latency\n\nthreshold from the 99th percentile/);
    });
    await processed(deliveryId);
  });
});
