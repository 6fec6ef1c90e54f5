import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, WEBHOOK_SECRET, type TestStack } from '../helpers/app-stack.js';
import { example, postWebhook, prCommentPayload, sign } from '../helpers/webhooks.js';

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack(); });
afterAll(async () => { await stack?.close(); });

describe('webhook intake', () => {
  it('stores a signed delivery in the inbox and enqueues it with the delivery id as job id', async () => {
    const payload = prCommentPayload('/slo-scout help');
    const res = await postWebhook(stack.app.url, 'issue_comment', payload, { secret: WEBHOOK_SECRET });
    expect(res.status).toBe(200);
    // The row exists when the 200 arrives; the enqueue follows in the background.
    const row = await stack.app.inbox.get(res.deliveryId);
    expect(row).toMatchObject({ event: 'issue_comment', action: 'created', repo: 'Codertocat/Hello-World' });
    await stack.app.intake.drain();
    expect((await stack.app.inbox.get(res.deliveryId))?.enqueuedAt).toBeInstanceOf(Date);
    const job = await stack.app.queues.get('webhook').getJob(res.deliveryId);
    expect(job?.data).toEqual({ deliveryId: res.deliveryId });
  });

  it('refuses a delivery with a wrong signature and stores nothing', async () => {
    const payload = prCommentPayload('/slo-scout rerun');
    const res = await postWebhook(stack.app.url, 'issue_comment', payload, { secret: WEBHOOK_SECRET, signature: sign('not-the-secret', JSON.stringify(payload)) });
    expect(res.status).toBe(400);
    expect(await stack.app.inbox.get(res.deliveryId)).toBeNull();
    expect(await stack.app.queues.get('webhook').getJob(res.deliveryId)).toBeUndefined();
  });

  it('refuses a delivery whose body was changed after signing', async () => {
    const payload = prCommentPayload('/slo-scout help');
    const signature = sign(WEBHOOK_SECRET, JSON.stringify(payload));
    (payload.comment as { body: string }).body = '/slo-scout variant aggressive';
    const res = await postWebhook(stack.app.url, 'issue_comment', payload, { secret: WEBHOOK_SECRET, signature });
    expect(res.status).toBe(400);
    expect(await stack.app.inbox.get(res.deliveryId)).toBeNull();
  });

  it('a redelivery with the same X-GitHub-Delivery is stored and enqueued once', async () => {
    const payload = prCommentPayload('/slo-scout help');
    const first = await postWebhook(stack.app.url, 'issue_comment', payload, { secret: WEBHOOK_SECRET });
    const second = await postWebhook(stack.app.url, 'issue_comment', payload, { secret: WEBHOOK_SECRET, deliveryId: first.deliveryId });
    expect([first.status, second.status]).toEqual([200, 200]);
    await stack.app.intake.drain();
    const { rows } = await stack.db.pool.query('SELECT count(*)::int AS n FROM webhook_inbox WHERE delivery_id = $1', [first.deliveryId]);
    expect(rows[0].n).toBe(1);
    const jobs = await stack.app.queues.get('webhook').getJobs(['waiting', 'delayed', 'active']);
    expect(jobs.filter((j) => j.id === first.deliveryId)).toHaveLength(1);
  });

  it('events the app does not act on are acknowledged but not stored', async () => {
    const res = await postWebhook(stack.app.url, 'star', example('star'), { secret: WEBHOOK_SECRET });
    expect(res.status).toBe(200);
    expect(await stack.app.inbox.get(res.deliveryId)).toBeNull();
  });
});

describe('extra routes', () => {
  it('/healthz answers ok and /readyz reports Redis and PostgreSQL', async () => {
    expect((await fetch(`${stack.app.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${stack.app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { redis: 'ok', postgres: 'ok' } });
  });

  it('/metrics exposes slo_scout_ counters, including the webhooks received above', async () => {
    await stack.app.intake.drain();
    const text = await (await fetch(`${stack.app.url}/metrics`)).text();
    expect(text).toMatch(/slo_scout_webhooks_received_total\{event="issue_comment",outcome="accepted"\} [1-9]/);
    expect(text).toMatch(/slo_scout_webhooks_received_total\{event="issue_comment",outcome="duplicate"\} 1/);
    expect(text).toMatch(/slo_scout_jobs\{queue="webhook",state="waiting"\} [1-9]/);
  });

  it('an unknown path is 404 and a wrong method on a known path is 405', async () => {
    expect((await fetch(`${stack.app.url}/nope`)).status).toBe(404);
    expect((await fetch(`${stack.app.url}/healthz`, { method: 'POST', body: 'x' })).status).toBe(405);
  });
});
