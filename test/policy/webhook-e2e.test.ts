/**
 * A real signed GitHub webhook (`X-Hub-Signature-256`) carrying `/slo-scout approve` goes through
 * the inbox, the webhook worker and the command registry into Policy Guard, which records the
 * decision and re-evaluates the check run on the policy-evaluate queue.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, testOctokit, WEBHOOK_SECRET, type TestStack } from '../helpers/app-stack.js';
import { assertHttpMocksDone, nock, setupHttpMock, teardownHttpMock } from '../helpers/http-mock.js';
import { postWebhook, prCommentPayload } from '../helpers/webhooks.js';
import { waitFor } from '../helpers/wait.js';
import { startTestWorkers, workerDeps } from '../helpers/worker-stack.js';
import { policyCommandHandlers, policyWorkerDeps } from '../../app/policy/wiring.js';
import type { OctokitLike } from '../../app/policy/github.js';
import { DecisionStore } from '../../app/store/approvals.js';

const API = 'https://api.github.com';
const R = '/repos/Codertocat/Hello-World';
const BASE = '1'.repeat(40);
const HEAD = '2'.repeat(40);
const b64 = (s: string) => Buffer.from(s).toString('base64');
const POLICY = 'policies:\n  - policy_id: p\n    approvers: { users: [alice] }\n    applies_to: { paths: ["slos/**"] }\n';
const SLO = (t: number) => `version: prometheus/v1\nservice: checkout\nslos: [{ name: pay, objective: ${t} }]\n`;

let stack: TestStack;
let workers: ReturnType<typeof startTestWorkers>;
beforeAll(async () => {
  setupHttpMock();
  stack = await startTestStack();
  const deps = workerDeps(stack);
  const policy = policyWorkerDeps(async () => testOctokit() as unknown as OctokitLike, {});
  for (const h of policyCommandHandlers({ pool: stack.db.pool, queues: deps.queues, logger: deps.logger, clock: deps.clock, ...policy })) deps.registry.register(h);
  workers = startTestWorkers(stack, { ...deps, ...policy } as typeof deps);
});
afterEach(() => assertHttpMocksDone());
afterAll(async () => {
  await workers?.closeAll();
  await stack?.app.queues.get('policy-evaluate').obliterate({ force: true }).catch(() => undefined);
  await stack?.close();
  teardownHttpMock();
});

describe('approve by PR comment, end to end', () => {
  it('a signed issue_comment webhook records the approval and the check run turns green', async () => {
    const pull = { number: 1, state: 'open', merged: false, html_url: 'https://github.com/Codertocat/Hello-World/pull/1', user: { login: 'carol' }, head: { sha: HEAD }, base: { sha: BASE } };
    const checks: { conclusion: string; name: string }[] = [];
    nock(API)
      .get(`${R}/contents/.slo-scout.yml`).reply(200, { type: 'file', content: b64('version: 1\n'), encoding: 'base64' }) // dispatcher (default branch)
      .post(/\/issues\/comments\/\d+\/reactions/).reply(201, {})
      .get(`${R}/pulls/1`).times(2).reply(200, pull) // head SHA for the decision, then the evaluation
      .get(`${R}/issues/1/comments`).query(true).reply(200, [])
      .post(`${R}/issues/1/comments`, (b: { body: string }) => /Recorded `approve` by @alice/.test(b.body)).reply(201, { id: 900, body: 'x', user: { login: 'slo-scout[bot]' } })
      .get(`${R}/contents/.slo-scout.yml`).query({ ref: BASE }).reply(200, { type: 'file', content: b64(POLICY), encoding: 'base64' })
      .get(`${R}/pulls/1/files`).query(true).reply(200, [{ filename: 'slos/checkout.yaml', status: 'modified' }])
      .get(`${R}/pulls/1/reviews`).query(true).reply(200, [])
      .get(`${R}/contents/slos%2Fcheckout.yaml`).query({ ref: BASE }).reply(200, { type: 'file', content: b64(SLO(99)), encoding: 'base64' })
      .get(`${R}/contents/slos%2Fcheckout.yaml`).query({ ref: HEAD }).reply(200, { type: 'file', content: b64(SLO(99.9)), encoding: 'base64' })
      .post(`${R}/check-runs`).reply(201, (_u: string, body: { conclusion: string; name: string }) => { checks.push(body); return { id: 1 }; });
    const payload = prCommentPayload('/slo-scout approve looks right', { login: 'alice' });
    const res = await postWebhook(stack.app.url, 'issue_comment', payload, { secret: WEBHOOK_SECRET });
    expect(res.status).toBe(200);
    await waitFor(async () => checks.length > 0 || undefined, 'check run written');
    expect(checks[0]).toMatchObject({ name: 'SLO-Scout Policy Guard', conclusion: 'success' });
    const decisions = await new DecisionStore(stack.db.pool).forPullRequest('Codertocat/Hello-World', 1);
    expect(decisions).toMatchObject([{ identity: 'alice', decision: 'approve', headSha: HEAD, reason: 'looks right', channel: 'comment' }]);
  });

  it('a webhook with a wrong signature is refused and records nothing', async () => {
    const payload = prCommentPayload('/slo-scout approve', { login: 'alice' });
    const res = await postWebhook(stack.app.url, 'issue_comment', payload, { secret: 'not-the-secret' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await new DecisionStore(stack.db.pool).forPullRequest('Codertocat/Hello-World', 1)).toHaveLength(1);
  });
});
