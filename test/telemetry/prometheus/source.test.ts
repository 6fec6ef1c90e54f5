import { createServer, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { PrometheusClient } from '../../../app/telemetry/prometheus/client.js';
import { OTEL_METRIC_NAMES, PrometheusHistorySource } from '../../../app/telemetry/prometheus/source.js';
import { freePort } from '../../helpers/prometheus.js';
import { availabilityQueries, defaultOtelSource } from '../../../app/core/sli/promql.js';
import type { AlertSeries } from '../../../app/telemetry/source.js';

/**
 * Exemplars, replicas and label-less setups cannot be backfilled with promtool (TSDB blocks hold
 * no exemplars), so these cases run against a local server replaying Prometheus API replies.
 */
const DAY = 86_400;
const END = 1_793_491_200;
const ok = (data: unknown) => JSON.stringify({ status: 'success', data });
const matrix = (series: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>) => ok({ resultType: 'matrix', result: series });

type Route = (form: URLSearchParams) => string;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function replay(routes: Record<string, Route>): Promise<{ url: string; queries: string[] }> {
  const queries: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      queries.push(`${req.url} ${form.get('query') ?? form.getAll('match[]').join(',')}`);
      const route = routes[req.url!.split('?')[0]!] as Route | undefined;
      res.writeHead(route ? 200 : 404, { 'content-type': 'application/json' }).end(route ? route(form) : '{}');
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
  return { url: `http://127.0.0.1:${port}`, queries };
}

describe('PrometheusHistorySource on replayed API replies', () => {
  it('attaches exemplars (slowest first) and replica counts to the right endpoint', async () => {
    const svc = { service_name: 'pay', http_route: '/charge' };
    const srv = await replay({
      '/api/v1/series': () => ok([{ __name__: 'http_server_request_duration_seconds_count', ...svc, http_response_status_code: '200' }]),
      '/api/v1/query_range': (f) => {
        const q = f.get('query')!;
        if (q.startsWith('count')) return matrix([{ metric: { service_name: 'pay' }, values: [[END - DAY, '3'], [END, '4']] }]);
        if (q.includes('le)')) return matrix([{ metric: { ...svc, le: '0.1' }, values: [[END - DAY, '90'], [END, '95']] }, { metric: { ...svc, le: '+Inf' }, values: [[END - DAY, '100'], [END, '100']] }]);
        if (q.includes('5..')) return matrix([{ metric: svc, values: [[END, '2']] }]);
        return matrix([{ metric: svc, values: [[END - DAY, '100'], [END, '100']] }]);
      },
      '/api/v1/query_exemplars': () => ok([{ seriesLabels: { ...svc, le: '0.5' }, exemplars: [
        { labels: { trace_id: 'a1' }, value: '0.2', timestamp: END - 100 },
        { labels: { trace_id: 'b2' }, value: '0.45', timestamp: END - 200 },
        { labels: { span_id: 'no-trace' }, value: '0.9', timestamp: END - 300 },
      ] }]),
    });
    const source = new PrometheusHistorySource({ client: new PrometheusClient({ url: srv.url }), metrics: { ...OTEL_METRIC_NAMES, replicas: 'count by (service_name) (up)' } });
    const { histories } = await source.fetchHistories({ end: END, windowSeconds: 2 * DAY, breachWindowSeconds: DAY });
    expect(histories).toHaveLength(1);
    const h = histories[0]!;
    expect(h.windows).toEqual([
      { start: END - 2 * DAY, end: END - DAY, total: 100, errors: 0, latency: { thresholds: [0.1], goodCounts: [90] } },
      { start: END - DAY, end: END, total: 100, errors: 2, latency: { thresholds: [0.1], goodCounts: [95] } },
    ]);
    expect(h.exemplars?.map((e) => [e.traceId, e.value])).toEqual([['b2', 0.45], ['a1', 0.2]]);
    expect(h.replicas).toEqual([{ start: END - 2 * DAY, end: END - DAY, count: 3 }, { start: END - DAY, end: END, count: 4 }]);
    expect(h.source).toMatchObject({ bucketMetric: 'http_server_request_duration_seconds_bucket', selector: svc, statusLabel: 'http_response_status_code' });
    // Aggregation is pushed down: every range query is a sum by over increase() at the breach window.
    for (const q of srv.queries.filter((x) => x.startsWith('/api/v1/query_range') && !x.includes('count by'))) expect(q).toMatch(/sum by \(service_name, http_route(, le)?\) \(increase\(.*\[86400s\]\)\)/);
  });

  it('a job-based setup without a route label gives one whole-service history per job', async () => {
    const srv = await replay({
      '/api/v1/series': () => ok([{ job: 'api' }, { job: 'web' }]),
      '/api/v1/query_range': (f) => matrix(f.get('query')!.includes('le)') ? [] : [{ metric: { job: 'api' }, values: [[END, '10']] }, { metric: { job: 'web' }, values: [[END, '20']] }]),
      '/api/v1/query_exemplars': () => ok([]),
    });
    const source = new PrometheusHistorySource({ client: new PrometheusClient({ url: srv.url }), metrics: { histogram: 'http_request_duration_seconds', labels: { service: 'job', route: null, status: 'code' }, errorStatusRegex: '5..' } });
    const { histories } = await source.fetchHistories({ end: END, windowSeconds: DAY, breachWindowSeconds: DAY });
    expect(histories.map((h) => [h.service, h.endpoint, h.windows[0]!.total])).toEqual([['api', null, 10], ['web', null, 20]]);
    expect(srv.queries.some((q) => q.includes('sum by (job) (increase(http_request_duration_seconds_count{job=~"api|web"}[86400s]))'))).toBe(true);
  });

  it('service include/exclude globs skip services with the pattern as the reason', async () => {
    const srv = await replay({
      '/api/v1/series': () => ok([{ service_name: 'pay', http_route: '/a' }, { service_name: 'pay-canary', http_route: '/a' }]),
      '/api/v1/query_range': () => matrix([{ metric: { service_name: 'pay', http_route: '/a' }, values: [[END, '5']] }]),
      '/api/v1/query_exemplars': () => ok([]),
    });
    const source = new PrometheusHistorySource({ client: new PrometheusClient({ url: srv.url }), services: { exclude: ['*-canary'] } });
    const r = await source.fetchHistories({ end: END, windowSeconds: DAY, breachWindowSeconds: DAY });
    expect(r.histories.map((h) => h.service)).toEqual(['pay']);
    expect(r.skipped).toEqual([{ service: 'pay-canary', endpoint: '/a', reason: 'service excluded by pattern *-canary' }]);
    expect(srv.queries.filter((q) => q.startsWith('/api/v1/query_range')).every((q) => q.includes('service_name=~"pay"'))).toBe(true);
  });
});

describe('PrometheusHistorySource.fetchAlertSeries on replayed API replies', () => {
  it('a group whose reply passes the byte cap is fetched again in halves, and each endpoint keeps its values', async () => {
    const step = 300;
    const start = END - 3 * step;
    const srv = await replay({
      '/api/v1/query_range': (f) => {
        const q = f.get('query')!;
        const routes = /http_route=~"([^"]*)"/.exec(q)![1]!.split('|');
        const errors = q.includes('5..');
        // Two routes in one reply: padded past the cap, as a reply with many series would be.
        const pad: Record<string, string> = routes.length > 1 ? { note: 'x'.repeat(400) } : {};
        return matrix(routes.map((route) => ({
          metric: { service_name: 'pay', http_route: route, ...pad },
          values: [1, 2, 3].map((i) => [start + i * step, String(errors ? i / 100 : route.length * i)] as [number, string]),
        })));
      },
    });
    // 3 points x 64 bytes: room for two endpoints a query by the estimate, but not by the padded reply.
    const source = new PrometheusHistorySource({ client: new PrometheusClient({ url: srv.url, maxResponseBytes: 3 * 64 * 2 + 10 }) });
    const queries = (route: string) => availabilityQueries(defaultOtelSource('pay', route));
    const reqs = ['/a', '/bb'].map((route) => ({ service: 'pay', endpoint: route, sli: 'availability' as const, thresholdSeconds: null, queries: queries(route), start, end: END, step }));
    const r = await source.fetchAlertSeries(reqs);
    const [a, bb] = r.series as AlertSeries[];
    expect(Array.from(a!.total)).toEqual([2 * step, 4 * step, 6 * step]);
    expect(Array.from(bb!.total)).toEqual([3 * step, 6 * step, 9 * step]);
    expect(Array.from(a!.bad)).toEqual([0.01 * step, 0.02 * step, 0.03 * step]);
    // The pair's two queries were refused, then each half asked its own two.
    expect(srv.queries.filter((q) => q.startsWith('/api/v1/query_range'))).toHaveLength(6);
    expect(r.stats.queries).toBe(6);
  });
});

