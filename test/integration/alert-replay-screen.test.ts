/**
 * The alert replay's screen on a real Prometheus: SLOs the hourly block sums prove silent are not
 * fetched at 5-minute resolution, and every SLO's replay (firing episodes, counts, bad windows caught)
 * is exactly the one the full fetch gives. The demo fleet's checkout has an incident that pages; its
 * steady status endpoint cannot fire; catalog's two-day scrape gap makes its grid unclean, so the
 * screen must leave it to the full fetch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
const END = Date.UTC(2026, 10, 1) / 1000;
const FLEET: FleetSpec = { seed: 7, end: END, days: 29, scenario: 'demo', stepSeconds: 300 };
const SERVICES = ['checkout', 'catalog'];

interface Recorded { path: string; step?: number; query: string; points: number }

function recordingFetch(out: Recorded[]): typeof fetch {
  return async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const body = init?.body instanceof URLSearchParams ? init.body : typeof init?.body === 'string' ? new URLSearchParams(init.body) : undefined;
    const res = await fetch(input, init);
    const text = await res.text();
    const step = body?.get('step');
    out.push({ path: url.pathname, ...(step ? { step: Number(step) } : {}), query: body?.get('query') ?? '', points: (text.match(/\],\[|\[\[/g) ?? []).length });
    return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

/** The same source without its screen: the replay as it was before it. */
function withoutScreen(s: PrometheusHistorySource): HistorySource {
  return { name: s.name, fetchHistories: (r, p) => s.fetchHistories(r, p), fetchAlertSeries: (r) => s.fetchAlertSeries(r), probeAlertSeries: (r) => s.probeAlertSeries(r) };
}

async function analyse(url: string, screen: boolean): Promise<{ report: Report; recorded: Recorded[] }> {
  const recorded: Recorded[] = [];
  const source = new PrometheusHistorySource({ client: new PrometheusClient({ url, fetch: recordingFetch(recorded) }), exemplars: false });
  const report = await runAnalysis(
    { source: screen ? source : withoutScreen(source), logger: silentLogger, clock: fixedClock(new Date(END * 1000)) },
    { end: END, windowSeconds: 28 * DAY, breachWindowSeconds: DAY, seed: 1, bootstrapDraws: 200, hourly: false, services: SERVICES, alertReplay: { screen } },
  );
  return { report, recorded };
}

const fullFetches = (r: Recorded[]) => r.filter((q) => q.path.endsWith('/query_range') && q.step === 300);
const strip = (r: Report) => ({ ...r, generatedAt: '', timings: undefined, alertReplay: undefined });

describe('the alert replay screens SLOs that cannot fire before fetching 5-minute series', () => {
  let prom: RunningPrometheus;
  beforeAll(async () => {
    prom = await startPrometheus(await buildBlocks({ fleet: FLEET, sampleSeconds: 300, filter: (e) => SERVICES.includes(e.service) }, 'screen-demo-checkout-catalog'));
  }, 900_000);
  afterAll(async () => {
    await prom?.stop();
  });

  it('every SLO gets the replay the full fetch gives, and the screened ones are not fetched', async () => {
    const screened = await analyse(prom.url, true);
    const full = await analyse(prom.url, false);
    const proposals = full.report.proposals;
    expect(proposals.length).toBeGreaterThanOrEqual(6);
    // Exactly the same report: every SLO's episodes, counts, links and bad windows.
    expect(strip(screened.report)).toEqual(strip(full.report));
    expect(proposals.every((p) => p.alertReplay)).toBe(true);
    const { screened: n, ...summary } = screened.report.alertReplay!;
    expect(summary).toEqual(full.report.alertReplay);
    expect(full.report.alertReplay!.screened).toBeUndefined();
    // Not vacuous: the checkout incident pages, and the screen spared some SLOs but not that one.
    const fired = proposals.filter((p) => p.alertReplay!.page.fired + p.alertReplay!.ticket.fired > 0);
    expect(fired.some((p) => p.service === 'checkout' && p.alertReplay!.page.fired > 0)).toBe(true);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(proposals.length - fired.length);
    // What the screen spared: the fetched 5-minute points shrink, the fired SLOs' and the unclean
    // catalog's (a two-day gap) are still fetched.
    const points = (r: Recorded[]) => fullFetches(r).reduce((s, q) => s + q.points, 0);
    expect(points(screened.recorded)).toBeLessThan(points(full.recorded));
    expect(fullFetches(screened.recorded).some((q) => q.query.includes('checkout'))).toBe(true);
    expect(fullFetches(screened.recorded).some((q) => q.query.includes('catalog'))).toBe(true);
    // The screen's replies are hourly.
    expect(screened.recorded.filter((q) => q.step === 3600 && q.query.includes('_over_time(')).length).toBeGreaterThan(0);
  }, 600_000);
});
