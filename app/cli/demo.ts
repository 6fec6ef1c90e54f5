import { InvalidArgumentError, Option, type Command } from 'commander';
import { OTEL_HTTP_BUCKETS, describeFleet, fleetHistories, fleetSteps, type FleetSpec, type FleetStep } from '../core/fleet/index.js';
import { fixedClock } from '../deps.js';
import { formatReportJson, renderFileSet } from '../export/index.js';
import { writeFileSet } from '../export/write.js';
import { createLogger } from '../logger.js';
import { runAnalysis } from '../pipeline.js';
import type { AlertSeries, AlertSeriesRequest, AlertSeriesResult, HistoryRequest, HistoryResult, HistorySource } from '../telemetry/source.js';
import { parseEnd } from './options.js';
import { createProgress } from './progress.js';
import { footer, summaryTable } from './summary.js';
import { examples } from './examples.js';

/** A fixed "now" so the demo prints the same proposals on every machine, for a given seed. */
export const DEMO_END = Date.UTC(2026, 2, 2) / 1000; // 2026-03-02T00:00:00Z, a Monday

/** The synthetic fleet as a HistorySource: same pipeline as Prometheus, no services needed. */
export class FleetHistorySource implements HistorySource {
  readonly name = 'demo fleet';
  private lastSteps: { key: string; steps: FleetStep[] } | undefined;
  constructor(private readonly spec: Omit<FleetSpec, 'end' | 'days'>) {}

  fetchHistories(request: HistoryRequest, onProgress?: (done: number, total: number) => void): Promise<HistoryResult> {
    onProgress?.(0, 1);
    const started = performance.now();
    const histories = fleetHistories(
      { ...this.spec, end: request.end, days: Math.round(request.windowSeconds / 86_400) },
      { breachWindowSeconds: request.breachWindowSeconds, ...(request.hourly ? { hourly: true } : {}) },
    ).filter((h) => !request.services || request.services.includes(h.service));
    onProgress?.(1, 1);
    // Generating the fleet stands in for the backend: count it as "datasource" time.
    return Promise.resolve({ histories, skipped: [], stats: { backendSeconds: (performance.now() - started) / 1000, queries: 0 } });
  }

  /** The synthetic series at the fleet's own step (5 min): the same samples the daily windows were summed from. */
  fetchAlertSeries(requests: AlertSeriesRequest[]): Promise<AlertSeriesResult> {
    const started = performance.now();
    const series = requests.map((r) => this.alertSeries(r));
    // Generating the series stands in for the backend, as in fetchHistories.
    return Promise.resolve({ series, stats: { backendSeconds: (performance.now() - started) / 1000, queries: 0 } });
  }

  private alertSeries(request: AlertSeriesRequest): AlertSeries | null {
    const days = Math.round((request.end - request.start) / 86_400);
    const spec = { ...this.spec, end: request.end, days };
    const ep = describeFleet(spec).find((e) => e.service === request.service && e.endpoint === request.endpoint);
    const step = this.spec.stepSeconds ?? 300;
    if (!ep || step !== request.step) return null;
    const n = Math.floor((request.end - request.start) / step);
    const key = `${request.service}\u0000${request.endpoint}\u0000${request.start}\u0000${request.end}`;
    // The latency and availability SLOs of an endpoint come one after the other: generate its steps once.
    if (this.lastSteps?.key !== key) this.lastSteps = { key, steps: [...fleetSteps(spec, ep)] };
    const bad = new Float64Array(n).fill(Number.NaN);
    const total = new Float64Array(n).fill(Number.NaN);
    const under = request.thresholdSeconds === null ? 0 : OTEL_HTTP_BUCKETS.filter((b) => b <= request.thresholdSeconds! + 1e-9).length;
    for (const s of this.lastSteps.steps) {
      const i = Math.round((s.t - request.start) / step);
      if (i < 0 || i >= n) continue;
      let good = 0;
      for (let j = 0; j < under; j++) good += s.bucketCounts[j]!;
      total[i] = s.total;
      bad[i] = request.sli === 'availability' ? s.errors : s.total - good;
    }
    return { t0: request.start, step, bad, total };
  }
}

function integer(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`"${text}" is not a whole number`);
  return Number(text);
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('Run the full pipeline on a built-in synthetic fleet (13 services, a regressing deploy, an incident, a low-traffic service, health checks); no services needed')
    .addHelpText('after', examples('demo'))
    .option('--out <dir>', 'write the proposal files here', 'slo-proposals')
    .option('--seed <n>', 'fleet seed: the same seed gives the same proposals', integer, 42)
    .addOption(new Option('--end <time>', 'analyse as of this moment: RFC 3339 or unix seconds').argParser(parseEnd).default(DEMO_END, new Date(DEMO_END * 1000).toISOString().replace('.000Z', 'Z')))
    .option('--json', 'print report.json to stdout instead of the summary')
    .action(async (flags: { out: string; seed: number; end: number; json?: boolean }) => {
      const logger = createLogger({ level: 'warn' });
      const progress = createProgress();
      let report;
      try {
        report = await runAnalysis(
          { source: new FleetHistorySource({ seed: flags.seed, scenario: 'demo' }), logger, clock: fixedClock(new Date(flags.end * 1000)) },
          { end: flags.end, windowSeconds: 28 * 86_400, breachWindowSeconds: 86_400, seed: flags.seed, hourly: true, onProgress: progress.onProgress },
        );
      } finally {
        progress.stop();
      }
      await writeFileSet(flags.out, renderFileSet(report, { format: 'openslo' }));
      if (flags.json) process.stdout.write(`${formatReportJson(report)}\n`);
      else process.stdout.write(`${summaryTable(report)}\n${footer(report, `${flags.out}/ (PULL_REQUEST.md, report.json, slos/)`)}\n`);
    });
}
