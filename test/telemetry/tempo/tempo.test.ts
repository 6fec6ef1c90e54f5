import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Proposal } from '../../../app/core/report.js';
import { TempoClient } from '../../../app/telemetry/tempo/client.js';
import { addTempoEvidence } from '../../../app/telemetry/tempo/evidence.js';

const TEMPO = 'http://tempo.test:3200';

/** A reply in the shape Tempo documents for GET /api/search (traces[].traceID, spanSet.spans[], matched). */
function searchReply(traces: Array<{ id: string; startSeconds: number; durationMs?: number; spanNanos?: number[] }>) {
  return {
    traces: traces.map((t) => ({
      traceID: t.id,
      rootServiceName: 'payments',
      rootTraceName: 'POST /charge',
      startTimeUnixNano: `${t.startSeconds}123456789`,
      ...(t.durationMs !== undefined ? { durationMs: t.durationMs } : {}),
      spanSet: {
        spans: (t.spanNanos ?? []).map((d, i) => ({ spanID: `00000000000000${String(i).padStart(2, '0')}`, startTimeUnixNano: `${t.startSeconds}000000000`, durationNanos: String(d), attributes: [{ key: 'service.name', value: { stringValue: 'payments' } }] })),
        matched: (t.spanNanos ?? []).length,
      },
    })),
    metrics: { inspectedTraces: 120, inspectedBytes: '98765', completedJobs: 1, totalJobs: 1 },
  };
}

function proposal(sli: 'latency' | 'availability'): Proposal {
  const variant = (type: 'conservative' | 'balanced' | 'aggressive', threshold: number) => ({
    type, pValue: 99, target: 99, thresholdSeconds: sli === 'latency' ? threshold : null, expectedBreachRate: 0.1, breachRateInterval: [0.05, 0.2] as [number, number],
    errorBudget: { badFraction: 0.01, requestsPerWindow: 1, requestsPerPeriod: 1, minutesPerWindow: 1, minutesPerPeriod: 1 }, historicalCompliance: 0.9,
  });
  return {
    sloId: `payments-charge-${sli}`, service: 'payments', endpoint: '/charge', sli, selectedVariant: 'balanced', confidence: 0.8,
    confidenceComponents: { trafficVolume: 1, dataCoverage: 1, stability: 1, intervalWidth: 1 }, warnings: [],
    variants: [variant('conservative', 0.5), variant('balanced', 0.25), variant('aggressive', 0.1)],
    evidence: [
      { kind: 'worst-window', description: 'w1', start: '2026-10-20T00:00:00Z', end: '2026-10-21T00:00:00Z', value: 0.97, variants: ['balanced'] },
      { kind: 'worst-window', description: 'w0', start: '2026-10-23T00:00:00Z', end: '2026-10-24T00:00:00Z', value: 0.95, variants: ['balanced'] },
    ],
  };
}

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/(127\.0\.0\.1|localhost)/);
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending).toEqual([]);
});

