import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { SpanAggregator } from '../../../app/telemetry/otlp/aggregate.js';
import { CapsuleIngestor } from '../../../app/telemetry/otlp/capsule-ingest.js';
import { encodeRequest, MESSAGES } from '../../../app/telemetry/otlp/decode.js';
import { otlpRoutes, parseTenantTokens, tenantFor } from '../../../app/telemetry/otlp/receiver.js';
import { silentLogger } from '../../../app/logger.js';
import type { HttpRequest, HttpRoute } from '../../../app/server/http.js';

const TOKEN = 'tok-payments-0123456789abcdef';
const T0 = 1_790_000_000n * 1_000_000_000n; // ns, on a minute boundary + 20 s

function setup(extra: Partial<Parameters<typeof otlpRoutes>[0]> = {}) {
  const spans = new SpanAggregator();
  const capsules = new CapsuleIngestor();
  const routes = otlpRoutes({ logger: silentLogger, tokens: [{ tenant: 'payments', token: TOKEN }], spans, capsules, ...extra });
  const byPath = (p: string) => routes.find((r) => r.path === p)!;
  return { spans, capsules, traces: byPath('/v1/traces'), logs: byPath('/v1/logs'), metrics: byPath('/v1/metrics') };
}

function req(body: Buffer, headers: Record<string, string> = {}): HttpRequest {
  return { method: 'POST', path: '/v1/traces', query: new URLSearchParams(), rawBody: body, headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${TOKEN}`, ...headers } };
}

const spanObj = (i: number, ms: number, extra: Record<string, unknown> = {}) => ({
  traceId: Buffer.alloc(16, i + 1), spanId: Buffer.alloc(8, i + 1), name: 'POST /pay',
  startTimeUnixNano: (T0 + 20_000_000_000n).toString(), endTimeUnixNano: (T0 + 20_000_000_000n + BigInt(ms * 1e6)).toString(),
  attributes: [{ key: 'http.route', value: { stringValue: '/pay' } }, { key: 'http.response.status_code', value: { intValue: i % 10 === 0 ? 503 : 200 } }],
  ...extra,
});
const tracesBody = (spans: object[]) => ({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }, { key: 'service.version', value: { stringValue: '1.4.2' } }, { key: 'deployment.environment.name', value: { stringValue: 'prod' } }] }, scopeSpans: [{ spans }] }] });

async function call(route: HttpRoute, r: HttpRequest) {
  return route.handle(r);
}

describe('OTLP/HTTP receiver', () => {
  it('aggregates protobuf spans into one per-minute series with counts, errors and a sketch', async () => {
    const s = setup();
    const res = await call(s.traces, req(encodeRequest('traces', tracesBody(Array.from({ length: 20 }, (_, i) => spanObj(i, 10 + i))))));
    expect(res.status).toBe(200);
    const decoded = MESSAGES.traces.response.decode(res.body as Buffer).toJSON();
    expect(decoded.partialSuccess).toBeUndefined();
    const rows = s.spans.drain();
    const total = rows.reduce((a, r) => a + r.count, 0);
    expect(total).toBe(20);
    const errorRow = rows.find((r) => r.status === '5xx')!;
    expect(errorRow).toMatchObject({ service: 'checkout', endpoint: '/pay', version: '1.4.2', environment: 'prod', errors: 2 });
    expect(errorRow.minute % 60).toBe(0);
    expect(errorRow.exemplars[0]!.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('accepts gzip-compressed JSON with hex ids and answers in JSON', async () => {
    const s = setup();
    const json = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cart' } }] }, scopeSpans: [{ spans: [
      { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'GET', startTimeUnixNano: String(T0), endTimeUnixNano: String(T0 + 5_000_000n), attributes: [{ key: 'http.route', value: { stringValue: '/cart' } }], status: { code: 2 } },
    ] }] }] };
    const res = await call(s.traces, req(gzipSync(JSON.stringify(json)), { 'content-type': 'application/json', 'content-encoding': 'gzip' }));
    expect(res.status).toBe(200);
    expect(res.headers?.['content-type']).toBe('application/json');
    const [row] = s.spans.drain();
    expect(row).toMatchObject({ service: 'cart', endpoint: '/cart', status: 'error', errors: 1, count: 1 });
    expect(row!.exemplars[0]!.traceId).toBe('5b8efff798038103d269b633813fc60c');
  });

  it('answers partial_success naming the reason when some spans are invalid, and keeps the valid ones', async () => {
    const s = setup();
    const bad = spanObj(1, 5, { endTimeUnixNano: String(T0) }); // ends before it starts
    const res = await call(s.traces, req(encodeRequest('traces', tracesBody([spanObj(2, 5), bad]))));
    expect(res.status).toBe(200);
    const decoded = MESSAGES.traces.response.decode(res.body as Buffer).toJSON() as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(Number(decoded.partialSuccess.rejectedSpans)).toBe(1);
    expect(decoded.partialSuccess.errorMessage).toMatch(/end time before start time/);
    expect(s.spans.drain().reduce((a, r) => a + r.count, 0)).toBe(1);
  });

  it('a malformed body is a 400 with a reason and leaves what was aggregated before untouched', async () => {
    const s = setup();
    await call(s.traces, req(encodeRequest('traces', tracesBody([spanObj(2, 5)]))));
    const res = await call(s.traces, req(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01])));
    expect(res.status).toBe(400);
    const status = await call(s.traces, req(Buffer.from('{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "not-hex!"}]}]}]}'), { 'content-type': 'application/json' }));
    expect(status.status).toBe(400);
    expect((status.body as { message: string }).message).toMatch(/resourceSpans\.0\.scopeSpans\.0\.spans\.0\.traceId/);
    expect(s.spans.drain().reduce((a, r) => a + r.count, 0)).toBe(1);
  });

  it.each([
    ['an unknown content type is 415', { 'content-type': 'text/plain' }, 415],
    ['a missing token is 401', { authorization: '' }, 401],
    ['a wrong token is 401', { authorization: 'Bearer tok-payments-0123456789abcdeX' }, 401],
    ['an unknown content encoding is 415', { 'content-encoding': 'br' }, 415],
  ])('%s', async (_name, headers, expected) => {
    const s = setup();
    const res = await call(s.traces, req(encodeRequest('traces', tracesBody([spanObj(1, 5)])), headers));
    expect(res.status).toBe(expected);
    expect(s.spans.seriesCount).toBe(0);
  });

  it('a body over the size limit is 413, and so is a gzip body that inflates past the decompressed limit', async () => {
    const s = setup({ maxBodyBytes: 1000, maxDecompressedBytes: 10_000 });
    expect((await call(s.traces, req(Buffer.alloc(2000)))).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(200_000));
    expect(bomb.length).toBeLessThan(1000);
    expect((await call(s.traces, req(bomb, { 'content-encoding': 'gzip' }))).status).toBe(413);
  });

  it('sheds load with 503 and Retry-After while overloaded', async () => {
    const s = setup({ isOverloaded: () => true, retryAfterSeconds: 7 });
    const res = await call(s.traces, req(encodeRequest('traces', tracesBody([spanObj(1, 5)]))));
    expect(res.status).toBe(503);
    expect(res.headers?.['retry-after']).toBe('7');
  });

  it('turns log records into capsules with counts, severity and trace exemplars', async () => {
    const s = setup();
    const records = ['payment 41 declined for card 4242', 'payment 42 declined for card 1111', 'cache warmed in 35ms'].map((body, i) => ({
      timeUnixNano: (T0 + BigInt(i) * 1_000_000_000n).toString(), severityNumber: i < 2 ? 17 : 9, body: { stringValue: body }, traceId: Buffer.alloc(16, 9 + i),
    }));
    const body = encodeRequest('logs', { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] }, scopeLogs: [{ logRecords: records }] }] });
    const res = await call(s.logs, req(body));
    expect(res.status).toBe(200);
    const { capsules, raw } = s.capsules.drain();
    const declined = capsules.find((c) => c.template.includes('declined'))!;
    expect(declined).toMatchObject({ count: 2, severity: 17, service: 'checkout' });
    expect(declined.template).toBe('payment <NUM> declined for card <NUM>');
    expect(declined.traceIds).toHaveLength(2);
    expect(raw).toHaveLength(3);
  });

  it('turns span exception events into ERROR capsules carrying the span trace id', async () => {
    const s = setup();
    const events = [1, 2].map((n) => ({ timeUnixNano: (T0 + 20_000_000_000n).toString(), name: 'exception', attributes: [
      { key: 'exception.type', value: { stringValue: 'TimeoutError' } }, { key: 'exception.message', value: { stringValue: `upstream ledger timed out after ${n}000 ms` } },
    ] }));
    await call(s.traces, req(encodeRequest('traces', tracesBody([spanObj(1, 5, { events: [events[0]] }), spanObj(2, 5, { events: [events[1]] })]))));
    const [capsule] = s.capsules.drain().capsules;
    expect(capsule).toMatchObject({ service: 'checkout', count: 2, severity: 17, template: 'exception TimeoutError upstream ledger timed out after <NUM> ms' });
    expect(capsule!.traceIds).toEqual([Buffer.alloc(16, 2).toString('hex'), Buffer.alloc(16, 3).toString('hex')]);
  });

  it('acknowledges metrics with partial_success saying they are not stored', async () => {
    const s = setup();
    const body = encodeRequest('metrics', { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'x', gauge: { dataPoints: [{ asDouble: 1 }, { asDouble: 2 }] } }] }] }] });
    const res = await call(s.metrics, req(body));
    expect(res.status).toBe(200);
    const decoded = MESSAGES.metrics.response.decode(res.body as Buffer).toJSON() as { partialSuccess: { rejectedDataPoints: string } };
    expect(Number(decoded.partialSuccess.rejectedDataPoints)).toBe(2);
  });
});

describe('tenant tokens', () => {
  it('parses tenant:token pairs and finds the tenant of a bearer token', () => {
    const tokens = parseTenantTokens('a:aaaaaaaaaaaaaaaaaaaa,b:bbbbbbbbbbbbbbbbbbbb');
    expect(tenantFor(tokens, 'Bearer bbbbbbbbbbbbbbbbbbbb')).toBe('b');
    expect(tenantFor(tokens, 'Basic bbbbbbbbbbbbbbbbbbbb')).toBeUndefined();
  });
  it('refuses a short token with the entry number and rule', () => {
    expect(() => parseTenantTokens('a:short')).toThrow(/entry 1 \(tenant "a"\): OTLP tokens must be at least 16/);
  });
});

describe('createIntake', () => {
  it('mounts the OTLP routes only when tokens are configured and names a bad variable', async () => {
    const { createIntake } = await import('../../../app/telemetry/otlp/intake.js');
    const { parseEnv } = await import('../../../app/config/env.js');
    const pool = {} as never;
    const base = { pool, logger: silentLogger, clock: { now: () => new Date() } };
    expect(createIntake({ ...base, env: parseEnv({}) }).routes).toHaveLength(0);
    const intake = createIntake({ ...base, env: parseEnv({ OTLP_TOKENS: `acme:${TOKEN}`, ALERTMANAGER_SECRETS: `acme:${TOKEN}` }) });
    expect(intake.routes.map((r) => r.path)).toEqual(['/v1/traces', '/v1/logs', '/v1/metrics', '/webhooks/alertmanager']);
    expect(() => parseEnv({ INTAKE_FLUSH_SECONDS: '0' })).toThrow(/INTAKE_FLUSH_SECONDS/);
  });
});
