/**
 * Borrowing backtest (issue 15 §3), run by bench/backtest.ts: the 'families' fleet fitted on 4 weeks
 * and checked on the next 4, once with plain recommend and once with priors borrowed from similar
 * endpoints (same run, same seeds). Reports the mean interval score (Gneiting & Raftery 2007: width
 * + 2/α × miss distance, α = 0.1; lower is better) and coverage per group: new endpoints,
 * low-traffic endpoints, and all the others.
 */
import { backtest, describeFleet, type BacktestCase, type FleetSpec } from '../app/core/fleet/index.js';
import { sloIdFor, slug } from '../app/core/recommend/index.js';
import { recommendWithBorrowing } from '../app/core/similar/index.js';
import { fitIdf, hashedVector, type Vector } from '../app/core/vectors/index.js';

const ALPHA = 0.1;
const intervalScore = (c: BacktestCase) => c.interval[1] - c.interval[0] + (2 / ALPHA) * Math.max(0, c.interval[0] - c.realized) + (2 / ALPHA) * Math.max(0, c.realized - c.interval[1]);
type Group = 'new' | 'low-traffic' | 'others';

export function borrowBacktest(seeds: number, end: number): void {
  const acc: Record<Group, { plain: number[]; borrowed: number[]; inPlain: number; inBorrowed: number }> = {
    new: { plain: [], borrowed: [], inPlain: 0, inBorrowed: 0 }, 'low-traffic': { plain: [], borrowed: [], inPlain: 0, inBorrowed: 0 }, others: { plain: [], borrowed: [], inPlain: 0, inBorrowed: 0 },
  };
  let borrowers = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const spec: FleetSpec = { seed, end, days: 56, scenario: 'families', services: 12, endpointsPerService: 8, stepSeconds: 3600 };
    const fleet = describeFleet(spec);
    const group = new Map<string, Group>();
    for (const ep of fleet) {
      const g: Group = ep.startsAt !== undefined ? 'new' : ep.requestsPerDay < 2000 ? 'low-traffic' : 'others';
      for (const sli of ['latency', 'availability']) group.set(sloIdFor(`${slug(ep.service)}-${slug(ep.endpoint)}`, sli), g);
    }
    // Name embeddings: the builtin hashed vectors (pure), IDF fitted on the fleet's own names.
    const texts = fleet.map((ep) => `${ep.service} ${ep.endpoint}`);
    const idf = fitIdf(texts);
    const names = new Map<string, Vector>(fleet.map((ep, i) => [`${ep.service}\u0000${ep.endpoint}`, hashedVector(texts[i]!, idf)]));
    const plain = backtest(spec);
    const borrowed = backtest(spec, { recommendFn: (h, o) => {
      const r = recommendWithBorrowing(h, o, names);
      borrowers += r.borrowers;
      return r;
    } });
    const byId = new Map(borrowed.cases.map((c) => [`${c.sloId}/${c.variant}`, c]));
    for (const c of plain.cases) {
      const b = byId.get(`${c.sloId}/${c.variant}`);
      const g = group.get(c.sloId);
      if (!b || !g) continue;
      acc[g].plain.push(intervalScore(c));
      acc[g].borrowed.push(intervalScore(b));
      if (c.inside) acc[g].inPlain++;
      if (b.inside) acc[g].inBorrowed++;
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  console.log(`\nborrowing backtest ('families' fleet, 12 services x 8 endpoints, ${seeds} seeds; ${borrowers} endpoint fits borrowed): mean interval score (alpha ${ALPHA}, lower is better) and coverage`);
  for (const g of ['new', 'low-traffic', 'others'] as Group[]) {
    const a = acc[g];
    const p = mean(a.plain);
    const b = mean(a.borrowed);
    console.log(`  ${g.padEnd(12)} ${String(a.plain.length).padStart(4)} cases: no borrowing ${p.toFixed(4)} (coverage ${(a.inPlain / a.plain.length * 100).toFixed(1)}%) · borrowing ${b.toFixed(4)} (coverage ${(a.inBorrowed / a.borrowed.length * 100).toFixed(1)}%) · ratio ${(b / p).toFixed(3)}`);
  }
}
