/**
 * The streamed analysis on a real Prometheus: batches of services go to the compute pool while later
 * batches' queries are out, each service's what-if as its proposals arrive. The report must be the
 * one of the sequential pipeline (in process, everything fetched first), apart from its timings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetHistorySource } from '../../app/cli/demo.js';
import { createComputePool, type ComputePool } from '../../app/compute/pool.js';
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
// Ten plain services and one whose traffic grows (analysis.hourly: auto fetches its hourly series),
// 29 days so the 28-day window has its first sample.
const SPEC = { seed: 7, scenario: 'uniform', services: 10, endpointsPerService: 2, queuedServices: 1, stepSeconds: 300 } as const;
const FLEET: FleetSpec = { ...SPEC, end: END, days: 29 };
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

describe('streamed analysis on the compute pool', () => {
  let prom: RunningPrometheus;
  let threads: ComputePool;
  const inProcess = createComputePool({ threads: 0 });
  beforeAll(async () => {
    prom = await startPrometheus(await buildBlocks({ fleet: FLEET }, 'compute-stream'));
    threads = createComputePool({ threads: 2 });
  }, 300_000);
  afterAll(async () => {
    await prom?.stop();
    await threads?.close();
  });

  const analyse = (compute: ComputePool, stream: boolean, batches: number[] = []) => {
    // Four services per query: three batches of the eleven services.
    const source = new PrometheusHistorySource({ client: new PrometheusClient({ url: prom.url }), servicesPerQuery: 4 });
    return runAnalysis({ source: wrap(source, stream, batches), logger: silentLogger, clock: fixedClock(new Date(END * 1000)), compute }, options);
  };

  it('gives the sequential pipeline\'s report with threads and batches, in any combination', { timeout: 180_000 }, async () => {
    const sequential = await analyse(inProcess, false);
    // The run exercises hourly series for the growing service (fetched per batch) and the what-if.
    expect(sequential.timings!.phases!.map((p) => p.name).join('\n')).toMatch(/fetch hourly series \(1 trending service: svc-queued-1\)/);
    expect(sequential.proposals.filter((p) => p.whatIf?.length).length).toBe(sequential.proposals.length);
    expect(sequential.proposals.length).toBeGreaterThan(40);
    const batches: number[] = [];
    const streamed = await analyse(threads, true, batches);
    expect(batches.length).toBe(3);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(22);
    expect(json(streamed)).toBe(json(sequential));
    // In process the analysis stays sequential even when the source streams.
    const none: number[] = [];
    expect(json(await analyse(inProcess, true, none))).toBe(json(sequential));
    expect(none).toEqual([]);
    expect(json(await analyse(threads, false))).toBe(json(sequential));
  });

  it('gives the same report from the demo source (one batch) with threads as in process', { timeout: 120_000 }, async () => {
    const run = (compute: ComputePool) => runAnalysis({ source: new FleetHistorySource({ ...SPEC }), logger: silentLogger, clock: fixedClock(new Date(END * 1000)), compute }, options);
    const a = await run(inProcess);
    expect(a.proposals.length).toBeGreaterThan(40);
    expect(json(await run(threads))).toBe(json(a));
  });
});
