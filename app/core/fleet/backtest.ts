import { recommend, type RecommendOptions } from '../recommend/index.js';
import type { Proposal, VariantType } from '../report.js';
import { availabilitySli, latencySli } from '../sli/window.js';
import type { EndpointHistory, WindowCounts } from '../types.js';
import { DAY, type FleetSpec } from './model.js';
import { fleetHistories } from './histories.js';

export interface BacktestOptions {
  /** Days fitted (weeks 1-4 by default: 28). */
  fitDays?: number;
  /** Days checked after the fit (weeks 5-8 by default: 28). */
  checkDays?: number;
  breachWindowSeconds?: number;
  recommend?: Partial<RecommendOptions>;
  /** Replaces the recommender, e.g. recommendWithBorrowing (app/core/similar) for the borrowing backtest. */
  recommendFn?: (histories: EndpointHistory[], options: RecommendOptions) => { proposals: Proposal[] };
}

export interface BacktestCase {
  sloId: string;
  variant: VariantType;
  expected: number;
  interval: [number, number];
  realized: number;
  windows: number;
  inside: boolean;
}

export interface BacktestResult {
  cases: BacktestCase[];
  /** Share of (proposal, variant) whose realized breach share fell inside the reported interval. */
  coverage: number;
  /** Mean realized minus mean expected breach rate (calibration of the point estimate). */
  bias: number;
  fitEnd: number;
}

/**
 * Fit on the first `fitDays` of a fleet, then measure each variant's realized share of breached
 * windows over the next `checkDays` at the proposed threshold and target, and whether it falls in
 * the reported interval. The fleet's `end` is the end of the check period.
 */
export function backtest(spec: FleetSpec, options: BacktestOptions = {}): BacktestResult {
  const fitDays = options.fitDays ?? 28;
  const checkDays = options.checkDays ?? 28;
  const bw = options.breachWindowSeconds ?? DAY;
  const full = fleetHistories({ ...spec, days: fitDays + checkDays }, { breachWindowSeconds: bw });
  const fitEnd = spec.end - checkDays * DAY;
  const cut = (h: EndpointHistory, from: number, to: number): WindowCounts[] => h.windows.filter((w) => w.start >= from && w.end <= to);
  const fitHistories = full.map((h) => ({ ...h, windows: cut(h, fitEnd - fitDays * DAY, fitEnd), exemplars: [] }));
  const { proposals } = (options.recommendFn ?? recommend)(fitHistories, {
    end: fitEnd,
    windowSeconds: fitDays * DAY,
    breachWindowSeconds: bw,
    periodSeconds: checkDays * DAY,
    ...options.recommend,
  });
  const byKey = new Map(full.map((h) => [`${h.service}\u0000${h.endpoint}`, h]));
  const cases: BacktestCase[] = [];
  for (const p of proposals) {
    const h = byKey.get(`${p.service}\u0000${p.endpoint}`)!;
    const check = cut(h, fitEnd, spec.end);
    for (const v of p.variants) cases.push(realize(p, v.type, check));
  }
  const coverage = cases.length ? cases.filter((c) => c.inside).length / cases.length : 0;
  const bias = cases.length ? cases.reduce((s, c) => s + c.realized - c.expected, 0) / cases.length : 0;
  return { cases, coverage, bias, fitEnd };
}

function realize(p: Proposal, type: VariantType, check: WindowCounts[]): BacktestCase {
  const v = p.variants.find((x) => x.type === type)!;
  let breached = 0;
  let windows = 0;
  for (const w of check) {
    const sli = p.sli === 'latency' ? latencySli(w, v.thresholdSeconds!) : availabilitySli(w);
    if (sli === null) continue;
    windows++;
    if (sli < v.target / 100 - 1e-12) breached++;
  }
  const realized = windows ? breached / windows : 0;
  const [lo, hi] = v.breachRateInterval;
  return { sloId: p.sloId, variant: type, expected: v.expectedBreachRate, interval: [lo, hi], realized, windows, inside: realized >= lo - 1e-9 && realized <= hi + 1e-9 };
}
