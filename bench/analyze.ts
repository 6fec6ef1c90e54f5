/**
 * `analyze` against a real Prometheus (issue 2 §8): 50 services x 8 endpoints x 28 days of the
 * 'uniform' fleet, backfilled with promtool (built once, cached in $TMPDIR/slo-scout-prom-cache).
 * Prints medians of N runs of the analysis pipeline (Prometheus adapter -> recommend -> report):
 * total time, time waiting on Prometheus (wall time with at least one query in flight), SLO-Scout's
 * own share (goal <= 30%), peak RSS; and, as a baseline measured in the same run, the same pipeline
 * fed from memory (no Prometheus), so the ratio shows what the datasource costs.
 *
 *   npx tsx bench/analyze.ts [runs=5] [services=50] [endpointsPerService=8]
 */
import { DAY } from '../app/core/fleet/index.js';
import { fixedClock } from '../app/deps.js';
import { runAnalysis } from '../app/pipeline.js';
import { PrometheusClient } from '../app/telemetry/prometheus/client.js';
import { PrometheusHistorySource } from '../app/telemetry/prometheus/source.js';
import { FleetHistorySource } from '../app/cli/demo.js';
import { buildBlocks, startPrometheus } from '../test/helpers/prometheus.js';
import { median } from './lib.js';

const runs = Number(process.argv[2] ?? 5);
const services = Number(process.argv[3] ?? 50);
const perService = Number(process.argv[4] ?? 8);
const end = Date.UTC(2026, 10, 1) / 1000;
const fleet = { seed: 1, end, days: 29, scenario: 'uniform' as const, services, endpointsPerService: perService, stepSeconds: 3600 };
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

const t0 = performance.now();
const blocks = await buildBlocks({ fleet }, `uniform-${services}x${perService}`);
console.log(`fleet: ${services} x ${perService} endpoints, 28 days, TSDB ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (cached after the first run; not measured)`);
const prom = await startPrometheus(blocks);
const options = { end, windowSeconds: 28 * DAY, breachWindowSeconds: DAY, seed: 1 };
try {
  const analyse = async () => {
    const source = new PrometheusHistorySource({ client: new PrometheusClient({ url: prom.url, concurrency: 4 }) });
    return runAnalysis({ source, clock: fixedClock(new Date(end * 1000)) }, options);
  };
  const warm = await analyse(); // loads chunks into the page cache; not counted
  console.log(`warm-up: ${warm.proposals.length} proposals, ${warm.timings!.queries} queries, ${warm.timings!.totalSeconds.toFixed(2)} s`);
  const total: number[] = [];
  const waiting: number[] = [];
  const own: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await analyse();
    total.push(r.timings!.totalSeconds);
    waiting.push(r.timings!.prometheusSeconds);
    own.push(r.timings!.totalSeconds - r.timings!.prometheusSeconds);
  }
  // The adapter alone: how much of the fetch phase is SLO-Scout (parsing, assembling) vs Prometheus.
  const fetchTotal: number[] = [];
  const fetchWait: number[] = [];
  for (let i = 0; i < runs; i++) {
    const source = new PrometheusHistorySource({ client: new PrometheusClient({ url: prom.url, concurrency: 4 }) });
    const s = performance.now();
    const r = await source.fetchHistories({ end, windowSeconds: 28 * DAY, breachWindowSeconds: DAY });
    fetchTotal.push((performance.now() - s) / 1000);
    fetchWait.push(r.stats.backendSeconds);
  }
  const memory: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await runAnalysis({ source: new FleetHistorySource({ seed: 1, scenario: 'uniform', services, endpointsPerService: perService, stepSeconds: 3600 }), clock: fixedClock(new Date(end * 1000)) }, options);
    // Generating the fleet is not SLO-Scout's work: subtract it as the "datasource" time.
    memory.push(r.timings!.totalSeconds - r.timings!.prometheusSeconds);
  }
  const t = median(total);
  const w = median(waiting);
  const o = median(own);
  console.log(`runs: ${runs} (medians)`);
  console.log(`  total                      ${t.toFixed(2)} s`);
  console.log(`  waiting on Prometheus      ${w.toFixed(2)} s (${((w / t) * 100).toFixed(0)}%)`);
  console.log(`  SLO-Scout's own work       ${o.toFixed(2)} s (${((o / t) * 100).toFixed(0)}% of total; goal <= 30%)`);
  const ft = median(fetchTotal);
  const fw = median(fetchWait);
  console.log(`  fetch phase alone          ${ft.toFixed(2)} s, of which waiting ${fw.toFixed(2)} s: the adapter's own work is ${(((ft - fw) / ft) * 100).toFixed(0)}% of it`);
  console.log(`  baseline: same pipeline from memory, analysis only ${median(memory).toFixed(2)} s; ratio total / baseline = ${(t / median(memory)).toFixed(2)}`);
  console.log(`  peak RSS                   ${mb(process.resourceUsage().maxRSS)}`);
} finally {
  await prom.stop();
}
