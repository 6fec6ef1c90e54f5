/**
 * OTLP intake against a hostile tenant (issue 9, finding 5): poisoned timestamps are rejected per
 * span and reported in partial_success, attribute values are cut before they become series keys,
 * series budgets are per tenant and last a whole window, and a row PostgreSQL refuses goes to the
 * dead-letter table without blocking other rows or tenants. Real PostgreSQL and the HTTP route.
 */
import { DDSketch } from '@datadog/sketches-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/app-stack.js';
import { SpanAggregator, type AggregateRow } from '../../app/telemetry/otlp/aggregate.js';
import { PgTelemetryStore } from '../../app/store/telemetry.js';

const TOKEN_A = 'otlp-token-aaaaaaaaaaaaaaaa';
const TOKEN_B = 'otlp-token-bbbbbbbbbbbbbbbb';
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { OTLP_TOKENS: `alpha:${TOKEN_A},beta:${TOKEN_B}`, INTAKE_FLUSH_SECONDS: '300' } });
});
afterAll(async () => { await stack?.close(); });

const NS = 1_000_000n;
interface SpanSpec { route?: string; endMs?: number; endNano?: number | string; service?: string }

function body(spans: SpanSpec[], service = 'checkout'): string {
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans: spans.map((s, i) => {
    const end = s.endNano ?? String(BigInt(Math.round(s.endMs ?? Date.now())) * NS);
    const start = typeof end === 'number' ? end - 5e7 : String(BigInt(end) - 50n * NS);
    return {
      traceId: '0af7651916cd43dd8448eb211c80319c', spanId: `b7ad6b71692033${String(i % 100).padStart(2, '0')}`, name: 'op',
      startTimeUnixNano: start, endTimeUnixNano: end,
      attributes: [{ key: 'http.route', value: { stringValue: s.route ?? '/pay' } }, { key: 'http.response.status_code', value: { intValue: '200' } }],
    };
  }) }] }] });
}

async function post(token: string, json: string): Promise<{ status: number; body: { partialSuccess?: { rejectedSpans?: string; errorMessage?: string } } }> {
  const res = await fetch(`${stack.app.url}/v1/traces`, { method: 'POST', body: json, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() as never };
}

async function stored(tenant: string): Promise<{ endpoint: string; count: number }[]> {
  const { rows } = await stack.db.pool.query<{ endpoint: string; count: string }>('SELECT endpoint, sum(count) AS count FROM telemetry_aggregates WHERE tenant = $1 GROUP BY endpoint', [tenant]);
  return rows.map((r) => ({ endpoint: r.endpoint, count: Number(r.count) }));
}

describe('OTLP timestamps', () => {
  it('rejects a span ending at 1e308 ns, 8 days ago or 2 h ahead per span, and every flush keeps working', async () => {
    const now = Date.now();
    const res = await post(TOKEN_A, body([
      { route: '/ok' }, { route: '/poison', endNano: 1e308 }, { route: '/old', endMs: now - 8 * 86_400_000 }, { route: '/future', endMs: now + 2 * 3_600_000 },
    ]));
    expect(res.status).toBe(200);
    expect(res.body.partialSuccess?.rejectedSpans).toBe('3');
    expect(res.body.partialSuccess?.errorMessage).toMatch(/not a valid time/);
    expect(res.body.partialSuccess?.errorMessage).toMatch(/older than 7 days/);
    expect(res.body.partialSuccess?.errorMessage).toMatch(/in the future/);
    expect((await post(TOKEN_B, body([{ route: '/b' }]))).status).toBe(200);
    await stack.app.telemetry.flusher.flushOnce();
    await stack.app.telemetry.flusher.flushOnce();
    expect(await stored('alpha')).toEqual([{ endpoint: '/ok', count: 1 }]);
    expect(await stored('beta')).toEqual([{ endpoint: '/b', count: 1 }]);
    expect(stack.app.telemetry.flusher.overloaded).toBe(false);
  });
});

describe('OTLP attribute values', () => {
  it('cuts a 1 MiB http.route to 1024 characters before it becomes a series key', async () => {
    const route = `/r/${'x'.repeat(1024 * 1024)}`;
    const res = await post(TOKEN_B, body([{ route }], 'long-routes'));
    expect(res.status).toBe(200);
    await stack.app.telemetry.flusher.flushOnce();
    const { rows } = await stack.db.pool.query<{ len: number }>("SELECT length(endpoint) AS len FROM telemetry_aggregates WHERE service = 'long-routes'");
    expect(rows).toEqual([{ len: 1024 }]);
  });
});

describe('OTLP series budgets', () => {
  const traces = (routes: number, from = 0) => ({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 's' } }] }, scopeSpans: [{ spans: Array.from({ length: routes }, (_, i) => ({
    name: 'op', startTimeUnixNano: String(BigInt(clockMs - 100) * NS), endTimeUnixNano: String(BigInt(clockMs) * NS),
    attributes: [{ key: 'http.route', value: { stringValue: `/r${from + i}` } }],
  })) }] }] });
  let clockMs = Date.UTC(2026, 10, 30, 12, 0, 0);

  it("one tenant's 5000 routes use its own budget only; the budget survives flushes and renews with the window", () => {
    const agg = new SpanAggregator({ maxSeriesPerTenant: 100, seriesWindowSeconds: 3600, timeWindow: { now: () => clockMs } });
    const noisy = agg.addTraces('noisy', traces(5000));
    expect(noisy.accepted).toBe(100);
    expect(noisy.rejected).toBe(4900);
    expect(noisy.reasons[0]).toMatch(/series limit 100 per tenant/);
    // Another tenant's new series are not blocked.
    expect(agg.addTraces('quiet', traces(50)).accepted).toBe(50);
    expect(agg.seriesCount).toBe(150);
    // A flush empties memory but not the budget: new routes of the same window stay refused...
    agg.drain();
    expect(agg.addTraces('noisy', traces(10, 9000)).accepted).toBe(0);
    // ...while known series keep counting.
    expect(agg.addTraces('noisy', traces(10)).accepted).toBe(10);
    // The next window starts a new budget.
    clockMs += 3_600_000;
    expect(agg.addTraces('noisy', traces(10, 9000)).accepted).toBe(10);
  });
});

