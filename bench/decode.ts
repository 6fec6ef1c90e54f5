/**
 * Decoding a query_range reply into per-series grids (issue 11 §7): the JSON.parse + zod path
 * (what queryRange + the callers' loops did), JSON.parse with a reviver building the grids, and the
 * scanner of app/telemetry/prometheus/matrix-grid.ts,
 * alternating in one process on replies shaped like the alert replay's (28 days at 5 min = 8,064
 * points a series). Prints per-reply medians, the ratio new/old, and checks both give the same grids.
 *
 *   npx tsx bench/decode.ts [series=40] [points=8064] [rounds=15]
 */
import { Envelope, QueryData } from '../app/telemetry/prometheus/api.js';
import { gridOf, scanMatrixGrid, type GridSeries } from '../app/telemetry/prometheus/matrix-grid.js';
import { median } from './lib.js';

const [seriesCount = 40, points = 8064, rounds = 15] = process.argv.slice(2).map(Number);
const START = 1_761_955_200;
const STEP = 300;

/** A deterministic generator (mulberry32): the same reply on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** rate() values as Prometheus prints them (shortest round-trip text, mostly 16-17 digits), a few gaps and zeros. */
function reply(): string {
  const r = rng(11);
  const result = Array.from({ length: seriesCount }, (_, k) => {
    const base = 0.5 + r() * 50;
    const values: Array<[number, string]> = [];
    for (let i = 0; i < points; i++) {
      if (r() < 0.01) continue;
      const v = r() < 0.05 ? 0 : base * (0.8 + 0.4 * r());
      values.push([START + i * STEP, String(v)]);
    }
    return { metric: { service_name: `svc-${k % 10}`, http_route: `/api/v${k}/items/{id}` }, values };
  });
  return JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } });
}

function old(text: string): GridSeries[] {
  const env = Envelope.parse(JSON.parse(text));
  if (env.status !== 'success') throw new Error('error reply');
  const data = QueryData.parse(env.data);
  if (data.resultType !== 'matrix') throw new Error('not a matrix');
  return gridOf(data.result, START, STEP, points);
}

/** JSON.parse with a reviver that turns each `values` array into a grid (zod then checks the rest). */
function reviver(text: string): GridSeries[] {
  const json = JSON.parse(text, (key, value: unknown) => {
    if (key !== 'values' || !Array.isArray(value)) return value;
    const grid = new Float64Array(points).fill(Number.NaN);
    for (const [t, v] of value as Array<[number, string]>) {
      const i = Math.round((t - START) / STEP);
      if (i >= 0 && i < points) grid[i] = Number(v);
    }
    return grid;
  }) as { data: { result: GridSeries[] } };
  return json.data.result;
}

function scan(text: string): GridSeries[] {
  const out = scanMatrixGrid(text, START, STEP, points);
  if (!out) throw new Error('the scanner refused the reply');
  return out.series;
}

const text = reply();
const a = old(text);
const b = scan(text);
for (let k = 0; k < a.length; k++) {
  if (JSON.stringify(a[k]!.metric) !== JSON.stringify(b[k]!.metric) || !a[k]!.values.every((x, i) => Object.is(x, b[k]!.values[i]))) throw new Error(`series ${k} differs`);
}
const times = { old: [] as number[], reviver: [] as number[], scan: [] as number[] };
for (let i = 0; i < rounds; i++) {
  for (const [name, f] of [['old', old], ['reviver', reviver], ['scan', scan]] as const) {
    const t0 = performance.now();
    f(text);
    times[name].push(performance.now() - t0);
  }
}
const mOld = median(times.old);
const mScan = median(times.scan);
console.log(`reply: ${seriesCount} series x ${points} points, ${(text.length / 1e6).toFixed(1)} MB; ${rounds} rounds alternating`);
console.log(`JSON.parse + zod + grid: median ${mOld.toFixed(1)} ms`);
console.log(`JSON.parse + reviver:    median ${median(times.reviver).toFixed(1)} ms (grids built in the reviver; no zod)`);
console.log(`scanner:                 median ${mScan.toFixed(1)} ms`);
console.log(`ratio new/old: ${(mScan / mOld).toFixed(3)}`);