describe('TempoClient.search', () => {
  it('sends TraceQL with start/end/limit and restores the leading zeros Tempo drops from trace ids', async () => {
    nock(TEMPO)
      .get('/api/search')
      .query({ q: '{ resource.service.name = "payments" && duration > 250ms }', start: '1793000000', end: '1793086400', limit: '5' })
      .matchHeader('x-scope-orgid', 'shop')
      .reply(200, searchReply([{ id: '2f3e0cee77ae5dc9c17ade3689eb2e54', startSeconds: 1793000100, durationMs: 812 }, { id: '7a1d2dd4deaf177e0acf55b3c49032', startSeconds: 1793000200 }]));
    const hits = await new TempoClient({ url: `${TEMPO}/`, headers: { 'X-Scope-OrgID': 'shop' } })
      .search('{ resource.service.name = "payments" && duration > 250ms }', 1793000000, 1793086400, 5);
    expect(hits.map((h) => h.traceId)).toEqual(['2f3e0cee77ae5dc9c17ade3689eb2e54', '007a1d2dd4deaf177e0acf55b3c49032']);
    expect(hits[0]!.start).toBeCloseTo(1793000100.123, 3);
    expect(hits[0]!.durationSeconds).toBe(0.812);
    expect(hits[1]!.durationSeconds).toBe(0); // durationMs omitted: Tempo leaves out zero values
  });

  it('a 400 (bad TraceQL) is not retried and says to check the syntax', async () => {
    nock(TEMPO).get('/api/search').query(true).reply(400, 'parse error at line 1, col 3');
    await expect(new TempoClient({ url: TEMPO, retryMinMs: 1 }).search('{ nope', 0, 1)).rejects.toThrow(/HTTP 400: parse error.*check the TraceQL syntax/);
  });

  it('a 502 is retried and the second answer is used', async () => {
    nock(TEMPO).get('/api/search').query(true).reply(502, 'bad gateway');
    nock(TEMPO).get('/api/search').query(true).reply(200, searchReply([]));
    await expect(new TempoClient({ url: TEMPO, retryMinMs: 1 }).search('{ }', 0, 1)).resolves.toEqual([]);
  });

  it('a reply of the wrong shape names the field', async () => {
    nock(TEMPO).get('/api/search').query(true).reply(200, { traces: [{ traceID: 'xyz', startTimeUnixNano: '1' }] });
    await expect(new TempoClient({ url: TEMPO }).search('{ }', 0, 1)).rejects.toThrow(/unexpected shape at traces\.0\.traceID/);
  });
});

describe('addTempoEvidence', () => {
  it('searches the selected variant\'s worst window for spans slower than its threshold and keeps the slowest traces', async () => {
    nock(TEMPO)
      .get('/api/search')
      .query({ q: '{ resource.service.name = "payments" && span.http.route = "/charge" && duration > 250ms }', start: String(Date.parse('2026-10-23T00:00:00Z') / 1000), end: String(Date.parse('2026-10-24T00:00:00Z') / 1000), limit: '4' })
      .reply(200, searchReply([
        { id: 'a'.repeat(32), startSeconds: 1792800000, durationMs: 400, spanNanos: [300_000_000] },
        { id: 'b'.repeat(32), startSeconds: 1792800100, durationMs: 900, spanNanos: [850_000_000, 10_000] },
        { id: 'c'.repeat(32), startSeconds: 1792800200, durationMs: 500, spanNanos: [450_000_000] },
      ]));
    const p = proposal('latency');
    const r = await addTempoEvidence([p], new TempoClient({ url: TEMPO }), { tracesPerProposal: 2 });
    expect(r).toEqual({ searches: 1, traces: 2 });
    const found = p.evidence.filter((e) => e.kind === 'trace-search');
    expect(found.map((e) => e.traceId)).toEqual(['b'.repeat(32), 'c'.repeat(32)]);
    expect(found[0]!.url).toBe(`${TEMPO}/api/traces/${'b'.repeat(32)}`);
    expect(found[0]!.description).toContain('850 ms');
  });

  it('availability proposals search for failing spans; an empty result is recorded as such', async () => {
    nock(TEMPO).get('/api/search').query((q) => q.q === '{ resource.service.name = "payments" && span.http.route = "/charge" && status = error }').reply(200, searchReply([]));
    const p = proposal('availability');
    await addTempoEvidence([p], new TempoClient({ url: TEMPO }));
    expect(p.evidence.at(-1)).toMatchObject({ kind: 'trace-search', description: expect.stringContaining('found no traces') as string });
  });

  it('an unreachable Tempo adds a warning instead of failing the analysis', async () => {
    nock(TEMPO).get('/api/search').query(true).times(3).replyWithError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' });
    const p = proposal('latency');
    await expect(addTempoEvidence([p], new TempoClient({ url: TEMPO, retryMinMs: 1 }))).resolves.toEqual({ searches: 1, traces: 0 });
    expect(p.warnings[0]).toMatch(/^Tempo evidence unavailable: cannot reach Tempo at http:\/\/tempo\.test:3200/);
  });
});
