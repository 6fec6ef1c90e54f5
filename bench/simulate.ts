/**
 * Benchmark of the what-if simulator: the median time of one simulation (all variants of one SLO,
 * default draws) on a 28-day hourly history, against a baseline measured in the same run (the
 * same call with one scenario that changes nothing), plus the basis fit and the DES grid share.
 * Run: npx tsx bench/simulate.ts  (--no-des skips the ~20 s discrete-event grid)
 */
import { DEFAULT_DRAWS, defaultWhatIf, simulateSlo, simulationBasisFromHistory, simulationInputFromHistories } from '../app/core/simulate/index.js';
import { mmcHistory, proposal } from '../test/core/simulate/fixtures.js';
import { desGrid } from '../test/core/simulate/des-grid.js';
import { median } from './lib.js';

function time(fn: () => unknown, runs: number): number {
  for (let i = 0; i < 10; i++) fn(); // warm up the JIT
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  return median(samples);
}

const history = mmcHistory({ deploys: [{ version: 'v1', day: 0 }, { version: 'v2', day: 20 }], serviceMean: { v1: 0.05, v2: 0.06 } });
const p = proposal({ variants: [['conservative', 99, 0.5], ['balanced', 98.5, 0.25], ['aggressive', 95, 0.1]] });
const input = simulationInputFromHistories([history], [p]);

// Warm every path before timing any of them, so the first one measured is not the JIT's warm-up.
for (let i = 0; i < 20; i++) {
  simulateSlo(input, { service: 'checkout' });
  simulateSlo(input, { service: 'checkout', trafficMultiplier: 1.2, replicaCount: 5, canaryPercentage: 10 });
}
const baseline = time(() => simulateSlo(input, { service: 'checkout' }), 50);
const scenario = time(() => simulateSlo(input, { service: 'checkout', trafficMultiplier: 1.2, replicaCount: 5, canaryPercentage: 10 }), 50);
const whatIf = time(() => defaultWhatIf(input, [p]), 10);
const fit = time(() => simulationBasisFromHistory(history), 10);

console.log(`simulate: 1 SLO x 3 variants, 28 daily windows x 24 hourly steps, ${DEFAULT_DRAWS} draws`);
console.log(`  baseline (no change)             median ${baseline.toFixed(1)} ms`);
console.log(`  traffic x1.2, 5 replicas, canary median ${scenario.toFixed(1)} ms  (${(scenario / baseline).toFixed(2)}x baseline)`);
console.log(`  default what-if (4 scenarios)    median ${whatIf.toFixed(1)} ms  (${(whatIf / baseline).toFixed(2)}x baseline)`);
console.log(`  basis fit (capacity + versions)  median ${fit.toFixed(1)} ms  (${(fit / baseline).toFixed(2)}x baseline)`);

const t = performance.now();
const grid = process.argv.includes("--no-des") ? null : desGrid();
if (grid) {
  console.log(`DES grid: ${grid.inside}/${grid.scenarios} scenarios inside the 99% DES interval (${((grid.inside / grid.scenarios) * 100).toFixed(1)}%), ${((performance.now() - t) / 1000).toFixed(1)} s`);
  for (const m of grid.misses) console.log(`  miss: ${m}`);
}
