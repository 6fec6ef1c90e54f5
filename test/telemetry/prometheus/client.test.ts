import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, bearerAuth, PrometheusClient, PrometheusError } from '../../../app/telemetry/prometheus/client.js';
import { OTEL_METRIC_NAMES, PrometheusHistorySource } from '../../../app/telemetry/prometheus/source.js';
import { freePort, startPrometheus, testFleetBlocks, TEST_END, type RunningPrometheus } from '../../helpers/prometheus.js';

/** A scripted local HTTP server (our own stand-in for a misbehaving proxy in front of Prometheus). */
async function scripted(replies: Array<(req: IncomingMessage) => { status: number; body: string } | null>): Promise<{ url: string; requests: IncomingMessage[]; close: () => Promise<void> }> {
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    const reply = (replies[Math.min(requests.length - 1, replies.length - 1)]!)(req);
    if (reply === null) return; // never answer: a hung backend
    res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

const VECTOR_OK = JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { a: 'b' }, value: [1, '42'] }] } });

describe('PrometheusClient against scripted replies', () => {
  it('an unreachable URL names the URL, the cause and the flag to fix', async () => {
    const port = await freePort();
    const client = new PrometheusClient({ url: `http://127.0.0.1:${port}`, retries: 1, retryMinMs: 5 });
    const err = (await client.query('up', 0).catch((e: unknown) => e)) as PrometheusError;
    expect(err).toBeInstanceOf(PrometheusError);
    expect(err.message).toContain(`cannot reach Prometheus at http://127.0.0.1:${port} (ECONNREFUSED)`);
    expect(err.message).toContain('--prometheus');
    expect(client.stats.retries).toBe(1);
  });

  it('a 503 is retried with backoff and the second answer is used', async () => {
    const srv = await scripted([() => ({ status: 503, body: 'overloaded' }), () => ({ status: 200, body: VECTOR_OK })]);
    try {
      const client = new PrometheusClient({ url: srv.url, retries: 2, retryMinMs: 5 });
      const result = await client.query('up', 0);
      expect(result[0]?.value[1]).toBe('42');
      expect(srv.requests).toHaveLength(2);
      expect(client.stats).toMatchObject({ queries: 1, retries: 1 });
    } finally {
      await srv.close();
    }
  });

  it('a 401 is not retried and points at the auth settings', async () => {
    const srv = await scripted([() => ({ status: 401, body: 'no' })]);
    try {
      const client = new PrometheusClient({ url: srv.url, retries: 3, retryMinMs: 5 });
      await expect(client.query('up', 0)).rejects.toThrow(/HTTP 401.*datasources\.prometheus\.auth/);
      expect(srv.requests).toHaveLength(1);
    } finally {
      await srv.close();
    }
  });

  it('sends the bearer token, basic credentials and extra tenant headers', async () => {
    const srv = await scripted([() => ({ status: 200, body: VECTOR_OK })]);
    try {
      await new PrometheusClient({ url: srv.url, authorization: bearerAuth('t0k'), headers: { 'X-Scope-OrgID': 'shop' } }).query('up', 0);
      await new PrometheusClient({ url: srv.url, authorization: basicAuth('u', 'p') }).query('up', 0);
      expect(srv.requests[0]!.headers.authorization).toBe('Bearer t0k');
      expect(srv.requests[0]!.headers['x-scope-orgid']).toBe('shop');
      expect(srv.requests[1]!.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    } finally {
      await srv.close();
    }
  });

  it('a hung backend times out with a message naming the timeout setting', async () => {
    const srv = await scripted([() => null]);
    try {
      const client = new PrometheusClient({ url: srv.url, timeoutSeconds: 0.2, retries: 0 });
      await expect(client.query('up', 0)).rejects.toThrow(/did not answer within 0\.2s for up: raise datasources\.prometheus\.timeoutSeconds/);
    } finally {
      await srv.close();
    }
  });

  it('an HTML login page instead of the API is reported as such', async () => {
    const srv = await scripted([() => ({ status: 200, body: '<html>login</html>' })]);
    try {
      await expect(new PrometheusClient({ url: srv.url }).query('up', 0)).rejects.toThrow(/did not return JSON.*login page/);
    } finally {
      await srv.close();
    }
  });

  it('matrix samples are checked in place: a number value, a missing timestamp or an object is refused', async () => {
    const matrix = (values: unknown) => JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { a: 'b' }, values }] } });
    const good = [[1, '1'], [2, '2.5']];
    const srv = await scripted([
      () => ({ status: 200, body: matrix(good) }),
      () => ({ status: 200, body: matrix([[1, '1'], [2, 2.5]]) }),
      () => ({ status: 200, body: matrix([[1, '1'], ['2']]) }),
      () => ({ status: 200, body: matrix({ 0: [1, '1'] }) }),
    ]);
    try {
      const client = new PrometheusClient({ url: srv.url });
      expect((await client.queryRange('x', 1, 2, 1))[0]!.values).toEqual(good);
      for (let i = 0; i < 3; i++) {
        await expect(client.queryRange('x', 1, 2, 1)).rejects.toThrow(/unexpected shape for x: expected \[\[unix seconds, "value"\], \.\.\.\] at result\.0\.values/);
      }
    } finally {
      await srv.close();
    }
  });
});

