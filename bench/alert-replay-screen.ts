/**
 * The alert replay's screen (app/core/alerts/screen.ts) against a real Prometheus (issue 11 §7): the
 * replay step alone, run alternately with the screen and without it (the same source hiding its
 * screenAlertSeries: the replay before the screen) on the same report, so both see the same noise.
 * Prints medians of the phase's wall time, time only waiting on Prometheus, CPU of this process and
 * of Prometheus, queries, points and bytes received, SLOs screened out; and checks that both runs
 * give every SLO the same alert replay (the screen must never change a result).
 *
 *   npx tsx bench/alert-replay-screen.ts [runs=3] [services=10] [endpointsPerService=8]
 * (the TSDB of bench/analyze.ts at 300 s samples: `npx tsx bench/analyze.ts 1 <services> <endpoints> 300` builds it)
 */
import { isDeepStrictEqual } from 'node:util';
import { DAY } from '../app/core/fleet/index.js';
import type { Report } from '../app/core/report.js';
import { fixedClock } from '../app/deps.js';
import { silentLogger } from '../app/logger.js';
import { runAnalysis } from '../app/pipeline.js';
import { alertReplayStep } from '../app/alert-replay.js';
import { PrometheusClient } from '../app/telemetry/prometheus/client.js';
import { PrometheusHistorySource } from '../app/telemetry/prometheus/source.js';
import type { HistorySource } from '../app/telemetry/source.js';
import { buildBlocks, startPrometheus } from '../test/helpers/prometheus.js';
import { median } from './lib.js';

const runs = Number(process.argv[2] ?? 3);
const services = Number(process.argv[3] ?? 10);
const perService = Number(process.argv[4] ?? 8);
const sampleSeconds = 300;
const end = Date.UTC(2026, 10, 1) / 1000;
const spec = { seed: 1, scenario: 'uniform' as const, services, endpointsPerService: perService, stepSeconds: sampleSeconds };
const blocks = await buildBlocks({ fleet: { ...spec, end, days: 29 }, sampleSeconds }, `uniform-${services}x${perService}-${sampleSeconds / 60}m`);
const prom = await startPrometheus(blocks);
const options = { end, windowSeconds: 28 * DAY, breachWindowSeconds: DAY, seed: 1, hourly: 'auto' as const };

/** Counts the points and bytes of every reply (the JSON the replay decodes). */
function countingFetch(counter: { bytes: number; points: number }): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    const text = await res.text();
    counter.bytes += text.length;
    counter.points += (text.match(/\],\[|\[\[/g) ?? []).length;
    return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

interface Run { seconds: number; waiting: number; cpu: number; promCpu: number; queries: number; points: number; bytes: number; screened: number; replay: unknown }

try {
  const base = await runAnalysis({ source: new PrometheusHistorySource({ client: new PrometheusClient({ url: prom.url, concurrency: 4 }) }), logger: silentLogger, clock: fixedClock(new Date(end * 1000)) }, { ...options, alertReplay: { enabled: false } });
  console.log(`fleet ${services} x ${perService} at ${sampleSeconds} s: ${base.proposals.length} SLOs to replay`);
  const once = async (screen: boolean): Promise<Run> => {
    const counter = { bytes: 0, points: 0 };
    const client = new PrometheusClient({ url: prom.url, concurrency: 4, fetch: countingFetch(counter) });
    const full = new PrometheusHistorySource({ client });
    const source: HistorySource = screen ? full : { name: full.name, fetchHistories: (r) => full.fetchHistories(r), fetchAlertSeries: (r) => full.fetchAlertSeries(r), probeAlertSeries: (r) => full.probeAlertSeries(r) };
    const report: Report = structuredClone(base);
    let waiting = 0;
    global.gc?.();
    const cpu0 = process.cpuUsage();
    const prom0 = prom.cpuSeconds();
    const t0 = performance.now();
    await alertReplayStep.run({ report, histories: [], deps: { source, clock: fixedClock(new Date(end * 1000)) }, options: { ...options, alertReplay: { screen } }, logger: silentLogger, timing: { wait: (s) => { waiting += s.backendSeconds; } } });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { seconds, waiting, cpu: (cpu.user + cpu.system) / 1e6, promCpu: prom.cpuSeconds() - prom0, queries: client.stats.queries, points: counter.points, bytes: counter.bytes, screened: report.alertReplay?.screened ?? 0, replay: report.proposals.map((p) => p.alertReplay) };
  };
  const old: Run[] = [];
  const neu: Run[] = [];
  for (let i = 0; i < runs; i++) {
    old.push(await once(false));
    neu.push(await once(true));
  }
  const same = neu.every((r) => isDeepStrictEqual(r.replay, old[0]!.replay)) && old.every((r) => isDeepStrictEqual(r.replay, old[0]!.replay));
  const fired = (old[0]!.replay as Array<{ page: { fired: number }; ticket: { fired: number } } | undefined>).filter((a) => a && (a.page.fired > 0 || a.ticket.fired > 0)).length;
  const row = (label: string, of: (r: Run) => number, digits = 2) => {
    const a = median(old.map(of));
    const b = median(neu.map(of));
    console.log(`  ${label.padEnd(34)} ${a.toFixed(digits).padStart(12)} ${b.toFixed(digits).padStart(12)}   ratio ${(b / a).toFixed(2)}`);
  };
  console.log(`alert-replay phase, medians of ${runs} alternating runs      without       with screen`);
  row('wall seconds', (r) => r.seconds);
  row('only waiting on Prometheus (s)', (r) => r.waiting);
  row('CPU of this process (s)', (r) => r.cpu);
  row('CPU of Prometheus (s)', (r) => r.promCpu);
  row('queries', (r) => r.queries, 0);
  row('points received', (r) => r.points, 0);
  row('MB received', (r) => r.bytes / 1e6, 1);
  console.log(`  SLOs screened out (not fetched): ${neu[0]!.screened} of ${base.proposals.length}; SLOs whose page or ticket fired: ${fired}`);
  console.log(`  every SLO's alert replay identical with and without the screen: ${same ? 'yes' : 'NO'}`);
  if (!same) process.exitCode = 1;
} finally {
  await prom.stop();
}
