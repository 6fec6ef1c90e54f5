/**
 * The streamed analysis with the AI layer on (as `slo-scout analyze` and the worker run it): criticality
 * and name vectors per batch, first recommend pass per service on the threads while later batches'
 * queries are out, borrowing after the last batch, what-if early for services that cannot borrow.
 * The report must be the sequential pipeline's (in process, everything fetched first), apart from its
 * timings. The demo fleet on a real Prometheus: a new endpoint (search /v2/suggest) borrows; the
 * others' services get their what-if while the fetch goes on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAiLayer, type AiLayer } from '../../app/ai/index.js';
import { createComputePool, type ComputePool } from '../../app/compute/pool.js';
import { AiSettings } from '../../app/config/ai.js';
import type { FleetSpec } from '../../app/core/fleet/index.js';
import type { Report } from '../../app/core/report.js';
import { fixedClock } from '../../app/deps.js';
import { silentLogger } from '../../app/logger.js';
import { runAnalysis } from '../../app/pipeline.js';
import { PrometheusClient } from '../../app/telemetry/prometheus/client.js';
import { PrometheusHistorySource } from '../../app/telemetry/prometheus/source.js';
import type { HistorySource } from '../../app/telemetry/source.js';
import { buildBlocks, startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';

const DAY = 86_400;
const END = Date.UTC(2026, 10, 30) / 1000;
const FLEET: FleetSpec = { seed: 7, scenario: 'demo', end: END, days: 29 };
const options = { end: END, windowSeconds: 28 * DAY, breachWindowSeconds: DAY, seed: 1, bootstrapDraws: 300, hourly: 'auto' as const };

const json = (r: Report) => JSON.stringify({ ...r, timings: undefined });

/** The source as is (it streams), or without its batches (everything handed over at the end); counts the batches. */
function wrap(source: HistorySource, stream: boolean, batches: number[]): HistorySource {
  return {
    name: source.name,
    fetchHistories: (request, onProgress, onBatch) => source.fetchHistories(request, onProgress, stream && onBatch ? (hs) => {
      batches.push(hs.length);
      onBatch(hs);
    } : undefined),
    fetchAlertSeries: (requests) => source.fetchAlertSeries!(requests),
  };
}

/** The pool, recording each task as it is submitted: "recommend svc" or "what-if svc" (both for a recommend+what-if task). */
function recording(pool: ComputePool, log: string[]): ComputePool {
  const services = (t: { histories: Array<{ service: string }> }) => [...new Set(t.histories.map((h) => h.service))].join(',');
  return {
    threads: pool.threads,
    recommend: (t, o) => { log.push(`recommend ${services(t)}`); return pool.recommend(t, o); },
    whatIf: (t, o) => { log.push(`what-if ${services(t)}`); return pool.whatIf(t, o); },
    recommendWhatIf: (t, o) => { log.push(`recommend ${services(t)}`, `what-if ${services(t)}`); return pool.recommendWhatIf!(t, o); },
    close: () => pool.close(),
  };
}

describe('streamed analysis with the AI layer on', () => {
  let prom: RunningPrometheus;
  let threads: ComputePool;
  const inProcess = createComputePool({ threads: 0 });
  beforeAll(async () => {
    prom = await startPrometheus(await buildBlocks({ fleet: FLEET }, 'compute-stream-ai'));
    threads = createComputePool({ threads: 2 });
  }, 300_000);
  afterAll(async () => {
    await prom?.stop();
    await threads?.close();
  });

  const analyse = (compute: ComputePool, ai: AiLayer, stream: boolean, batches: number[] = []) => {
    // Four services per query: four batches of the thirteen services.
    const source = new PrometheusHistorySource({ client: new PrometheusClient({ url: prom.url }), servicesPerQuery: 4 });
    return runAnalysis({ source: wrap(source, stream, batches), ai, logger: silentLogger, clock: fixedClock(new Date(END * 1000)), compute }, options);
  };

  it('gives the sequential pipeline\'s report, with the default AI layer, with threads and batches', { timeout: 180_000 }, async () => {
    const ai = await createAiLayer({ settings: AiSettings.parse({}), env: {}, logger: silentLogger });
    const sequential = await analyse(inProcess, ai, false);
    // What the AI layer does shows in the report: labels of more than one kind, critical first, a borrower.
    const labels = sequential.proposals.map((p) => p.criticality?.label);
    expect(new Set(labels).size).toBeGreaterThan(1);
    expect(labels[0]).toBe('critical');
    const borrowers = sequential.proposals.filter((p) => p.borrowed);
    expect(borrowers.map((p) => `${p.service} ${p.endpoint}`)).toContain('search /v2/suggest');
    expect(sequential.proposals.filter((p) => p.whatIf?.length).length).toBe(sequential.proposals.length);
    const batches: number[] = [];
    const tasks: string[] = [];
    const streamed = await analyse(recording(threads, tasks), ai, true, batches);
    expect(batches.length).toBeGreaterThan(2);
    expect(json(streamed)).toBe(json(sequential));
    // It streamed: what-ifs went out before the last service's first pass; search (it borrows) got
    // its second pass after every first pass, and its what-if only after that.
    const recommends = tasks.filter((t) => t.startsWith('recommend'));
    const firstPasses = recommends.slice(0, new Set(recommends).size);
    expect(firstPasses.length).toBeGreaterThan(10);
    expect(firstPasses.every((t) => !t.includes(','))).toBe(true);
    const lastFirst = tasks.indexOf(firstPasses.at(-1)!);
    expect(tasks.findIndex((t) => t.startsWith('what-if'))).toBeLessThan(lastFirst);
    const secondSearch = tasks.lastIndexOf('recommend search');
    expect(secondSearch).toBeGreaterThan(lastFirst);
    expect(tasks.filter((t) => t === 'what-if search')).toHaveLength(1);
    expect(tasks.indexOf('what-if search')).toBeGreaterThan(secondSearch);
    // The source not streaming (one batch at the end) gives it too.
    expect(json(await analyse(threads, ai, false))).toBe(json(sequential));
  });

  it('gives the same report with criticality or borrowing off, streamed as in process', { timeout: 180_000 }, async () => {
    for (const settings of [{ criticality: { enabled: false } }, { borrowPriors: false }]) {
      const ai = await createAiLayer({ settings: AiSettings.parse(settings), env: {}, logger: silentLogger });
      const sequential = await analyse(inProcess, ai, false);
      expect(json(await analyse(threads, ai, true))).toBe(json(sequential));
    }
  });
});
