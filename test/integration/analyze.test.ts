/**
 * issue 2 §7: a backfilled real Prometheus, the adapter and the whole pipeline, asserted against the
 * synthetic fleet's ground truth (app/core/fleet).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateFile } from '../../app/cli/validate.js';
import { parseConfig } from '../../app/config/schema.js';
import { describeFleet, endpointHistory, OTEL_HTTP_BUCKETS } from '../../app/core/fleet/index.js';
import { Report } from '../../app/core/report.js';
import { fixedClock } from '../../app/deps.js';
import { analysisOptionsFromConfig, runAnalysis } from '../../app/pipeline.js';
import { PrometheusClient } from '../../app/telemetry/prometheus/client.js';
import { prometheusSourceFromConfig } from '../../app/telemetry/prometheus/from-config.js';
import { OTEL_METRIC_NAMES, PrometheusHistorySource } from '../../app/telemetry/prometheus/source.js';
import { silentLogger } from '../../app/logger.js';
import { CLASSIC_NAMING, startPrometheus, testFleetBlocks, TEST_END, TEST_FLEET, TEST_SERVICES, type RunningPrometheus } from '../helpers/prometheus.js';

const DAY = 86_400;
const run = promisify(execFile);

describe('analyze against a real Prometheus (OpenTelemetry names)', () => {
  let prom: RunningPrometheus;
  let report: Report;
  let source: PrometheusHistorySource;

  beforeAll(async () => {
    prom = await startPrometheus(await testFleetBlocks());
    source = new PrometheusHistorySource({
      client: new PrometheusClient({ url: prom.url }),
      metrics: { ...OTEL_METRIC_NAMES, versionLabel: 'service_version' },
      routes: { exclude: ['**/healthz', '**/livez', '**/readyz', '**/metrics', '**/ping'] },
    });
    report = await runAnalysis(
      { source, logger: silentLogger, clock: fixedClock('2026-11-01T06:00:00Z') },
      { end: TEST_END, windowSeconds: 28 * DAY, breachWindowSeconds: DAY, seed: 1, links: { prometheusUrl: prom.url } },
    );
  }, 120_000);
  afterAll(async () => {
    await prom?.stop();
  });

  it('per-window totals and errors from pushed-down increase() match the fleet ground truth', async () => {
    const { histories } = await source.fetchHistories({ end: TEST_END, windowSeconds: 28 * DAY, breachWindowSeconds: DAY });
    let windows = 0;
    let inexact = 0;
    for (const ep of describeFleet(TEST_FLEET).filter((e) => TEST_SERVICES.includes(e.service) && !e.healthCheck)) {
      // Same spec as the backfill (the random stream depends on its start), last 28 windows.
      const all = endpointHistory(TEST_FLEET, ep, { breachWindowSeconds: DAY });
      const truth = { windows: all.windows.filter((w) => w.start >= TEST_END - 28 * DAY) };
      const got = histories.find((h) => h.service === ep.service && h.endpoint === ep.endpoint);
      expect(got, `${ep.service} ${ep.endpoint}`).toBeDefined();
      expect(got!.windows.map((w) => w.start)).toEqual(truth.windows.map((w) => w.start));
      got!.windows.forEach((w, i) => {
        const t = truth.windows[i]!;
        windows++;
        const exact = Math.abs(w.total - t.total) < 1e-6 && Math.abs(w.errors - t.errors) < 1e-6
          && w.latency!.goodCounts.every((c, k) => Math.abs(c - t.latency!.goodCounts[k]!) < 1e-6);
        if (!exact) inexact++;
        // increase() extrapolates where a series starts or stops inside the window (a deploy's new
        // version series, the first window after a scrape gap): within 2% there, exact elsewhere.
        expect(Math.abs(w.total - t.total)).toBeLessThanOrEqual(t.total * 0.02);
        expect(w.latency!.thresholds).toEqual(OTEL_HTTP_BUCKETS);
      });
    }
    expect(inexact / windows).toBeLessThan(0.02);
  });

  it('every latency threshold is an existing bucket bound', () => {
    const latency = report.proposals.filter((p) => p.sli === 'latency');
    expect(latency.length).toBeGreaterThan(5);
    for (const p of latency) for (const v of p.variants) expect(OTEL_HTTP_BUCKETS).toContain(v.thresholdSeconds);
  });

  it('health-check routes are skipped with the pattern that excluded them', () => {
    const skippedHealth = (report.skipped ?? []).filter((s) => s.endpoint === '/healthz');
    expect(skippedHealth.map((s) => s.service).sort()).toEqual(['checkout', 'payments']);
    expect(skippedHealth[0]!.reason).toContain('**/healthz');
    expect(report.proposals.some((p) => p.endpoint === '/healthz' || p.endpoint === '/metrics' || p.endpoint === '/ping')).toBe(false);
  });

  it('the regressing payments deploy is reported as a regime change, naming the version from the version label', () => {
    const charge = report.proposals.find((p) => p.service === 'payments' && p.endpoint === '/charge' && p.sli === 'latency')!;
    expect(charge.warnings.some((w) => w.startsWith('Regime change') && w.includes('v2.4.0'))).toBe(true);
    expect(charge.evidence.some((e) => e.kind === 'regime-change')).toBe(true);
    const refund = report.proposals.find((p) => p.service === 'payments' && p.endpoint === '/refund' && p.sli === 'latency')!;
    expect(refund.warnings.some((w) => w.startsWith('Regime change'))).toBe(false);
  });

  it('the checkout incident day is the worst availability window, with a Prometheus graph link', () => {
    const ep = describeFleet(TEST_FLEET).find((e) => e.endpoint === '/checkout')!;
    const incident = ep.incidents[0]!;
    const avail = report.proposals.find((p) => p.service === 'checkout' && p.endpoint === '/checkout' && p.sli === 'availability')!;
    const worst = avail.evidence.filter((e) => e.kind === 'worst-window').sort((a, b) => (a.value ?? 1) - (b.value ?? 1))[0]!;
    expect(Date.parse(worst.start!) / 1000).toBeLessThanOrEqual(incident.start);
    expect(Date.parse(worst.end!) / 1000).toBeGreaterThanOrEqual(incident.end);
    expect(worst.url).toMatch(new RegExp(`^${prom.url}/graph\\?`));
  });

  it('the low-traffic service, the gap and the new endpoint carry their warnings', () => {
    const warningsOf = (service: string, endpoint: string) => report.proposals.filter((p) => p.service === service && p.endpoint === endpoint).flatMap((p) => p.warnings);
    expect(warningsOf('legacy-reports', '/reports/daily').some((w) => w.startsWith('Low traffic'))).toBe(true);
    expect(warningsOf('catalog', '/products').some((w) => w.startsWith('Gaps: 2 of 28'))).toBe(true);
    expect(warningsOf('search', '/v2/suggest').some((w) => w.startsWith('New endpoint'))).toBe(true);
  });

  it('timings count the Prometheus queries and the time spent waiting on them', () => {
    expect(report.timings!.queries).toBeGreaterThanOrEqual(4);
    expect(report.timings!.prometheusSeconds).toBeGreaterThan(0);
    expect(report.timings!.prometheusSeconds).toBeLessThanOrEqual(report.timings!.totalSeconds);
    expect(report.timings!.datasource).toBe(`Prometheus at ${prom.url}`);
    expect(report.timings!.phases!.find((p) => p.name === 'fetch histories')!.waitsOn).toBe(`Prometheus at ${prom.url}`);
  });

  it('hourly samples give the rules\' 5-minute ratios no data: no replay, and the report says why', () => {
    expect(report.proposals.some((p) => p.alertReplay)).toBe(false);
    expect(report.alertReplay).toEqual({ replayed: 0, skipped: [{ reason: expect.stringMatching(/^no samples at the rules' 5-minute resolution/), slos: report.proposals.length }] });
  });

  it('the CLI writes the file set, report.json parses as the contract and the OpenSLO files validate', async () => {
    const out = await mkdtemp(join(tmpdir(), 'analyze-out-'));
    const { stdout } = await run('npx', ['tsx', 'app/bin.ts', 'analyze', '--prometheus', prom.url, '--end', '2026-11-01T00:00:00Z', '--window', '14d', '--out', out, '--json', '--no-alert-replay'], { cwd: join(import.meta.dirname, '..', '..'), maxBuffer: 64 * 1024 * 1024 });
    const fromStdout = Report.parse(JSON.parse(stdout));
    const fromFile = Report.parse(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(fromFile.proposals.map((p) => p.sloId)).toEqual(fromStdout.proposals.map((p) => p.sloId));
    expect(fromFile.window).toBe('14d');
    expect(fromFile.end).toBe('2026-11-01T00:00:00Z');
    expect(fromStdout.alertReplay!.skipped![0]!.reason).toMatch(/--no-alert-replay/);
    expect(readFileSync(join(out, 'PULL_REQUEST.md'), 'utf8')).toContain('payments');
    const spec = join(out, 'slos', 'payments', 'payments-charge-latency.openslo.yaml');
    expect(existsSync(join(out, 'slos', 'payments', 'dashboard.json'))).toBe(true);
    expect((await validateFile(spec)).errors).toEqual([]);
  }, 60_000);
});

describe('analyze with classic metric names set in .slo-scout.yml', () => {
  let prom: RunningPrometheus;
  beforeAll(async () => {
    prom = await startPrometheus(await testFleetBlocks(CLASSIC_NAMING, ['payments']));
  }, 120_000);
  afterAll(async () => {
    await prom?.stop();
  });

  it('http_request_duration_seconds{service,route,code} gives the same endpoints, with queries on those names', async () => {
    const parsed = parseConfig(`datasources:\n  prometheus:\n    url: ${prom.url}\nmetrics:\n  histogram: http_request_duration_seconds\n  labels: { service: service, route: route, status: code }\n`, '.slo-scout.yml');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const source = prometheusSourceFromConfig(parsed.config, { env: {}, logger: silentLogger });
    const report = await runAnalysis({ source, logger: silentLogger, clock: fixedClock('2026-11-01T06:00:00Z') }, analysisOptionsFromConfig(parsed.config, TEST_END));
    expect(report.proposals.map((p) => `${p.endpoint} ${p.sli}`).sort()).toEqual(['/charge availability', '/charge latency', '/refund availability', '/refund latency']);
    expect((report.skipped ?? []).map((s) => s.endpoint)).toEqual(['/healthz']);
    const q = report.proposals.find((p) => p.sli === 'availability')!.queries!;
    expect(q.total).toContain('http_request_duration_seconds_count');
    expect(q.bad).toMatch(/code=~"5\.\."/);
  });

  it('a config naming an unset token variable fails before any query, naming the variable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cfg-'));
    await writeFile(join(dir, '.slo-scout.yml'), `datasources:\n  prometheus:\n    url: ${prom.url}\n    auth: { bearerToken: { env: SLO_SCOUT_DS_TEST_UNSET } }\n`);
    const parsed = parseConfig(readFileSync(join(dir, '.slo-scout.yml'), 'utf8'));
    if (!parsed.ok) throw new Error('config should parse');
    expect(() => prometheusSourceFromConfig(parsed.config, { env: {}, logger: silentLogger })).toThrow(/SLO_SCOUT_DS_TEST_UNSET, which is not set/);
  });
});
