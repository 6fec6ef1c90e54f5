/**
 * Where Prometheus' CPU goes on the alert replay's queries (issue 11 §7): one 5-minute fetch query
 * (7 services' totals over 28 days) plain, wrapped in count() (evaluation without the payload), with
 * and without gzip; and the screen's hourly subqueries. Medians of `reps` runs, Prometheus' CPU beside.
 *
 *   npx tsx bench/prometheus-query-cost.ts <cache dir of a 300 s TSDB, e.g. /tmp/slo-scout-prom-cache/<hash>> [reps=3]
 */
import { startPrometheus } from '../test/helpers/prometheus.js';
const dir = process.argv[2]!;
const reps = Number(process.argv[3] ?? 3);
const prom = await startPrometheus(`${dir}/blocks`);
const end = Date.UTC(2026, 10, 1) / 1000;
const start = end - 28 * 86400;
try {
  const lv = await (await fetch(`${prom.url}/api/v1/label/service_name/values`)).json() as { data: string[] };
  const services = lv.data.slice(0, 7); // ~50 endpoints at 8 per service
  const sel = `service_name=~"${services.join('|')}"`;
  const T = `sum by (service_name, http_route) (rate(http_server_request_duration_seconds_count{${sel}}[300s]))`;
  const G = `sum by (service_name, http_route) (rate(http_server_request_duration_seconds_bucket{${sel},le="0.5"}[300s]))`;
  const over = (fn: string, e: string) => `${fn}((${e})[3599s:300s])`;
  const cases: Array<[string, string, number, number]> = [
    ['full T (5m step)', T, start + 300, 300],
    ['count(full T) no payload', `count(${T})`, start + 300, 300],
    ['screen sum_over_time T (1h)', over('sum_over_time', T), start + 3600, 3600],
    ['screen min_over_time T', over('min_over_time', T), start + 3600, 3600],
    ['screen count T>=0', over('count_over_time', `${T} >= 0`), start + 3600, 3600],
    ['screen sum T-G', over('sum_over_time', `${T} - ${G}`), start + 3600, 3600],
    ['full G', G, start + 300, 300],
  ];
  for (const gzip of [true, false]) {
    for (const [name, q, from, step] of cases) {
      const times: number[] = []; const cpus: number[] = []; let bytes = 0;
      for (let r = 0; r < reps; r++) {
        const c0 = prom.cpuSeconds(); const t0 = performance.now();
        const res = await fetch(`${prom.url}/api/v1/query_range`, { method: 'POST', body: new URLSearchParams({ query: q, start: String(from), end: String(end), step: String(step) }), headers: gzip ? { 'accept-encoding': 'gzip' } : { 'accept-encoding': 'identity' } });
        const buf = await res.arrayBuffer(); bytes = buf.byteLength;
        times.push(performance.now() - t0); cpus.push(prom.cpuSeconds() - c0);
      }
      const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
      console.log(`${gzip ? 'gzip ' : 'plain'} ${name.padEnd(30)} wall ${med(times).toFixed(0).padStart(6)} ms  prom cpu ${med(cpus).toFixed(2)} s  bytes ${bytes}`);
    }
  }
} finally { await prom.stop(); }