describe('PrometheusClient and PrometheusHistorySource against a real Prometheus', () => {
  let prom: RunningPrometheus;
  beforeAll(async () => {
    prom = await startPrometheus(await testFleetBlocks());
  });
  afterAll(async () => {
    await prom?.stop();
  });

  it('a PromQL syntax error carries the API error text and the query', async () => {
    const client = new PrometheusClient({ url: prom.url, retries: 2, retryMinMs: 5 });
    const err = (await client.query('sum(rate(x[5m])', TEST_END).catch((e: unknown) => e)) as PrometheusError;
    expect(err.message).toMatch(/^Prometheus rejected the query sum\(rate\(x\[5m\]\): bad_data: .*parse error/);
    expect(client.stats.retries).toBe(0);
  });

  it('a long range split into many requests returns the same series as one request', async () => {
    const expr = 'sum by (service_name) (increase(http_server_request_duration_seconds_count[1h]))';
    const whole = new PrometheusClient({ url: prom.url });
    const split = new PrometheusClient({ url: prom.url, maxPointsPerQuery: 50 });
    const start = TEST_END - 10 * 86400;
    const a = await whole.queryRange(expr, start, TEST_END, 3600);
    const b = await split.queryRange(expr, start, TEST_END, 3600);
    expect(split.stats.queries).toBe(Math.ceil((10 * 24 + 1) / 50));
    const norm = (r: typeof a) => r.map((s) => ({ m: s.metric, v: s.values })).sort((x, y) => x.m.service_name!.localeCompare(y.m.service_name!));
    expect(norm(b)).toEqual(norm(a));
    expect(a[0]!.values).toHaveLength(10 * 24 + 1);
  });

  it('a wrong histogram name says no series matched and how to fix it', async () => {
    const source = new PrometheusHistorySource({ client: new PrometheusClient({ url: prom.url }), metrics: { ...OTEL_METRIC_NAMES, histogram: 'http_request_duration_seconds' } });
    await expect(source.fetchHistories({ end: TEST_END, windowSeconds: 7 * 86400, breachWindowSeconds: 86400 }))
      .rejects.toThrow(/no series matched http_request_duration_seconds_count .*check metrics\.histogram in \.slo-scout\.yml or --metric/);
  });

  it('wrong label names list the labels the metric really has', async () => {
    const source = new PrometheusHistorySource({ client: new PrometheusClient({ url: prom.url }), metrics: { ...OTEL_METRIC_NAMES, labels: { service: 'service', route: 'route', status: 'code' } } });
    const err = (await source.fetchHistories({ end: TEST_END, windowSeconds: 7 * 86400, breachWindowSeconds: 86400 }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/has no label service, route \(labels present: .*http_route.*service_name/);
    expect(err.message).toContain('set metrics.labels in .slo-scout.yml');
  });
});
