/**
 * Issue 11 §3 on a real installation: `analyze` and the app's engine ask Prometheus for hourly series
 * (config analysis.hourly), so a growing service with queue-shaped latency gets the queue model from a
 * real Prometheus as it does from memory. By default (auto) only the services whose traffic trends get
 * them; switched off, no hourly query is made.
 * Hourly replies stay under the byte cap: batches shrink, and an oversized reply is split.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetHistorySource } from '../../app/cli/demo.js';
import { parseConfig, type SloScoutConfig } from '../../app/config/schema.js';
import type { FleetSpec } from '../../app/core/fleet/index.js';
import type { Report } from '../../app/core/report.js';
import { fixedClock } from '../../app/deps.js';
import { silentLogger } from '../../app/logger.js';
import { analysisOptionsFromConfig, runAnalysis } from '../../app/pipeline.js';
import { PrometheusClient } from '../../app/telemetry/prometheus/client.js';
import { PrometheusHistorySource } from '../../app/telemetry/prometheus/source.js';
import { buildBlocks, startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';

const DAY = 86_400;
const END = Date.UTC(2026, 10, 30) / 1000;
// Two plain services and one whose traffic grows +9%/week into an M/M/1 queue; 29 days so the
// 28-day window has its first sample.
const FLEET: FleetSpec = { seed: 5, end: END, days: 29, scenario: 'uniform', services: 2, endpointsPerService: 1, queuedServices: 1, stepSeconds: 600 };
const QUEUED = 'svc-queued-1';

/** Steps (s) of the query_range calls a client made (and their queries, and every call's API path, when asked). */
function recordingFetch(steps: number[], queries: Array<{ step: number; query: string }> = [], paths: string[] = []): typeof fetch {
  return async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    paths.push(url.pathname);
    const body = init?.body instanceof URLSearchParams ? init.body : typeof init?.body === 'string' ? new URLSearchParams(init.body) : undefined;
    const step = url.searchParams.get('step') ?? body?.get('step');
    if (url.pathname.endsWith('/query_range') && step) {
      steps.push(Number(step));
      queries.push({ step: Number(step), query: url.searchParams.get('query') ?? body?.get('query') ?? '' });
    }
    return fetch(input, init);
  };
}

function config(yaml: string): SloScoutConfig {
  const parsed = parseConfig(yaml);
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  return parsed.config;
}

const latencyOf = (r: Report, service: string) => r.proposals.find((p) => p.service === service && p.sli === 'latency')!;

