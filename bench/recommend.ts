/**
 * Recommendation engine speed (issue 2 §3): 50 services × 8 endpoints × 28 daily windows, 2000
 * bootstrap draws. Prints medians of several runs and ratios against baselines measured in the
 * same run: the same analysis with 200 draws (what the bootstrap costs), and one JSON round trip
 * of the same histories (a trivial pass over the same data).
 *
 *   npx tsx bench/recommend.ts [runs=5] [services=50] [endpointsPerService=8]
 */
import { fleetHistories } from '../app/core/fleet/index.js';
import { recommend } from '../app/core/recommend/index.js';
import { medianSeconds } from './lib.js';

const runs = Number(process.argv[2] ?? 5);
const services = Number(process.argv[3] ?? 50);
const perService = Number(process.argv[4] ?? 8);
const end = Date.UTC(2026, 10, 28) / 1000;
const day = 86_400;

const t0 = performance.now();
// Hourly steps: the engine sees the same 28 daily windows either way; the generator is not measured here.
const histories = fleetHistories({ seed: 1, end, days: 28, scenario: 'uniform', services, endpointsPerService: perService, stepSeconds: 3600 }, { breachWindowSeconds: day });
console.log(`fleet: ${histories.length} endpoints generated in ${((performance.now() - t0) / 1000).toFixed(2)} s (not part of the timings below)`);

const time = (f: () => unknown) => medianSeconds(runs, f);

let proposals = 0;
const full = time(() => {
  proposals = recommend(histories, { end, windowSeconds: 28 * day, breachWindowSeconds: day, bootstrapDraws: 2000 }).proposals.length;
});
const light = time(() => recommend(histories, { end, windowSeconds: 28 * day, breachWindowSeconds: day, bootstrapDraws: 200 }));
const json = time(() => JSON.parse(JSON.stringify(histories)) as unknown);

console.log(`recommend, 2000 draws: median ${full.toFixed(3)} s for ${proposals} proposals (${((full / proposals) * 1000).toFixed(2)} ms each), ${runs} runs`);
console.log(`recommend, 200 draws:  median ${light.toFixed(3)} s -> 2000 draws cost ${(full / light).toFixed(2)}x`);
console.log(`JSON round trip of the histories: median ${json.toFixed(3)} s -> recommend is ${(full / json).toFixed(1)}x one pass over the data`);