describe('PrometheusHistorySource.probeAlertSeries on replayed API replies', () => {
  const step = 300;
  const start = END - 28 * DAY;
  const request = (service: string, route: string, own = true) => {
    const q = availabilityQueries(defaultOtelSource(service, route));
    return { service, endpoint: route, sli: 'availability' as const, thresholdSeconds: null, queries: own ? q : { ...q, total: `${q.total} ` }, start, end: END, step };
  };

  it('asks once per 200 services, at the range end, and only the services the reply names are dense', async () => {
    const srv = await replay({
      '/api/v1/query': () => ok({ resultType: 'vector', result: [{ metric: { service_name: 'svc-7' }, value: [END, '2'] }] }),
    });
    const services = Array.from({ length: 250 }, (_, i) => `svc-${i}`);
    const source = new PrometheusHistorySource({ client: new PrometheusClient({ url: srv.url }) });
    // A query the source did not write cannot be probed: unsure, so dense.
    const r = await source.probeAlertSeries([...services.map((s) => request(s, '/a')), request('svc-8', '/b', false)]);
    expect(r.dense.filter(Boolean)).toHaveLength(2);
    expect(r.dense[7]).toBe(true);
    expect(r.dense[250]).toBe(true);
    expect(r.stats.queries).toBe(2);
    const probes = srv.queries.filter((q) => q.startsWith('/api/v1/query '));
    expect(probes).toHaveLength(2);
    // 28 days at 23 h apart, two samples within 10 minutes of each probe time.
    expect(probes[0]).toContain(`[${28 * DAY}s:${23 * 3600}s]`);
    expect(probes[0]).toContain('[600s]');
  });

  it('a failed probe spares nothing: every SLO counts as dense and is fetched', async () => {
    const srv = await replay({});
    const source = new PrometheusHistorySource({ client: new PrometheusClient({ url: srv.url, retries: 0 }) });
    const r = await source.probeAlertSeries([request('pay', '/a'), request('shop', '/b')]);
    expect(r.dense).toEqual([true, true]);
    expect(srv.queries.length).toBeGreaterThan(0);
  });
});