describe('hourly series from a real Prometheus', () => {
  let prom: RunningPrometheus;
  beforeAll(async () => {
    prom = await startPrometheus(await buildBlocks({ fleet: FLEET }, 'hourly-queued'));
  }, 300_000);
  afterAll(async () => {
    await prom?.stop();
  });

  const analyse = async (yaml: string, steps: number[] = [], queries: Array<{ step: number; query: string }> = [], paths: string[] = []) => {
    const source = new PrometheusHistorySource({ client: new PrometheusClient({ url: prom.url, fetch: recordingFetch(steps, queries, paths) }) });
    const options = { ...analysisOptionsFromConfig(config(yaml), END), bootstrapDraws: 300 };
    return runAnalysis({ source, logger: silentLogger, clock: fixedClock(new Date(END * 1000)) }, { ...options, alertReplay: { enabled: false } });
  };

  it('with hourly series for every service (analysis.hourly: true), the queued service gets the queue model, as from memory', async () => {
    const steps: number[] = [];
    const fromProm = await analyse('analysis:\n  hourly: true\n', steps);
    expect(steps).toContain(3600);
    const options = { ...analysisOptionsFromConfig(config('analysis:\n  hourly: true\n'), END), bootstrapDraws: 300, alertReplay: { enabled: false } };
    expect(options.hourly).toBe(true);
    const fromMemory = await runAnalysis({ source: new FleetHistorySource({ seed: 5, scenario: 'uniform', services: 2, endpointsPerService: 1, queuedServices: 1, stepSeconds: 600 }), logger: silentLogger, clock: fixedClock(new Date(END * 1000)) }, options);
    const p = latencyOf(fromProm, QUEUED);
    const m = latencyOf(fromMemory, QUEUED);
    expect(m.trend?.latencyModel).toBe('queue');
    expect(p.trend?.latencyModel).toBe('queue');
    expect(p.trend!.traffic!.perWeek).toBeGreaterThan(0.05);
    // Prometheus has no replica metric here (metrics.replicas unset): its "per replica" capacity is the
    // whole service's; the memory source knows the replicas. The total capacities agree.
    const total = (t: NonNullable<typeof p.trend>) => t.queue!.capacityPerReplica * t.queue!.replicas;
    expect(total(p.trend!) / total(m.trend!)).toBeGreaterThan(0.8);
    expect(total(p.trend!) / total(m.trend!)).toBeLessThan(1.25);
    expect(p.trend!.queue!.projectedPeakUtilisation).toBeGreaterThan(p.trend!.queue!.peakUtilisation);
    expect(p.warnings.find((w) => w.startsWith('Trend:'))).toMatch(/queue-shaped/);
    // The plain services have no queue.
    for (const s of ['svc-01', 'svc-02']) expect(latencyOf(fromProm, s).trend?.latencyModel).not.toBe('queue');
  }, 240_000);

  it('by default (analysis.hourly: auto) only the trending service gets hourly series: its proposals are those of hourly: true, the others those of hourly: false', async () => {
    expect(analysisOptionsFromConfig(config('{}'), END).hourly).toBe('auto');
    const queries: Array<{ step: number; query: string }> = [];
    const paths: string[] = [];
    const auto = await analyse('{}', [], queries, paths);
    const always = await analyse('analysis:\n  hourly: true\n');
    const neverQueries: Array<{ step: number; query: string }> = [];
    const neverPaths: string[] = [];
    const never = await analyse('analysis:\n  hourly: false\n', [], neverQueries, neverPaths);
    // Hourly queries were made, for the queued service alone.
    const hourlyQueries = queries.filter((q) => q.step === 3600);
    expect(hourlyQueries.length).toBeGreaterThan(0);
    for (const q of hourlyQueries) {
      expect(q.query).toContain(QUEUED);
      expect(q.query).not.toMatch(/svc-0[12]/);
    }
    expect(auto.timings!.phases!.map((p) => p.name)).toContain(`fetch hourly series (1 trending service: ${QUEUED})`);
    // The second fetch asks only for the hourly series: every other query is the first fetch's, made
    // once (as with hourly: false), plus one discovery of the trending service's series.
    const sorted = (list: Array<{ step: number; query: string }>) => list.map((q) => `${q.step} ${q.query}`).sort();
    expect(sorted(queries.filter((q) => q.step !== 3600))).toEqual(sorted(neverQueries));
    const count = (list: string[], suffix: string) => list.filter((p) => p.endsWith(suffix)).length;
    expect(count(paths, '/series')).toBe(count(neverPaths, '/series') + 1);
    expect(count(paths, '/query_exemplars')).toBe(count(neverPaths, '/query_exemplars'));
    expect(auto.timings!.queries).toBe(never.timings!.queries + hourlyQueries.length + 1);
    expect(latencyOf(auto, QUEUED).trend?.latencyModel).toBe('queue');
    const of = (r: Report, service: string) => r.proposals.filter((p) => p.service === service);
    expect(of(auto, QUEUED).length).toBe(2);
    expect(of(auto, QUEUED)).toEqual(of(always, QUEUED));
    expect(auto.calibrationByService?.[QUEUED]).toBeDefined();
    expect(auto.calibrationByService?.[QUEUED]).toEqual(always.calibrationByService?.[QUEUED]);
    for (const s of ['svc-01', 'svc-02']) {
      expect(of(auto, s).length).toBe(2);
      expect(of(auto, s)).toEqual(of(never, s));
      expect(auto.calibrationByService?.[s]).toEqual(never.calibrationByService?.[s]);
      // Not vacuous: hourly series change these services' what-if (the simulator steps through them).
      expect(of(always, s)).not.toEqual(of(never, s));
    }
  }, 240_000);

  it('analysis.hourly: false makes no hourly query, and the queue model is not fitted', async () => {
    const steps: number[] = [];
    const r = await analyse('analysis:\n  hourly: false\n', steps);
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.every((s) => s === DAY)).toBe(true);
    expect(latencyOf(r, QUEUED).trend?.latencyModel).not.toBe('queue');
    expect(latencyOf(r, QUEUED).trend?.queue).toBeUndefined();
  }, 240_000);

  it('keeps hourly replies under the byte cap: smaller batches, a split on an oversized reply, and no hourly data rather than a failure', async () => {
    const request = { end: END, windowSeconds: 28 * DAY, breachWindowSeconds: DAY, hourly: true };
    const fetchWith = async (maxResponseBytes?: number) => {
      const steps: number[] = [];
      const client = new PrometheusClient({ url: prom.url, fetch: recordingFetch(steps), ...(maxResponseBytes ? { maxResponseBytes } : {}) });
      const r = await new PrometheusHistorySource({ client, exemplars: false }).fetchHistories(request);
      return { ...r, hourlyQueries: steps.filter((s) => s === 3600).length, dailyQueries: steps.filter((s) => s === DAY).length };
    };
    const full = await fetchWith();
    // One batch of three services: totals, errors, buckets.
    expect(full.hourlyQueries).toBe(3);
    expect(full.histories.every((h) => (h.hourly?.length ?? 0) >= 27 * 24)).toBe(true);
    // Room for ~one endpoint's 16 bucket series of 672 hours at 64 bytes a point: one service per
    // batch. The daily replies (28 points) still fit in one query.
    const one = await fetchWith(672 * 16 * 64 + 1);
    expect(one.hourlyQueries).toBe(3 * 3);
    expect(one.histories.map((h) => h.hourly)).toEqual(full.histories.map((h) => h.hourly));
    // 20 kB: the daily buckets of three services (~30 kB) are split until each reply fits (one
    // service's is ~10 kB); one service's hourly buckets (~190 kB) never fit, so the hourly series are
    // left out (the analysis falls back to the drift) while the daily windows are all there.
    const none = await fetchWith(20_000);
    expect(full.dailyQueries).toBe(3);
    expect(none.dailyQueries).toBeGreaterThan(3);
    expect(none.histories.map((h) => h.windows)).toEqual(full.histories.map((h) => h.windows));
    expect(none.histories.every((h) => h.hourly === undefined)).toBe(true);
  }, 240_000);
});
