/**
 * The main thread's cost of a service's recommend and what-if on a compute thread (issue 11 §7):
 * sending the task and taking the results back (structured clone), per service, medians.
 *   old: two tasks, recommend then what-if (the histories go out twice, the proposals go back in);
 *   new: one recommend+what-if task (app/compute/pool.ts recommendWhatIf): histories out once, the
 *        recommend part posted back as soon as it is ready, the what-if part at the end.
 * Both run alternately in one process on the same 1-thread pool, so they see the same noise. The
 * main thread's busy time is its event-loop utilisation's active time while the batch is out (the
 * thread's work is not in it); results are checked equal. Then the structured clone alone, on this
 * thread (node:v8 serialize/deserialize, what postMessage does at each end), per service: old
 * = recommend task out, part in, what-if task (histories and proposals) out, what-if part in; new =
 * one task out, part in, what-if part in.
 *
 *   npx tsx bench/compute-handback.ts [rounds=7] [services=10] [endpointsPerService=8]
 */
import { isDeepStrictEqual } from 'node:util';
import { deserialize, serialize } from 'node:v8';
import { createComputePool } from '../app/compute/pool.js';
import { byService } from '../app/compute/fleet.js';
import { fleetHistories } from '../app/core/fleet/index.js';
import type { EndpointHistory } from '../app/core/types.js';
import { median } from './lib.js';

const rounds = Number(process.argv[2] ?? 7);
const services = Number(process.argv[3] ?? 10);
const per = Number(process.argv[4] ?? 8);
const DAY = 86_400;
const end = Date.UTC(2026, 10, 1) / 1000;
const histories = fleetHistories({ seed: 1, scenario: 'uniform', services, endpointsPerService: per, end, days: 29, stepSeconds: 3600 }, { breachWindowSeconds: DAY });
const options = { end, windowSeconds: 28 * DAY, breachWindowSeconds: DAY, seed: 1, bootstrapDraws: 300 };
const groups: EndpointHistory[][] = [...byService(histories).values()].map((ix) => ix.map((i) => histories[i]!));
const pool = createComputePool({ threads: 1 });

async function old(hs: EndpointHistory[]) {
  const part = await pool.recommend({ histories: hs, options });
  const proposals = part.proposals.map((x) => x.proposal);
  return { part, whatIf: await pool.whatIf({ histories: hs, proposals, periodSeconds: options.windowSeconds }) };
}
async function fused(hs: EndpointHistory[]) {
  const both = pool.recommendWhatIf!({ histories: hs, options, periodSeconds: options.windowSeconds }, { recommend: {}, whatIf: {} });
  return { part: await both.part, whatIf: await both.whatIf };
}

/** Main-thread busy ms per service and wall ms per service for the whole fleet submitted at once. */
async function measure<T>(run: (hs: EndpointHistory[]) => Promise<T>) {
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const out = await Promise.all(groups.map(run));
  const elu = performance.eventLoopUtilization(elu0);
  return { busy: elu.active / groups.length, wall: (performance.now() - t0) / groups.length, out };
}

try {
  const a = await measure(old); // warm-up (thread start, JIT), and the equality check
  const b = await measure(fused);
  if (!isDeepStrictEqual(a.out, b.out)) throw new Error('the fused task gave different results');
  const r = { old: { busy: [] as number[], wall: [] as number[] }, fused: { busy: [] as number[], wall: [] as number[] } };
  for (let i = 0; i < rounds; i++) {
    for (const [name, run] of [['old', old], ['fused', fused]] as const) {
      const m = await measure(run);
      r[name].busy.push(m.busy);
      r[name].wall.push(m.wall);
    }
  }
  const f = (x: number) => x.toFixed(1).padStart(6);
  console.log(`${services} services x ${per} endpoints, 28 days, 1 compute thread, ${rounds} rounds alternating; per service, medians (ms); results equal`);
  console.log(`                     main thread busy   wall`);
  console.log(`  old (2 tasks)          ${f(median(r.old.busy))}       ${f(median(r.old.wall))}`);
  console.log(`  new (1 fused task)     ${f(median(r.fused.busy))}       ${f(median(r.fused.wall))}`);
  console.log(`  ratio new / old        ${(median(r.fused.busy) / median(r.old.busy)).toFixed(2)}         ${(median(r.fused.wall) / median(r.old.wall)).toFixed(2)}`);
  // The clone alone: the first service's task and results, 200 times each way, alternating.
  const hs = groups[0]!;
  const { part, whatIf } = b.out[0]!;
  const proposals = part.proposals.map((x) => x.proposal);
  const partBuf = serialize(part);
  const whatIfBuf = serialize(whatIf);
  const clone = { old: [] as number[], fused: [] as number[] };
  for (let i = 0; i < 200; i++) {
    let t = performance.now();
    serialize({ kind: 'recommend', histories: hs, options });
    deserialize(partBuf);
    serialize({ kind: 'what-if', histories: hs, proposals, periodSeconds: options.windowSeconds });
    deserialize(whatIfBuf);
    clone.old.push(performance.now() - t);
    t = performance.now();
    serialize({ kind: 'recommend+what-if', histories: hs, options, periodSeconds: options.windowSeconds });
    deserialize(partBuf);
    deserialize(whatIfBuf);
    clone.fused.push(performance.now() - t);
  }
  console.log(`structured clone alone, this thread, per service (part ${partBuf.length} B, what-if part ${whatIfBuf.length} B), medians of 200 (ms): old ${median(clone.old).toFixed(2)}, new ${median(clone.fused).toFixed(2)}, ratio ${(median(clone.fused) / median(clone.old)).toFixed(2)}`);
} finally {
  await pool.close();
}
