/**
 * Does asking Prometheus for an uncompressed reply help when it runs next to us (issue 11 §7)? The
 * alert replay's query shape (rate of one batch of endpoints over 28 days at 5-minute steps) against
 * the 10 x 8 fleet at 300 s (the TSDB bench/analyze.ts builds, cached), fetched with fetch's default
 * `Accept-Encoding: gzip, deflate` and with `identity`, alternating in one process. Prints medians of
 * wall time, this process's CPU and Prometheus' CPU per query, and the ratios identity/gzip.
 *
 *   npx tsx bench/compression.ts [rounds=9]
 */
import { DAY } from '../app/core/fleet/index.js';
import { PrometheusClient } from '../app/telemetry/prometheus/client.js';
import { buildBlocks, startPrometheus } from '../test/helpers/prometheus.js';
import { median } from './lib.js';

const rounds = Number(process.argv[2] ?? 9);
const end = Date.UTC(2026, 10, 1) / 1000;
const spec = { seed: 1, scenario: 'uniform' as const, services: 10, endpointsPerService: 8, stepSeconds: 300 };
const blocks = await buildBlocks({ fleet: { ...spec, end, days: 29 }, sampleSeconds: 300 }, 'uniform-10x8-5m');
const prom = await startPrometheus(blocks);
try {
  const expr = 'sum by (service_name, http_route) (rate(http_server_request_duration_seconds_count[300s]))';
  const start = end - 28 * DAY + 300;
  const clients = {
    gzip: new PrometheusClient({ url: prom.url, compression: 'gzip' }),
    identity: new PrometheusClient({ url: prom.url, compression: 'identity' }),
  };
  const m = { gzip: { wall: [] as number[], cpu: [] as number[], prom: [] as number[] }, identity: { wall: [] as number[], cpu: [] as number[], prom: [] as number[] } };
  let series = 0;
  for (let i = 0; i <= rounds; i++) {
    for (const name of ['gzip', 'identity'] as const) {
      const p0 = prom.cpuSeconds();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      series = (await clients[name].queryRangeGrid(expr, start, end, 300)).length;
      if (i === 0) continue; // warm-up: page cache and JIT
      m[name].wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      m[name].cpu.push((c.user + c.system) / 1000);
      m[name].prom.push((prom.cpuSeconds() - p0) * 1000);
    }
  }
  console.log(`query_range of ${series} series x ${(28 * DAY) / 300} steps, ${rounds} rounds alternating (after one warm-up each); medians`);
  for (const k of ['wall', 'cpu', 'prom'] as const) {
    const g = median(m.gzip[k]);
    const id = median(m.identity[k]);
    console.log(`${{ wall: 'wall time      ', cpu: 'our CPU        ', prom: 'Prometheus CPU ' }[k]} gzip ${g.toFixed(0)} ms, identity ${id.toFixed(0)} ms, ratio identity/gzip ${(id / g).toFixed(2)}`);
  }
} finally {
  await prom.stop();
}