describe('OTLP dead letters', () => {
  const row = (tenant: string, endpoint: string, over: Partial<AggregateRow> = {}): AggregateRow => {
    const sketch = new DDSketch({ relativeAccuracy: 0.01 });
    sketch.accept(0.02);
    return { tenant, minute: Math.floor(Date.now() / 60_000) * 60, service: 'dl', endpoint, status: '2xx', version: '', environment: '', count: 1, errors: 0, sumSeconds: 0.02, sketch, exemplars: [], ...over };
  };

  it('writes every good row of every tenant and parks the rows PostgreSQL refuses, with the reason', async () => {
    const store = new PgTelemetryStore(stack.db.pool);
    const rows = [
      ...Array.from({ length: 40 }, (_, i) => row('alpha', `/a${i}`)),
      row('alpha', '/zero', { count: 0 }), // violates CHECK (count > 0)
      row('beta', '/nan-time', { minute: 1e308 }),
      ...Array.from({ length: 40 }, (_, i) => row('beta', `/b${i}`)),
    ];
    expect(await store.writeAggregates(rows)).toBe(80);
    const { rows: good } = await stack.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM telemetry_aggregates WHERE service = 'dl'");
    expect(good[0]!.n).toBe(80);
    const { rows: dead } = await stack.db.pool.query<{ tenant: string; kind: string; reason: string; endpoint: string }>("SELECT tenant, kind, reason, row->>'endpoint' AS endpoint FROM telemetry_dead_letter ORDER BY id");
    expect(dead).toEqual([
      { tenant: 'beta', kind: 'aggregate', reason: expect.stringMatching(/not a valid time/) as unknown as string, endpoint: '/nan-time' },
      { tenant: 'alpha', kind: 'aggregate', reason: expect.stringMatching(/check constraint/) as unknown as string, endpoint: '/zero' },
    ]);
  });

  it('a poisoned row already in memory no longer makes every flush fail', async () => {
    const flusher = stack.app.telemetry.flusher;
    // The receiver refuses such spans now; restore() is how a row from before the upgrade would sit in memory.
    (flusher as unknown as { deps: { spans: SpanAggregator } }).deps.spans.restore([row('alpha', '/poison-in-memory', { minute: 1e308 }), row('beta', '/fine')]);
    await flusher.flushOnce();
    expect(flusher.overloaded).toBe(false);
    const { rows } = await stack.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM telemetry_aggregates WHERE endpoint = '/fine'");
    expect(rows[0]!.n).toBe(1);
  });
});
