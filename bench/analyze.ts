/**
 * `analyze` against a real Prometheus (issue 2 §8, issue 11 §7): 50 services x 8 endpoints x 28 days
 * of the 'uniform' fleet, backfilled with promtool (built once, cached in $TMPDIR/slo-scout-prom-cache).
 * Counters are sampled every `sampleSeconds`; two densities are meant:
 *   - 300 (5 min) is the one representative of a real Prometheus, and the coarsest at which the alert
 *     replay runs: its rules' rate(...[5m]) needs two samples in 5 minutes, which Prometheus 2.x (a
 *     range includes both ends) finds because the backfill's samples fall on the replay's 5-minute
 *     grid; at 600 s the replay has no data. A real Prometheus scrapes every 15-60 s, so it still
 *     holds 5-20x the samples this one does; a real, unaligned scrape needs <= 150 s for the replay.
 *   - 3600 (1 h, the default) builds in a minute or two, but Prometheus then reads 1/12 of the
 *     samples, which understates its share of the wall time and overstates SLO-Scout's; the replay
 *     is skipped (the bench says so).
 * The first run builds the TSDB (cached): the history is written and converted by promtool in pieces
 * of time (test/helpers/prometheus.ts buildBlocks), so memory stays bounded whatever the fleet. 50 x 8
 * at 300 s is ~20 GB of OpenMetrics in 14 pieces: 45 min on 2 shared cores at load 11-18 (~580 s of
 * CPU), promtool's peak 1.8 GB, a 181 MB TSDB; at 3600 s about 4 minutes (docs/cli.md).
 *
 * Prints medians of N runs of the whole analysis pipeline (Prometheus adapter -> recommend -> what-if
 * -> alert replay -> report): total time; time only waiting on Prometheus (this thread idle while a
 * query was in flight: parsing replies and computing while a query is out count as own work);
 * SLO-Scout's own share (goal <= 30%), and the share by the looser measure of earlier versions (all
 * time with a query in flight counted as waiting); CPU seconds of the process; peak RSS of each run;
 * each phase (phases overlap: the alert replay's first queries run during the what-if).
 * As a baseline, measured in the same run, the same pipeline fed from memory (the fleet generated in
 * process, its generation subtracted), so the ratio shows what the datasource costs.
 *
 * Hourly series are fetched as `analyze` does by default (config analysis.hourly: auto, only for
 * services whose traffic trends; the uniform fleet has none); pass `on` to fetch them for every
 * service (analysis.hourly: true) or `off` to fetch none.
 *
 * `queued` adds that many services whose traffic grows into a queue (+9 %/week): with `auto`, only
 * they get hourly series.
 *
 * Compute threads (app/compute/pool.ts): each run is made twice, interleaved so both see the same
 * noise: in process (SLO_SCOUT_COMPUTE_THREADS=0, the sequential pipeline) and on `threads` worker
 * threads (default: the pool's own default, CPUs − 1), where recommend and what-if run while later
 * batches' queries are out. With threads the main thread sits idle while a query is out even when
 * the threads compute: that wait is the critical path and counts as waiting. The main thread's busy
 * share (event-loop utilisation) is printed beside it, so no one mistakes it for less work: the CPU
 * of the process (all threads) says how much work there was.
 *
 * `ai` on runs with the AI layer (criticality, borrowed priors: app/ai) built as `slo-scout analyze`
 * builds it by default (config `ai` defaults, its embeddings provider from the environment, no
 * repository hints), i.e. the analysis users run; off (the default here) runs plain recommend.
 *
 *   npx tsx bench/analyze.ts [runs=5] [services=50] [endpointsPerService=8] [sampleSeconds=3600|300] [hourly=auto|on|off] [queued=0] [threads] [ai=off|on]
 */
import { aiEnvFrom, createAiLayer, type AiLayer } from '../app/ai/index.js';
import { AiSettings } from '../app/config/ai.js';
import { DAY } from '../app/core/fleet/index.js';
import { silentLogger } from '../app/logger.js';
import type { Report } from '../app/core/report.js';
import { fixedClock } from '../app/deps.js';
import { runAnalysis } from '../app/pipeline.js';
import { PrometheusClient } from '../app/telemetry/prometheus/client.js';
import { PrometheusHistorySource } from '../app/telemetry/prometheus/source.js';
import { FleetHistorySource } from '../app/cli/demo.js';
import { createComputePool, defaultComputeThreads, type ComputePool } from '../app/compute/pool.js';
import { buildBlocks, startPrometheus } from '../test/helpers/prometheus.js';
import { median } from './lib.js';

