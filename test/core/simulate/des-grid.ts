import { waitDistribution } from '../../../app/core/simulate/erlang.js';
import { sojournCdf, sojournQuantile, type BucketCdf } from '../../../app/core/simulate/latency.js';
import { batchInterval, quantileStat, simulateMmc, tailShareStat } from './des.js';

/** Exponential service (mean 1/μ) as a fine histogram, the way the simulator sees any service time. */
function exponentialBuckets(mu: number): BucketCdf {
  const thresholds: number[] = [];
  for (let i = 0; i < 300; i++) thresholds.push((0.001 * Math.pow(40 / 0.001, i / 299)) / mu);
  return { thresholds, cdf: thresholds.map((t) => 1 - Math.exp(-mu * t)) };
}

export const UTILISATIONS = [0.3, 0.5, 0.7, 0.8, 0.9, 0.95];
export const SERVERS = [1, 2, 5, 10, 20];
const QUANTILES = [0.5, 0.9, 0.99];
// SLO thresholds in units of the mean service time: one near the median, one in the tail.
const THRESHOLDS = [1, 3];

/**
 * For each (utilisation, servers): the model's p50/p90/p99 sojourn time and share of requests over
 * each threshold (the per-request breach rate) must all lie inside the DES's 99% batch-means interval.
 */
export function desGrid(): { scenarios: number; inside: number; misses: string[] } {
  const mu = 1;
  const service = exponentialBuckets(mu);
  const misses: string[] = [];
  let scenarios = 0;
  let seed = 11;
  for (const rho of UTILISATIONS) {
    for (const servers of SERVERS) {
      scenarios++;
      const lambda = rho * servers * mu;
      const wait = waitDistribution(servers, lambda, mu);
      // Heavier load relaxes slower (time scale ~ 1/(1-ρ)^2 services): give it more customers.
      const customers = rho >= 0.9 ? 800_000 : 120_000;
      const { sojourn } = simulateMmc({ servers, lambda, mu, customers, warmup: 20_000, seed: seed++ });
      const checks: Array<[string, number, [number, number]]> = [
        ...QUANTILES.map((q): [string, number, [number, number]] => [`p${q * 100}`, sojournQuantile(service, wait, q), batchInterval(sojourn, 20, quantileStat(q))]),
        ...THRESHOLDS.map((x): [string, number, [number, number]] => [`P(T>${x})`, 1 - sojournCdf(service, wait, x), batchInterval(sojourn, 20, tailShareStat(x))]),
      ];
      const outside = checks.filter(([, value, [lo, hi]]) => !(value >= lo && value <= hi));
      if (outside.length > 0) {
        misses.push(`rho=${rho} c=${servers}: ${outside.map(([n, v, [lo, hi]]) => `${n}=${v.toFixed(4)} not in [${lo.toFixed(4)}, ${hi.toFixed(4)}]`).join('; ')}`);
      }
    }
  }
  return { scenarios, inside: scenarios - misses.length, misses };
}
