/**
 * Benchmark of the what-if simulator: the median time of one simulation (all variants of one SLO,
 * default draws) on a 28-day hourly history, against a baseline measured in the same run (the
 * same call with one scenario that changes nothing), plus the basis fit and the DES grid share.
 * With --fleet: the analysis' what-if step on the 50 x 8 'uniform' fleet of bench/recommend.ts
 * (simulationInputFromHistories + defaultWhatIf on recommend's proposals, as app/pipeline.ts runs it),
 * its median CPU time against recommend's on the same fleet, measured in the same run. Each timed run
 * uses another seed, so the resample and histogram memos start cold as in one analysis.
 * Run: npx tsx bench/simulate.ts [--fleet [runs=5]]  (--no-des skips the ~20 s discrete-event grid)
 */
import { DEFAULT_DRAWS, defaultWhatIf, simulateSlo, simulationBasisFromHistory, simulationInputFromHistories } from '../app/core/simulate/index.js';
import { mmcHistory, proposal } from '../test/core/simulate/fixtures.js';
import { desGrid } from '../test/core/simulate/des-grid.js';
import { fleetHistories } from '../app/core/fleet/index.js';
import { recommend } from '../app/core/recommend/index.js';
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

if (process.argv.includes('--fleet')) {
  const at = process.argv.indexOf('--fleet');
  const runs = Number(process.argv[at + 1] ?? 5) || 5;
  const day = 86_400;
  const end = Date.UTC(2026, 10, 28) / 1000;
  const histories = fleetHistories({ seed: 1, end, days: 28, scenario: 'uniform', services: 50, endpointsPerService: 8, stepSeconds: 3600 }, { breachWindowSeconds: day });
  const cpuMs = (fn: () => unknown): number => {
    const c = process.cpuUsage();
    fn();
    const d = process.cpuUsage(c);
    return (d.user + d.system) / 1000;
  };
  const options = { end, windowSeconds: 28 * day, breachWindowSeconds: day, bootstrapDraws: 2000 };
  const proposals = recommend(histories, options).proposals;
  const whatIf = (seed: number) => defaultWhatIf(simulationInputFromHistories(histories, proposals, { periodSeconds: 28 * day }), proposals, { seed });
  whatIf(1000); // warm the JIT (another seed: its memos are not reused below)
  const rec: number[] = [];
  const input: number[] = [];
  const fleet: number[] = [];
  for (let i = 0; i < runs; i++) {
    rec.push(cpuMs(() => recommend(histories, options)));
    input.push(cpuMs(() => simulationInputFromHistories(histories, proposals, { periodSeconds: 28 * day })));
    fleet.push(cpuMs(() => whatIf(1 + i)));
  }
  console.log(`fleet what-if: ${proposals.length} SLOs of 50 x 8 endpoints, CPU medians of ${runs} runs`);
  console.log(`  recommend (baseline)               ${median(rec).toFixed(0)} ms`);
  console.log(`  what-if step (input + scenarios)   ${median(fleet).toFixed(0)} ms  (${(median(fleet) / median(rec)).toFixed(2)}x recommend)`);
  console.log(`    of which simulation input         ${median(input).toFixed(0)} ms`);
}

const t = performance.now();
const grid = process.argv.includes("--no-des") ? null : desGrid();
if (grid) {
  console.log(`DES grid: ${grid.inside}/${grid.scenarios} scenarios inside the 99% DES interval (${((grid.inside / grid.scenarios) * 100).toFixed(1)}%), ${((performance.now() - t) / 1000).toFixed(1)} s`);
  for (const m of grid.misses) console.log(`  miss: ${m}`);
}