const runs = Number(process.argv[2] ?? 5);
const services = Number(process.argv[3] ?? 50);
const perService = Number(process.argv[4] ?? 8);
const sampleSeconds = Number(process.argv[5] ?? 3600);
if (!Number.isInteger(sampleSeconds) || sampleSeconds <= 0 || 3600 % sampleSeconds !== 0) throw new Error(`sampleSeconds must divide an hour (300 for the realistic density, 3600 for the quick one), not "${process.argv[5]}"`);
const hourlyArg = process.argv[6] ?? 'auto';
if (!['auto', 'on', 'off'].includes(hourlyArg)) throw new Error(`hourly must be auto, on or off, not "${hourlyArg}"`);
const hourly = hourlyArg === 'auto' ? 'auto' as const : hourlyArg === 'on';
const queued = Number(process.argv[7] ?? 0);
const threads = process.argv[8] !== undefined ? Number(process.argv[8]) : defaultComputeThreads();
if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be a whole number >= 1, not "${process.argv[8]}"`);
const aiArg = process.argv[9] ?? 'off';
if (!['on', 'off'].includes(aiArg)) throw new Error(`ai must be on or off, not "${aiArg}"`);
// As `slo-scout analyze` builds it (app/cli/analyze.ts): the config's ai defaults, the environment's provider settings.
const ai: AiLayer | undefined = aiArg === 'on' ? await createAiLayer({ settings: AiSettings.parse({}), env: aiEnvFrom(process.env), logger: silentLogger }) : undefined;
const end = Date.UTC(2026, 10, 1) / 1000;
const spec = { seed: 1, scenario: 'uniform' as const, services, endpointsPerService: perService, stepSeconds: sampleSeconds, ...(queued > 0 ? { queuedServices: queued } : {}) };
const fleet = { ...spec, end, days: 29 };
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const s2 = (x: number) => `${x.toFixed(2)} s`;

interface Run { report: Report; cpuSeconds: number; peakRss: number; inFlightSeconds?: number; mainBusy: number; prometheusCpuSeconds?: number }

/** One pipeline run with its process CPU time (all threads) and its peak RSS (sampled every 20 ms). */
async function measured(run: () => Promise<Report>): Promise<Run> {
  global.gc?.();
  let peakRss = process.memoryUsage.rss();
  const timer = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage.rss()); }, 20);
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  try {
    const report = await run();
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    return { report, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRss, mainBusy: elu.utilization };
  } finally {
    clearInterval(timer);
  }
}

const waitingOf = (r: Report) => r.timings!.datasourceSeconds ?? 0;

const t0 = performance.now();
const blocks = await buildBlocks({ fleet, sampleSeconds }, `uniform-${services}x${perService}${sampleSeconds === 3600 ? '' : `-${sampleSeconds / 60}m`}${queued > 0 ? `-q${queued}` : ''}`);
console.log(`fleet: ${services} x ${perService} endpoints${queued > 0 ? ` + ${queued} queued (growing) service${queued === 1 ? '' : 's'}` : ''}, 28 days, samples every ${sampleSeconds} s, hourly series ${hourlyArg}, AI layer ${ai ? `on (${ai.embedder.provider} embeddings ${ai.embedder.model}; criticality, borrowed priors: as analyze by default)` : 'off (plain recommend; analyze runs it on by default)'}, TSDB ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (cached after the first run; not measured)`);
const prom = await startPrometheus(blocks);
const options = { end, windowSeconds: 28 * DAY, breachWindowSeconds: DAY, seed: 1, hourly };
const inProcess = createComputePool({ threads: 0 });
const pool = createComputePool({ threads });
try {
  let client: PrometheusClient | undefined;
  const analyse = (compute: ComputePool) => {
    client = new PrometheusClient({ url: prom.url, concurrency: 4 });
    return runAnalysis({ source: new PrometheusHistorySource({ client }), clock: fixedClock(new Date(end * 1000)), compute, ...(ai ? { ai } : {}) }, options);
  };
  const warm = await analyse(pool); // loads chunks into the page cache and starts the threads; not counted
  const warmHere = await analyse(inProcess);
  const same = JSON.stringify({ ...warm, timings: undefined }) === JSON.stringify({ ...warmHere, timings: undefined });
  const replay = warm.alertReplay;
  const ais = ai ? `, ${warm.proposals.filter((p) => p.criticality?.label === 'critical').length} labelled critical, ${warm.proposals.filter((p) => p.borrowed).length} with a borrowed prior` : '';
  console.log(`warm-up: ${warm.proposals.length} proposals${ais}, report on threads ${same ? 'identical to' : 'DIFFERENT from'} in process, ${warm.timings!.queries} queries, ${s2(warm.timings!.totalSeconds)}; alert replay: ${replay?.replayed ?? 0} SLOs${replay?.skipped?.length ? ` (not replayed: ${replay.skipped.map((s) => `${s.slos}, ${s.reason}`).join('; ')})` : ''}`);
  const sequential: Run[] = [];
  const threaded: Run[] = [];
  // Interleaved, so both see the same noise of this shared machine.
  for (let i = 0; i < runs; i++) {
    for (const [runs, compute] of [[sequential, inProcess], [threaded, pool]] as const) {
      const promCpu0 = prom.cpuSeconds();
      const run = await measured(() => analyse(compute));
      runs.push({ ...run, inFlightSeconds: client!.stats.backendSeconds, prometheusCpuSeconds: prom.cpuSeconds() - promCpu0 });
    }
  }
  const memory: Run[] = [];
  for (let i = 0; i < runs; i++) {
    memory.push(await measured(() => runAnalysis({ source: new FleetHistorySource(spec), clock: fixedClock(new Date(end * 1000)), compute: pool, ...(ai ? { ai } : {}) }, options)));
  }
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  const print = (label: string, prometheus: Run[]) => {
    const t = median(prometheus.map((r) => r.report.timings!.totalSeconds));
    const w = median(prometheus.map((r) => waitingOf(r.report)));
    const own = median(prometheus.map((r) => r.report.timings!.totalSeconds - waitingOf(r.report)));
    const share = median(prometheus.map((r) => (r.report.timings!.totalSeconds - waitingOf(r.report)) / r.report.timings!.totalSeconds));
    console.log(`${label} (medians of ${runs} runs; queries per run: ${prometheus[0]!.report.timings!.queries})`);
    console.log(`  total                      ${s2(t)}`);
    console.log(`  only waiting on Prometheus ${s2(w)} (${pct(w / t)}; this thread idle while a query was out)`);
    console.log(`  SLO-Scout's own work       ${s2(own)} (${pct(share)} of total; goal <= 30%)`);
    // The looser measure earlier versions printed: any wall time with a query in flight counts as waiting,
    // even while this process parses a reply or computes.
    const looseOwn = median(prometheus.map((r) => (r.report.timings!.totalSeconds - r.inFlightSeconds!) / r.report.timings!.totalSeconds));
    console.log(`  (counting all time with a query in flight as waiting, as before: own work ${pct(looseOwn)})`);
    console.log(`  main thread busy           ${pct(median(prometheus.map((r) => r.mainBusy)))} of wall time (event-loop utilisation; the compute threads' work is not in it)`);
    console.log(`  CPU of this process        ${s2(median(prometheus.map((r) => r.cpuSeconds)))} (all threads; Prometheus runs in its own process)`);
    console.log(`  CPU of Prometheus          ${s2(median(prometheus.map((r) => r.prometheusCpuSeconds!)))} (its process, during each run)`);
    console.log(`  peak RSS                   ${mb(median(prometheus.map((r) => r.peakRss)))}`);
    console.log('  phases                     seconds  waiting (phases overlap: with threads, recommend and what-if run during the fetch)');
    for (const name of prometheus[0]!.report.timings!.phases!.map((p) => p.name)) {
      const of = (r: Run) => r.report.timings!.phases!.find((p) => p.name === name);
      const runsWith = prometheus.filter((r) => of(r));
      console.log(`    ${name.padEnd(24)} ${median(runsWith.map((r) => of(r)!.seconds)).toFixed(2).padStart(7)}  ${median(runsWith.map((r) => of(r)!.waitingSeconds)).toFixed(2).padStart(7)}`);
    }
    return { t, share };
  };
  const a = print('in process (SLO_SCOUT_COMPUTE_THREADS=0, sequential)', sequential);
  const b = print(`on ${threads} compute thread${threads === 1 ? '' : 's'} (streamed)`, threaded);
  console.log(`ratio total threads / in process = ${(b.t / a.t).toFixed(2)}; own-work share ${pct(a.share)} -> ${pct(b.share)}`);
  // Generating the fleet is not SLO-Scout's work: subtract it as the "datasource" time.
  const base = median(memory.map((r) => r.report.timings!.totalSeconds - waitingOf(r.report)));
  console.log(`baseline: same pipeline from memory on the threads, analysis only ${s2(base)} (fleet generation subtracted; peak RSS ${mb(median(memory.map((r) => r.peakRss)))}); ratio total (threads) / baseline = ${(b.t / base).toFixed(2)}`);
} finally {
  await pool.close();
  await prom.stop();
}
