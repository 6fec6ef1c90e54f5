/**
 * Backtest of the breach-rate intervals (issue 2 §3): a fleet with known, stationary behaviour over
 * 8 weeks; fit on weeks 1-4, check the realized daily breach share of weeks 5-8 against each
 * variant's reported interval. Prints coverage per scenario and seed, and the median.
 *
 *   npx tsx bench/backtest.ts [seeds=5] [services=20] [endpointsPerService=5]
 */
import { backtest } from '../app/core/fleet/index.js';
import { borrowBacktest } from './borrow-backtest.js';

const seeds = Number(process.argv[2] ?? 5);
const services = Number(process.argv[3] ?? 20);
const perService = Number(process.argv[4] ?? 5);
const end = Date.UTC(2026, 10, 30) / 1000;

const coverages: number[] = [];
let inside = 0;
let total = 0;
let hardInside = 0;
let hardTotal = 0;
for (let seed = 1; seed <= seeds; seed++) {
  const t0 = performance.now();
  const r = backtest({ seed, end, days: 56, scenario: 'uniform', services, endpointsPerService: perService, stepSeconds: 3600 });
  coverages.push(r.coverage);
  inside += r.cases.filter((c) => c.inside).length;
  total += r.cases.length;
  const byVariant = ['conservative', 'balanced', 'aggressive'].map((t) => {
    const cs = r.cases.filter((c) => c.variant === t);
    return `${t} ${(cs.filter((c) => c.inside).length / cs.length * 100).toFixed(1)}%`;
  });
  const hard = r.cases.filter((c) => c.realized > 0 || c.interval[1] > 0.15);
  hardInside += hard.filter((c) => c.inside).length;
  hardTotal += hard.length;
  console.log(`seed ${seed}: ${r.cases.length} (proposal, variant) pairs, coverage ${(r.coverage * 100).toFixed(1)}% (${byVariant.join(', ')}), ` +
    `non-trivial (some breach realized, or upper bound > 15%) ${hard.length}: ${(hard.filter((c) => c.inside).length / Math.max(1, hard.length) * 100).toFixed(1)}%, ` +
    `bias realized-expected ${(r.bias * 100).toFixed(2)} pts, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
coverages.sort((a, b) => a - b);
console.log(`median coverage over ${seeds} seeds: ${(coverages[Math.floor(coverages.length / 2)]! * 100).toFixed(1)}%; pooled ${(inside / total * 100).toFixed(1)}% of ${total} (nominal interval level 90%); non-trivial cases ${(hardInside / Math.max(1, hardTotal) * 100).toFixed(1)}% of ${hardTotal}`);

// Issue 15: the same backtest on the 'families' fleet, with and without priors borrowed from similar endpoints.
borrowBacktest(seeds, end);
