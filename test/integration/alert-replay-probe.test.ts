/**
 * The alert replay's density probe on a real Prometheus: the SLOs of services scraped too rarely for
 * the rules' 5m rate are skipped without fetching their series; every other SLO is replayed exactly as
 * without the probe (same firing episodes), and `report.alertReplay` says the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFleet, type FleetSpec } from '../../app/core/fleet/index.js';
import type { Report } from '../../app/core/report.js';
import { fixedClock } from '../../app/deps.js';
import { silentLogger } from '../../app/logger.js';
import { runAnalysis } from '../../app/pipeline.js';
import { PrometheusClient } from '../../app/telemetry/prometheus/client.js';
import { PrometheusHistorySource } from '../../app/telemetry/prometheus/source.js';
import type { HistorySource } from '../../app/telemetry/source.js';
import { buildBlocks, startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';

const DAY = 86_400;
const END = Date.UTC(2026, 10, 1) / 1000;
const FLEET: FleetSpec = { seed: 11, end: END, days: 8, scenario: 'uniform', services: 4, endpointsPerService: 2, stepSeconds: 300 };
const SERVICES = [...new Set(describeFleet(FLEET).map((e) => e.service))].sort();
/** Scraped every 5 minutes for the whole window. */
const DENSE = SERVICES[0]!;
/** Scraped every hour, except every 5 minutes for two days in the middle (a changed interval, or gaps). */
const CHANGED = SERVICES[1]!;
const MIDDLE = { from: END - 5 * DAY, to: END - 3 * DAY };

interface Recorded { path: string; step?: number; query: string }

function recordingFetch(out: Recorded[]): typeof fetch {
  return async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const body = init?.body instanceof URLSearchParams ? init.body : typeof init?.body === 'string' ? new URLSearchParams(init.body) : undefined;
    const step = body?.get('step');
    out.push({ path: url.pathname, ...(step ? { step: Number(step) } : {}), query: body?.get('query') ?? '' });
    return fetch(input, init);
  };
}

/** The same Prometheus source without its probe: what the replay did before it. */
function withoutProbe(s: PrometheusHistorySource): HistorySource {
  return { name: s.name, fetchHistories: (r, p) => s.fetchHistories(r, p), fetchAlertSeries: (r) => s.fetchAlertSeries(r) };
}

/** With its probe but without the screen (test/integration/alert-replay-screen.test.ts covers that), so only the probe differs. */
function probeOnly(s: PrometheusHistorySource): HistorySource {
  return { ...withoutProbe(s), probeAlertSeries: (r) => s.probeAlertSeries(r) };
}

async function analyse(url: string, probe: boolean): Promise<{ report: Report; queries: number; recorded: Recorded[] }> {
  const recorded: Recorded[] = [];
  const client = new PrometheusClient({ url, fetch: recordingFetch(recorded) });
  const source = new PrometheusHistorySource({ client, exemplars: false });
  const report = await runAnalysis(
    { source: probe ? probeOnly(source) : withoutProbe(source), logger: silentLogger, clock: fixedClock(new Date(END * 1000)) },
    { end: END, windowSeconds: 7 * DAY, breachWindowSeconds: DAY, seed: 1, bootstrapDraws: 200, hourly: false },
  );
  return { report, queries: client.stats.queries, recorded };
}

const replayQueries = (r: Recorded[]) => r.filter((q) => q.path.endsWith('/query_range') && q.step === 300);
const probeQueries = (r: Recorded[]) => r.filter((q) => q.path.endsWith('/query') && q.query.includes('count_over_time'));
const strip = (r: Report) => ({ ...r, generatedAt: '', timings: undefined });

