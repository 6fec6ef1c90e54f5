/**
 * Fault test (issue 9, finding 4): a private PostgreSQL is restarted and then frozen (SIGSTOP)
 * while signed webhooks arrive steadily. serve and the workers run in this process: an unhandled
 * 'error' event on the pool would end it (and this test). Every delivery answered 2xx must be
 * processed; deliveries during the outages must get 503 + Retry-After within a few seconds (never
 * a 2xx without a committed inbox row) and succeed when the sender retries: nothing is lost.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, WEBHOOK_SECRET, type TestStack } from '../helpers/app-stack.js';
import { ownPostgres, type OwnPostgres } from '../helpers/own-postgres.js';
import { example, sign } from '../helpers/webhooks.js';
import { waitFor } from '../helpers/wait.js';
import { startTestWorkers, workerDeps } from '../helpers/worker-stack.js';

const DEADLINE_MS = 3_000;
let pg: OwnPostgres;
let stack: TestStack;
let workers: ReturnType<typeof startTestWorkers>;

beforeAll(async () => {
  pg = await ownPostgres();
  await pg.start();
  stack = await startTestStack({ databaseUrl: pg.url, deadlineMs: DEADLINE_MS, relayIntervalMs: 200 });
  workers = startTestWorkers(stack, workerDeps(stack));
}, 180_000);
afterAll(async () => {
  pg?.thaw();
  await pg?.start().catch(() => undefined);
  await workers?.closeAll();
  await stack?.close();
  await pg?.cleanup();
});

interface Attempt { status: number; ms: number; retryAfter: string | null }

/** A push to a non-default branch: the worker processes it without calling GitHub. */
function push(i: number): string {
  const p = example('push') as Record<string, unknown>;
  p.ref = `refs/heads/feature-${i}`;
  return JSON.stringify(p);
}

/** Posts one delivery like a sender that redelivers failures: same id, until a 2xx. */
async function deliver(i: number, attempts: Attempt[]): Promise<string> {
  const id = randomUUID();
  const body = push(i);
  for (;;) {
    const started = Date.now();
    const res = await fetch(`${stack.app.url}/api/github/webhooks`, {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': id, 'x-hub-signature-256': sign(WEBHOOK_SECRET, body) },
    });
    await res.arrayBuffer();
    attempts.push({ status: res.status, ms: Date.now() - started, retryAfter: res.headers.get('retry-after') });
    if (res.status >= 200 && res.status < 300) return id;
    await new Promise((r) => setTimeout(r, 500));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PostgreSQL restart and freeze under load', () => {
  it('answers 503 quickly during outages, stays up, and processes every delivery', async () => {
    const attempts: Attempt[] = [];
    const outage: Attempt[] = [];
    const sent: Promise<string>[] = [];
    let running = true;
    const load = (async () => {
      for (let i = 0; running; i++) {
        sent.push(deliver(i, attempts));
        await sleep(150);
      }
    })();

    await sleep(1_500);
    // 1. An operator restart: connections are terminated (57P01), the port refuses for a while.
    await pg.stop();
    const stopAt = attempts.length;
    await sleep(3_000);
    outage.push(...attempts.slice(stopAt));
    await pg.start();
    await sleep(1_500);
    // 2. A frozen server: TCP connects, nothing answers.
    pg.freeze();
    const freezeAt = attempts.length;
    await sleep(6_000);
    outage.push(...attempts.slice(freezeAt));
    pg.thaw();
    await sleep(1_500);
    running = false;
    await load;
    const ids = await Promise.all(sent);

    expect(attempts.every((a) => a.status === 200 || a.status === 503)).toBe(true);
    const refused = attempts.filter((a) => a.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(outage.some((a) => a.status === 503)).toBe(true);
    expect(refused.every((a) => a.retryAfter !== null)).toBe(true);
    // Within a few seconds (GitHub gives up after 10 s); a slow shared CI machine gets some slack.
    expect(Math.max(...refused.map((a) => a.ms))).toBeLessThan(DEADLINE_MS + 4_000);

    await waitFor(async () => {
      const { rows } = await stack.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_inbox WHERE processed_at IS NOT NULL');
      return rows[0]!.n === ids.length;
    }, `all ${ids.length} deliveries processed`, 90_000, 250);
    const { rows } = await stack.db.pool.query<{ delivery_id: string }>('SELECT delivery_id FROM webhook_inbox');
    expect(rows.map((r) => r.delivery_id).sort()).toEqual([...ids].sort());
  }, 180_000);
});
