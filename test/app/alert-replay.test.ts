import { describe, expect, it } from 'vitest';
import { DEMO_END, FleetHistorySource } from '../../app/cli/demo.js';
import { fixedClock } from '../../app/deps.js';
import { renderPullRequestBody } from '../../app/export/pr-body.js';
import { runAnalysis } from '../../app/pipeline.js';
import { footer } from '../../app/cli/summary.js';
import type { AlertSeries, AlertSeriesRequest, HistorySource } from '../../app/telemetry/source.js';
import type { AlertBlocks } from '../../app/core/alerts/screen.js';
import { alertReplayStep } from '../../app/alert-replay.js';
import type { Report } from '../../app/core/report.js';
import { silentLogger } from '../../app/logger.js';

describe('alert replay in the analysis (demo fleet, checkout incident)', async () => {
  const report = await runAnalysis(
    { source: new FleetHistorySource({ seed: 42, scenario: 'demo' }), clock: fixedClock(new Date(DEMO_END * 1000)) },
    { end: DEMO_END, windowSeconds: 28 * 86_400, breachWindowSeconds: 86_400, seed: 42, services: ['checkout'], bootstrapDraws: 200, links: { prometheusUrl: 'http://prometheus:9090' } },
  );
  const availability = report.proposals.find((p) => p.sloId === 'checkout-checkout-availability')!;

  it('replays the selected variant at 5-minute resolution after the 3-day window is full', () => {
    const a = availability.alertReplay!;
    expect(a.variant).toBe(availability.selectedVariant);
    expect(a.stepSeconds).toBe(300);
    expect(Date.parse(a.from) - (DEMO_END - 28 * 86_400) * 1000).toBe(3 * 86_400_000);
  });

  it('pages during the 3-hour incident twelve days before the end, and counts that bad day as caught', () => {
    const a = availability.alertReplay!;
    const incident = (Math.floor(DEMO_END / 86_400) - 12) * 86_400 + 14 * 3600;
    const page = a.page.episodes.find((e) => Date.parse(e.start) / 1000 >= incident && Date.parse(e.start) / 1000 < incident + 3 * 3600);
    expect(page).toBeDefined();
    expect(page!.url).toMatch(/^http:\/\/prometheus:9090\/graph\?g0\.expr=/);
    const day = a.badWindows.find((w) => Date.parse(w.start) / 1000 <= incident && Date.parse(w.end) / 1000 > incident);
    expect(day?.caughtBy).toContain('page');
  });

  it('never pages on the steady status endpoint', () => {
    expect(report.proposals.find((p) => p.sloId === 'checkout-checkout-id-status-availability')!.alertReplay!.page.fired).toBe(0);
  });

  it('says it in the PR body with links', () => {
    const body = renderPullRequestBody(report);
    expect(body).toMatch(/\*\*Alert replay\*\* \(balanced, every 5 min over 25 days\): page fired 1 time \([\d.]+\/week, [\d.]+ h in all; \[\d{4}-\d\d-\d\d \d\d:\d\d\]\(http:\/\/prometheus:9090\/graph\?/);
  });
});

describe('bounding the alert replay (analysis.alertReplay)', async () => {
  const source = new FleetHistorySource({ seed: 42, scenario: 'demo' });
  const run = (alertReplay?: { enabled?: boolean; maxSlos?: number; screen?: boolean }, src: HistorySource = source) => runAnalysis(
    { source: src, clock: fixedClock(new Date(DEMO_END * 1000)) },
    { end: DEMO_END, windowSeconds: 28 * 86_400, breachWindowSeconds: 86_400, seed: 42, services: ['checkout', 'payments'], bootstrapDraws: 200, ...(alertReplay ? { alertReplay } : {}) },
  );
  const all = await run();

  it('replays every SLO by default and says so', () => {
    expect(all.proposals.length).toBeGreaterThan(3);
    expect(all.alertReplay).toEqual({ replayed: all.proposals.length });
    expect(all.proposals.every((p) => p.alertReplay)).toBe(true);
  });

  it('switched off: no replay anywhere, and the report and the summary say why', async () => {
    const off = await run({ enabled: false });
    expect(off.proposals.some((p) => p.alertReplay)).toBe(false);
    expect(off.alertReplay).toEqual({ replayed: 0, skipped: [{ reason: expect.stringMatching(/--no-alert-replay/), slos: off.proposals.length }] });
    expect(footer(off, undefined)).toMatch(/alert replay: 0 SLOs replayed; \d+ not: alert replay switched off/);
    // Everything else is the same analysis.
    expect(off.proposals.map(({ alertReplay: _a, ...p }) => p)).toEqual(all.proposals.map(({ alertReplay: _a, ...p }) => p));
  });

  it('capped: the first maxSlos SLOs get the same replay as in the full run, each SLO on its own', async () => {
    const capped = await run({ maxSlos: 3 });
    expect(capped.proposals.filter((p) => p.alertReplay)).toHaveLength(3);
    expect(capped.proposals.slice(0, 3).map((p) => p.alertReplay)).toEqual(all.proposals.slice(0, 3).map((p) => p.alertReplay));
    expect(capped.alertReplay).toEqual({ replayed: 3, skipped: [{ reason: 'only the first 3 SLOs are replayed (analysis.alertReplay.maxSlos)', slos: capped.proposals.length - 3 }] });
  });

  it('no samples at the rules\' resolution: skipped with the reason, not reported as "never fired"', async () => {
    const hourly: HistorySource = {
      name: 'hourly-scraped Prometheus',
      fetchHistories: (r) => source.fetchHistories(r),
      fetchAlertSeries: (requests) => Promise.resolve({
        series: requests.map((r) => ({ t0: r.start, step: r.step, bad: new Float64Array(10).fill(Number.NaN), total: new Float64Array(10).fill(Number.NaN) })),
        stats: { backendSeconds: 0, queries: 2 },
      }),
    };
    const r = await run(undefined, hourly);
    expect(r.proposals.some((p) => p.alertReplay)).toBe(false);
    expect(r.alertReplay!.skipped![0]!.reason).toMatch(/no samples at the rules' 5-minute resolution in hourly-scraped Prometheus/);
    expect(r.timings!.phases!.find((p) => p.name === 'alert-replay')!.waitsOn).toBe('hourly-scraped Prometheus');
    expect(r.timings!.prometheusSeconds).toBeUndefined();
  });

  it('a density probe: the SLOs it finds not dense are not fetched and count as no data; a failed probe spares nothing', async () => {
    const fetched: string[] = [];
    const probing = (probe: HistorySource['probeAlertSeries']): HistorySource => ({
      name: 'probing datasource',
      fetchHistories: (r) => source.fetchHistories(r),
      fetchAlertSeries: (requests) => {
        fetched.push(...requests.map((r) => r.service));
        return source.fetchAlertSeries(requests);
      },
      probeAlertSeries: probe,
    });
    const r = await run(undefined, probing((requests) => Promise.resolve({ dense: requests.map((q) => q.service === 'checkout'), stats: { backendSeconds: 0, queries: 1 } })));
    const checkout = all.proposals.filter((p) => p.service === 'checkout');
    expect(checkout.length).toBeGreaterThan(0);
    expect(checkout.length).toBeLessThan(all.proposals.length);
    expect(new Set(fetched)).toEqual(new Set(['checkout']));
    expect(r.alertReplay).toEqual({ replayed: checkout.length, skipped: [{ reason: expect.stringMatching(/^no samples at the rules' 5-minute resolution in probing datasource/), slos: all.proposals.length - checkout.length }] });
    // The replayed ones are those of the run without a probe.
    expect(r.proposals.filter((p) => p.alertReplay).map((p) => p.alertReplay)).toEqual(checkout.map((p) => p.alertReplay));
    fetched.length = 0;
    const failed = await run(undefined, probing(() => Promise.reject(new Error('probe refused'))));
    expect(failed.alertReplay).toEqual({ replayed: all.proposals.length });
    expect(fetched).toHaveLength(all.proposals.length);
  });

  it('a screen: SLOs its blocks prove silent are not fetched and get the full replay\'s result; a failed screen spares nothing', async () => {
    const fetched: number[] = [];
    const screening = (screen: HistorySource['screenAlertSeries']): HistorySource => ({
      name: 'screening datasource',
      fetchHistories: (r) => source.fetchHistories(r),
      fetchAlertSeries: (requests) => {
        fetched.push(requests.length);
        return source.fetchAlertSeries(requests);
      },
      screenAlertSeries: screen,
    });
    // Blocks aggregated from the very series the fetch returns, as Prometheus' subqueries do.
    const blocksOf = async (requests: AlertSeriesRequest[], blockSteps: number) => {
      const { series } = await source.fetchAlertSeries(requests);
      return { blocks: series.map((s) => (s && !(s instanceof Error) ? aggregate(s, blockSteps) : null)), stats: { backendSeconds: 0, queries: 1 } };
    };
    const r = await run({ screen: true }, screening(blocksOf));
    const { screened, ...summary } = r.alertReplay!;
    expect(summary).toEqual(all.alertReplay);
    expect(r.proposals.map((p) => p.alertReplay)).toEqual(all.proposals.map((p) => p.alertReplay));
    // Not vacuous: some SLOs were screened out (not fetched), and the one that pages was fetched.
    expect(screened).toBeGreaterThan(0);
    expect(fetched.reduce((a, b) => a + b, 0)).toBe(all.proposals.length - screened!);
    expect(all.proposals.some((p) => p.alertReplay!.page.fired > 0)).toBe(true);
    fetched.length = 0;
    // analysis.alertReplay.screen: false (the default) fetches every SLO, as before the screen.
    const off = await run(undefined, screening(blocksOf));
    expect(off.alertReplay).toEqual({ replayed: all.proposals.length });
    expect(fetched.reduce((a, b) => a + b, 0)).toBe(all.proposals.length);
    fetched.length = 0;
    const failed = await run({ screen: true }, screening(() => Promise.reject(new Error('screen refused'))));
    expect(failed.alertReplay).toEqual({ replayed: all.proposals.length });
    expect(fetched.reduce((a, b) => a + b, 0)).toBe(all.proposals.length);
  });

  it('timings name the demo fleet, not Prometheus, for every phase that waited', () => {
    const t = all.timings!;
    expect(t.datasource).toBe('demo fleet');
    expect(t.prometheusSeconds).toBeUndefined();
    const waited = t.phases!.filter((p) => p.waitingSeconds > 0);
    expect(waited.map((p) => p.name)).toEqual(expect.arrayContaining(['fetch histories', 'alert-replay']));
    expect(waited.every((p) => p.waitsOn === 'demo fleet' && p.waitingSeconds <= p.seconds + 1e-9)).toBe(true);
    expect(t.datasourceSeconds).toBeCloseTo(waited.reduce((s, p) => s + p.waitingSeconds, 0), 9);
    expect(footer(all, undefined)).toMatch(/s waiting on demo fleet\)/);
  });
});

describe('the replay overlaps the what-if without changing the report', async () => {
  const fleet = new FleetHistorySource({ seed: 7, scenario: 'demo' });
  // A datasource that answers later, as Prometheus does: the what-if runs while the replay's queries are out.
  let pending = 0;
  const slow: HistorySource = {
    name: 'slow datasource',
    fetchHistories: (r) => fleet.fetchHistories(r),
    fetchAlertSeries: async (requests) => {
      pending++;
      await new Promise((r) => setTimeout(r, 150));
      pending--;
      return fleet.fetchAlertSeries(requests);
    },
  };
  const options = { end: DEMO_END, windowSeconds: 28 * 86_400, breachWindowSeconds: 86_400, seed: 7, services: ['checkout', 'search'], bootstrapDraws: 200 };
  // enrich done 1 = the what-if is about to run, done 2 = it has run: was a replay fetch pending then?
  const pendingAt: Record<number, number> = {};
  const overlapped = await runAnalysis({ source: slow, clock: fixedClock(new Date(DEMO_END * 1000)) }, {
    ...options,
    onProgress: (p) => { if (p.phase === 'enrich') pendingAt[p.done] = pending; },
  });

  it('the what-if ran while the replay was still waiting on the datasource', async () => {
    // One after the other: no replay in the pipeline, then the replay step alone on that report.
    const sequential = await runAnalysis({ source: slow, clock: fixedClock(new Date(DEMO_END * 1000)) }, { ...options, alertReplay: { enabled: false } });
    const whatIfPhase = overlapped.timings!.phases!.find((p) => p.name === 'what-if')!;
    const replayPhase = overlapped.timings!.phases!.find((p) => p.name === 'alert-replay')!;
    // The replay's first fetch was out before the what-if started and still out when it ended.
    expect(pendingAt[1]).toBe(1);
    expect(pendingAt[2]).toBe(1);
    expect(replayPhase.seconds).toBeGreaterThan(whatIfPhase.seconds);
    expect(pending).toBe(0);
    await alertReplayStep.run({ report: sequential, histories: [], deps: { source: slow, clock: fixedClock(new Date(DEMO_END * 1000)) }, options, logger: silentLogger, timing: { wait: () => undefined } });
    const strip = (r: Report) => ({ ...r, generatedAt: '', timings: undefined });
    expect(strip(overlapped)).toEqual(strip(sequential));
    expect(overlapped.proposals.filter((p) => p.alertReplay && p.whatIf).length).toBe(overlapped.proposals.length);
  });
});

/** Sum, minimum and cleanness per block of a fetched series (what PromQL's sum/min/count_over_time give). */
function aggregate(s: AlertSeries, blockSteps: number): AlertBlocks {
  const nb = Math.floor(s.total.length / blockSteps);
  const out: AlertBlocks = { t0: s.t0, step: s.step, blockSteps, bad: new Float64Array(nb), total: new Float64Array(nb), totalMin: new Float64Array(nb).fill(Infinity), clean: new Uint8Array(nb).fill(1) };
  for (let k = 0; k < nb * blockSteps; k++) {
    const m = Math.floor(k / blockSteps);
    const b = s.bad[k]!;
    const v = s.total[k]!;
    if (Number.isNaN(b) || Number.isNaN(v) || b < 0 || v < 0) out.clean[m] = 0;
    if (!Number.isNaN(b)) out.bad[m] += b;
    if (!Number.isNaN(v)) {
      out.total[m] += v;
      out.totalMin[m] = Math.min(out.totalMin[m]!, v);
    }
  }
  return out;
}
