import { describe, expect, it } from 'vitest';
import { waitDistribution } from '../../../app/core/simulate/erlang.js';
import { sojournCdf, sojournQuantile, type BucketCdf } from '../../../app/core/simulate/latency.js';
import { batchInterval, quantileStat, simulateMmc, tailShareStat } from './des.js';

/** Exponential service (mean 1/μ) as a fine histogram, the way the simulator sees any service time. */
function exponentialBuckets(mu: number): BucketCdf {
  const thresholds: number[] = [];
  for (let i = 0; i < 300; i++) thresholds.push((0.001 * Math.pow(40 / 0.001, i / 299)) / mu);
  return { thresholds, cdf: thresholds.map((t) => 1 - Math.exp(-mu * t)) };
}

const UTILISATIONS = [0.3, 0.5, 0.7, 0.8, 0.9, 0.95];
const SERVERS = [1, 2, 5, 10, 20];
const QUANTILES = [0.5, 0.9, 0.99];
// SLO thresholds in units of the mean service time: one near the median, one in the tail.
const THRESHOLDS = [1, 3];

describe('the M/M/c latency model against a discrete-event simulation', () => {
  it('projects sojourn quantiles and shares over the SLO threshold inside the 99% DES interval in >= 90% of scenarios', { timeout: 60_000 }, () => {
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
    const inside = (scenarios - misses.length) / scenarios;
    // The share is printed so the closing note can quote it.
    console.log(`DES grid: ${scenarios - misses.length}/${scenarios} scenarios inside (${(inside * 100).toFixed(1)}%)${misses.length ? `\n  ${misses.join('\n  ')}` : ''}`);
    expect(inside).toBeGreaterThanOrEqual(0.9);
  });
});
