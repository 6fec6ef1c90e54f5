import { createRng } from '../../../app/core/rng.js';

/**
 * A discrete-event simulation of M/M/c FCFS (the reference the analytic model is checked against).
 * With FCFS and identical servers, each arrival starts on the server that frees first
 * (Kiefer–Wolfowitz workload recursion), so a sorted event list is not needed.
 */
export interface DesResult {
  /** Sojourn times (wait + service) of the measured customers, in arrival order. */
  sojourn: Float64Array;
}

export function simulateMmc(opts: { servers: number; lambda: number; mu: number; customers: number; warmup: number; seed: number }): DesResult {
  const rng = createRng(opts.seed);
  const exp = (rate: number) => -Math.log(1 - rng.next()) / rate;
  const free = new Float64Array(opts.servers);
  const sojourn = new Float64Array(opts.customers);
  let clock = 0;
  for (let i = 0; i < opts.warmup + opts.customers; i++) {
    clock += exp(opts.lambda);
    let best = 0;
    for (let s = 1; s < opts.servers; s++) if (free[s]! < free[best]!) best = s;
    const start = Math.max(clock, free[best]!);
    const service = exp(opts.mu);
    free[best] = start + service;
    if (i >= opts.warmup) sojourn[i - opts.warmup] = start + service - clock;
  }
  return { sojourn };
}

function quantileOf(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const batchCache = new WeakMap<Float64Array, Float64Array[]>();
function batchesOf(sojourn: Float64Array, batches: number): Float64Array[] {
  let out = batchCache.get(sojourn);
  if (!out || out.length !== batches) {
    const size = Math.floor(sojourn.length / batches);
    out = Array.from({ length: batches }, (_, b) => sojourn.subarray(b * size, (b + 1) * size));
    batchCache.set(sojourn, out);
  }
  return out;
}

/** Two-sided Student t critical values at 99% for the degrees of freedom used here. */
const T_995: Record<number, number> = { 19: 2.861, 29: 2.756, 39: 2.708 };

/**
 * Batch-means confidence interval (99%, Student t) of a statistic of the sojourn time. Batches are long
 * compared with the queue's relaxation time, so batch statistics are close to independent.
 */
export function batchInterval(sojourn: Float64Array, batches: number, stat: (batch: Float64Array) => number): [number, number] {
  const values = batchesOf(sojourn, batches).map(stat);
  const mean = values.reduce((s, v) => s + v, 0) / batches;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (batches - 1));
  const half = T_995[batches - 1]! * (sd / Math.sqrt(batches));
  // Centre on the whole-run statistic: the mean of per-batch tail quantiles is biased low under
  // heavy load (a batch rarely holds a full long busy period), the whole run much less so.
  const centre = stat(sojourn);
  return [centre - half, centre + half];
}

// Several quantiles are read from the same batch: sort each batch once.
const sortedCache = new WeakMap<Float64Array, Float64Array>();
function sortedOf(batch: Float64Array): Float64Array {
  let sorted = sortedCache.get(batch);
  if (!sorted) sortedCache.set(batch, (sorted = batch.slice().sort()));
  return sorted;
}
export const quantileStat = (q: number) => (batch: Float64Array) => quantileOf(sortedOf(batch), q);
export const tailShareStat = (threshold: number) => (batch: Float64Array) => {
  let over = 0;
  for (const v of batch) if (v > threshold) over++;
  return over / batch.length;
};
