/**
 * Fault test: Redis stops while webhooks arrive, then comes back. Every accepted delivery must be
 * processed exactly once (inbox -> relay -> queue -> worker).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, WEBHOOK_SECRET, type TestStack } from '../helpers/app-stack.js';
import { ownRedis, type OwnRedis } from '../helpers/own-redis.js';
import { example, postWebhook } from '../helpers/webhooks.js';
import { waitFor } from '../helpers/wait.js';
import { startTestWorkers, workerDeps } from '../helpers/worker-stack.js';

let redis: OwnRedis;
let stack: TestStack;
let workers: ReturnType<typeof startTestWorkers>;

beforeAll(async () => {
  redis = await ownRedis();
  await redis.start();
  stack = await startTestStack({ redisUrl: redis.url, relayIntervalMs: 200, enqueueTimeoutMs: 300 });
  workers = startTestWorkers(stack, workerDeps(stack), redis.url);
});
afterAll(async () => {
  await workers?.closeAll();
  await stack?.close();
  await redis?.cleanup();
});

// A push to a non-default branch: processed by the worker without calling GitHub.
function pushPayload(i: number) {
  const p = example('push') as Record<string, unknown>;
  p.ref = `refs/heads/feature-${i}`;
  return p;
}

describe('Redis outage during intake', () => {
  it('accepts every delivery while Redis is down and processes each exactly once after it returns', async () => {
    const ids: string[] = [];
    const post = async (i: number) => {
      const res = await postWebhook(stack.app.url, 'push', pushPayload(i), { secret: WEBHOOK_SECRET });
      expect(res.status).toBe(200);
      ids.push(res.deliveryId);
    };
    for (let i = 0; i < 10; i++) await post(i);
    await redis.stop();
    for (let i = 10; i < 30; i++) await post(i);
    expect(await stack.app.inbox.countNotEnqueued()).toBeGreaterThanOrEqual(20);
    await redis.start();
    for (let i = 30; i < 40; i++) await post(i);
    await waitFor(async () => {
      const { rows } = await stack.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_inbox WHERE processed_at IS NOT NULL');
      return rows[0].n === 40;
    }, 'all 40 deliveries processed', 45_000);
    const { rows } = await stack.db.pool.query<{ delivery_id: string; process_count: number }>('SELECT delivery_id, process_count FROM webhook_inbox');
    expect(rows.map((r) => r.delivery_id).sort()).toEqual([...ids].sort());
    expect(rows.filter((r) => r.process_count !== 1)).toEqual([]);
  });
});
