/**
 * Issue 14 gap: the what-if API runs the simulator on every call and had no limit. Calls are now
 * capped per link and per client address: 429 with Retry-After, counted in Redis when `serve` has
 * it (shared by replicas) and in the process otherwise (`serve --demo`, or Redis down).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Report } from '../../app/core/report.js';
import { simulationBasisFromHistory } from '../../app/core/simulate/index.js';
import { silentLogger } from '../../app/logger.js';
import { startServer, type RunningServer } from '../../app/server/server.js';
import type { WebData } from '../../app/web/data.js';
import { whatIfLimiter, type WhatIfLimits } from '../../app/web/rate-limit.js';
import { webRoutes } from '../../app/web/routes.js';
import { WhatIfResponse } from '../../app/web/schema.js';
import { createToken } from '../../app/web/token.js';
import { uiRoutes } from '../../app/web/index.js';
import { fixedClock } from '../../app/deps.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import type { HttpRequest, HttpRoute } from '../../app/server/http.js';
import { END, mmcHistory, proposal } from '../core/simulate/fixtures.js';
import { REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const SECRET = 'k'.repeat(48);
const NOW = END;
const p = proposal({ variants: [['conservative', 99, 0.5], ['balanced', 98.5, 0.25], ['aggressive', 95, 0.1]] });
const report = Report.parse(JSON.parse(JSON.stringify({
  generatedAt: new Date(END * 1000).toISOString(), window: '28d', breachWindow: '1d', end: new Date(END * 1000).toISOString(),
  proposals: [{ ...p, simulationBasis: simulationBasisFromHistory(mmcHistory()) }],
  timings: { totalSeconds: 1, prometheusSeconds: 0, queries: 0 },
})));
const data: WebData = { demo: false, report: async () => report, evaluation: async () => null, decisions: async () => [], audit: async () => [] };
const body = JSON.stringify({ sloId: p.sloId, trafficMultiplier: 1.1 });

describe('the what-if API over HTTP, counted in the process (serve --demo, no Redis)', () => {
  let server: RunningServer;
  const start = async (limits: WhatIfLimits) => {
    server = await startServer({ routes: webRoutes({ data, secret: SECRET, site: null, logger: silentLogger, now: () => NOW, whatIfLimiter: whatIfLimiter(limits) }), logger: silentLogger, port: 0, host: '127.0.0.1' });
  };
  afterAll(async () => server?.close());
  const post = (token: string) => fetch(`${server.url}/ui/api/what-if?repo=acme/shop`, { method: 'POST', body, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });

  it('answers until a link has used its calls for the minute, then 429 with Retry-After and a message that says when', async () => {
    await start({ perLinkPerMinute: 3, perAddressPerMinute: 0 });
    const link = createToken(SECRET, 'acme/shop', NOW);
    for (let i = 0; i < 3; i++) {
      const ok = await post(link);
      expect(ok.status).toBe(200);
      WhatIfResponse.parse(await ok.json());
    }
    const limited = await post(link);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(((await limited.json()) as { error: string }).error).toBe(`too many what-if calls with this link: at most 3 a minute. Try again in ${retryAfter} s.`);
    // Another link (another repository's page, or a later day's) has its own budget.
    expect((await post(createToken(SECRET, 'acme/shop', NOW + 86_400))).status).toBe(200);
    // A refused token is a 403, not counted and not a 429.
    expect((await post(`${link}x`)).status).toBe(403);
    await server.close();
  });

  it('one address cannot spread calls over many links', async () => {
    await start({ perLinkPerMinute: 0, perAddressPerMinute: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(createToken(SECRET, 'acme/shop', NOW + i * 86_400))).status);
    expect(statuses).toEqual([200, 200, 429]);
    await server.close();
  });
});

describe('serve: counted in Redis, shared by replicas', () => {
  let redis: Redis;
  let db: TestDatabase;
  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    db = await createTestDatabase();
  });
  afterAll(async () => {
    redis?.disconnect();
    await db?.drop();
  });

  /** The what-if route of one `serve` replica, built as serve builds it (env limits, Redis). */
  const replica = (prefix: string, client: Redis, perLink: number) => {
    const env = { SLO_SCOUT_UI_SECRET: SECRET, QUEUE_PREFIX: prefix, SLO_SCOUT_UI_WHAT_IF_PER_LINK_PER_MINUTE: perLink, SLO_SCOUT_UI_WHAT_IF_PER_ADDRESS_PER_MINUTE: 0 };
    const routes = uiRoutes({ env, pool: db.pool, redis: client, logger: silentLogger, clock: fixedClock(new Date(NOW * 1000).toISOString()) });
    const route = routes.find((r): r is HttpRoute => r.method === 'POST' && r.path === '/ui/api/what-if')!;
    return (token: string) => route.handle({ method: 'POST', path: route.path, headers: { authorization: `Bearer ${token}` }, query: new URLSearchParams({ repo: 'acme/shop' }), rawBody: Buffer.from(body), remoteAddress: '10.0.0.7' } satisfies HttpRequest);
  };

  // This database has no report, so an allowed call is a 404 "no analysis yet": the limit comes first.
  it('two replicas share one budget per link, from SLO_SCOUT_UI_WHAT_IF_PER_LINK_PER_MINUTE', async () => {
    const prefix = uniquePrefix('ui-limit');
    const a = replica(prefix, redis, 2);
    const b = replica(prefix, redis, 2);
    const link = createToken(SECRET, 'acme/shop', NOW);
    expect([(await a(link)).status, (await b(link)).status, (await a(link)).status]).toEqual([404, 404, 429]);
    expect(await redis.keys(`${prefix}:ui-limit:link*`)).toHaveLength(1);
    // The link itself never lands in Redis, only a digest of it.
    const [key] = await redis.keys(`${prefix}:ui-limit:link*`);
    expect(key).not.toContain(link.split('.')[1]!);
    await redis.del(key!);
  });

  it('with Redis down the limit still holds, counted in the process instead of failing the page', async () => {
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => undefined);
    try {
      const c = replica(uniquePrefix('ui-limit-down'), down, 2);
      const link = createToken(SECRET, 'acme/shop', NOW);
      expect([(await c(link)).status, (await c(link)).status, (await c(link)).status]).toEqual([404, 404, 429]);
    } finally {
      down.disconnect();
    }
  });
});