describe('the alert replay probes sample density before fetching 5-minute series', () => {
  let hourly: RunningPrometheus;
  let mixed: RunningPrometheus;
  beforeAll(async () => {
    const only = (services: string[]) => (e: { service: string }) => services.includes(e.service);
    hourly = await startPrometheus(await buildBlocks({ fleet: FLEET, sampleSeconds: 3600 }, 'probe-hourly'));
    // One fleet, three scrape intervals: DENSE every 5 min, CHANGED hourly but 5 min for two days, the rest hourly.
    mixed = await startPrometheus([
      await buildBlocks({ fleet: FLEET, sampleSeconds: 300, filter: only([DENSE]) }, `probe-dense-${DENSE}`),
      await buildBlocks({ fleet: FLEET, sampleSeconds: 3600, filter: only(SERVICES.slice(2)) }, 'probe-sparse'),
      await buildBlocks({ fleet: { ...FLEET, end: MIDDLE.from, days: 3 }, sampleSeconds: 3600, filter: only([CHANGED]) }, `probe-changed-before-${CHANGED}`),
      await buildBlocks({ fleet: { ...FLEET, end: MIDDLE.to, days: 2 }, sampleSeconds: 300, filter: only([CHANGED]) }, `probe-changed-middle-${CHANGED}`),
      await buildBlocks({ fleet: { ...FLEET, end: END, days: 3 }, sampleSeconds: 3600, filter: only([CHANGED]) }, `probe-changed-after-${CHANGED}`),
    ]);
  }, 600_000);
  afterAll(async () => {
    await hourly?.stop();
    await mixed?.stop();
  });

  it('hourly samples: one probe query instead of the 5-minute fetch, and the same report', async () => {
    const probed = await analyse(hourly.url, true);
    const fetched = await analyse(hourly.url, false);
    const n = probed.report.proposals.length;
    expect(n).toBeGreaterThan(8);
    expect(probed.report.alertReplay).toEqual({ replayed: 0, skipped: [{ reason: expect.stringMatching(/^no samples at the rules' 5-minute resolution in Prometheus at /), slos: n }] });
    expect(strip(probed.report)).toEqual(strip(fetched.report));
    expect(probeQueries(probed.recorded)).toHaveLength(1);
    expect(replayQueries(probed.recorded)).toHaveLength(0);
    // Without the probe, the replay fetched 4 services' series at 5-minute steps for nothing.
    expect(replayQueries(fetched.recorded).length).toBeGreaterThanOrEqual(3);
    expect(probed.queries).toBe(fetched.queries - replayQueries(fetched.recorded).length + 1);
    expect(probed.report.timings!.queries).toBe(probed.queries);
  }, 240_000);

  it('mixed intervals: only the services with 5-minute samples are fetched and replayed, exactly as without the probe', async () => {
    const probed = await analyse(mixed.url, true);
    const fetched = await analyse(mixed.url, false);
    const of = (r: Report, services: string[]) => r.proposals.filter((p) => services.includes(p.service));
    const replayed = of(probed.report, [DENSE, CHANGED]);
    expect(replayed.length).toBeGreaterThanOrEqual(4);
    expect(replayed.every((p) => p.alertReplay)).toBe(true);
    expect(of(probed.report, SERVICES.slice(2)).some((p) => p.alertReplay)).toBe(false);
    // The same episodes, counts and skip reasons as the run that fetched every SLO's series.
    expect(strip(probed.report)).toEqual(strip(fetched.report));
    expect(probed.report.alertReplay).toEqual({ replayed: replayed.length, skipped: [{ reason: expect.stringMatching(/^no samples at the rules' 5-minute resolution/), slos: probed.report.proposals.length - replayed.length }] });
    // The sparse services' series were not fetched; the dense ones' were.
    const replay = replayQueries(probed.recorded);
    expect(replay.length).toBeGreaterThan(0);
    for (const q of replay) for (const s of SERVICES.slice(2)) expect(q.query).not.toContain(s);
    expect(replay.some((q) => q.query.includes(CHANGED))).toBe(true);
    // Every endpoint fits in one group either way: fewer latency thresholds are fetched, plus the probe's one query.
    expect(replay.length).toBeLessThanOrEqual(replayQueries(fetched.recorded).length);
    expect(probed.queries).toBe(fetched.queries - replayQueries(fetched.recorded).length + replay.length + 1);
  }, 240_000);
});
