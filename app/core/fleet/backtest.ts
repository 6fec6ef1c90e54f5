import { recommend, type BreachPredictive, type RecommendOptions } from '../recommend/index.js';
import type { Calibration, Proposal, VariantType } from '../report.js';
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
  recommendFn?: (histories: EndpointHistory[], options: RecommendOptions) => ReturnType<typeof recommend>;
}

export interface BacktestCase {
  sloId: string;
  variant: VariantType;
  expected: number;
  interval: [number, number];
  realized: number;
  windows: number;
  /** Raw coverage: the realized share lies in the interval. */
  inside: boolean;
  /**
   * Randomized coverage (0..1): the probability that the realized count's randomized PIT falls in the
   * interval's quantile range, i.e. "inside" with the point masses at the interval's ends split by the
   * predictive probabilities (`randomizedCoverage`). null when the recommender gave no predictive pmf.
   */
  randomized: number | null;
  /** The fit's recency-weighted breached share and effective sample (from the predictive), for deriving priors offline. */
  fit?: { share: number; nEff: number; worst: number; burns?: number[] };
  /** The naive baseline for the same target: lowest bound with ≤ 10 % of fit windows breached, k/n and a Wilson interval. */
  naive: { expected: number; interval: [number, number]; realized: number; inside: boolean };
}

/**
 * Scores of one method over the cases: raw coverage, randomized coverage (null when a case has no
 * predictive pmf, e.g. the naive Wilson interval, which is not a predictive distribution), mean
 * interval (Winkler) score, RMSE of the expected rate.
 */
export interface BacktestScore { coverage: number; randomizedCoverage: number | null; intervalScore: number; rmse: number }

export interface BacktestResult {
  cases: BacktestCase[];
  /** Share of (proposal, variant) whose realized breach share fell inside the reported interval (raw coverage). */
  coverage: number;
  /** Mean realized minus mean expected breach rate (calibration of the point estimate). */
  bias: number;
  fitEnd: number;
  /** SLO-Scout's intervals and point estimates against the naive baseline, at the nominal level. */
  score: BacktestScore;
  naive: BacktestScore;
  /** The proposals fitted on the first part (for checks such as the risk order of variants). */
  proposals: Proposal[];
  calibration: Calibration;
  /** Per service: the calibration its intervals were cut at (whether its breach prior is the reference one). */
  calibrationByService: Record<string, Calibration>;
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
  // Hourly series too: the recommender measures whether latency follows load within days.
  const full = fleetHistories({ ...spec, days: fitDays + checkDays }, { breachWindowSeconds: bw, hourly: true });
  const fitEnd = spec.end - checkDays * DAY;
  const cut = (h: EndpointHistory, from: number, to: number): WindowCounts[] => h.windows.filter((w) => w.start >= from && w.end <= to);
  const fitHistories = full.map((h) => ({ ...h, windows: cut(h, fitEnd - fitDays * DAY, fitEnd), hourly: (h.hourly ?? []).filter((w) => w.end <= fitEnd), exemplars: [] }));
  const { proposals, calibration, calibrationByService, predictive } = (options.recommendFn ?? recommend)(fitHistories, {
    end: fitEnd,
    windowSeconds: fitDays * DAY,
    breachWindowSeconds: bw,
    periodSeconds: checkDays * DAY,
    ...options.recommend,
  });
  const byKey = new Map(full.map((h) => [`${h.service}\u0000${h.endpoint}`, h]));
  const level = options.recommend?.intervalLevel ?? 0.9;
  const cases: BacktestCase[] = [];
  for (const p of proposals) {
    const h = byKey.get(`${p.service}\u0000${p.endpoint}`)!;
    const check = cut(h, fitEnd, spec.end);
    const fit = cut(h, fitEnd - fitDays * DAY, fitEnd);
    for (const v of p.variants) cases.push(realize(p, v.type, fit, check, level, predictive?.[p.sloId]?.[v.type]));
  }
  const coverage = cases.length ? cases.filter((c) => c.inside).length / cases.length : 0;
  const bias = cases.length ? cases.reduce((s, c) => s + c.realized - c.expected, 0) / cases.length : 0;
  return {
    cases,
    coverage,
    bias,
    fitEnd,
    score: scoreOf(cases, level),
    naive: scoreOf(cases.map((c) => ({ ...c.naive, randomized: null })), level),
    proposals,
    calibration,
    calibrationByService,
  };
}

/**
 * Winkler interval score at level 1 − α: width, plus 2/α times how far the realized value fell
 * outside. Lower is better; it rewards narrow intervals only while they keep holding.
 */
export function winkler(interval: [number, number], y: number, alpha: number): number {
  const [lo, hi] = interval;
  return hi - lo + (y < lo ? (2 / alpha) * (lo - y) : 0) + (y > hi ? (2 / alpha) * (y - hi) : 0);
}

export function scoreOf(cases: Array<{ expected: number; interval: [number, number]; realized: number; inside: boolean; randomized?: number | null }>, level: number): BacktestScore {
  const n = Math.max(1, cases.length);
  const randomized = cases.every((c) => typeof c.randomized === 'number') ? cases.reduce((s, c) => s + c.randomized!, 0) / n : null;
  return {
    coverage: cases.filter((c) => c.inside).length / n,
    randomizedCoverage: cases.length ? randomized : null,
    intervalScore: cases.reduce((s, c) => s + winkler(c.interval, c.realized, 1 - level), 0) / n,
    rmse: Math.sqrt(cases.reduce((s, c) => s + (c.expected - c.realized) ** 2, 0) / n),
  };
}

/**
 * Randomized coverage of an interval for a discrete outcome (Czado, Gneiting & Held 2009, "Predictive
 * model assessment for count data"). `pmf` is the predictive distribution of the count (index = count,
 * shares are count / (pmf.length − 1)), the interval was cut from it at the central quantile `level`,
 * and `k` is the realized count. The randomized PIT of k is u = F(k − 1) + v·P(k), v ~ U(0, 1); the
 * result is P_v(u in the interval's PIT range), computed exactly (no draw, so no seed is needed):
 * 1 for a count strictly inside, 0 outside, and at an end only the part of that count's mass that lies
 * inside the nominal quantile range [(1 − level)/2, (1 + level)/2]. An end the interval was widened to
 * (beyond its quantile, to contain the point estimate) counts whole. If k ~ pmf, the expectation is
 * exactly `level`, however much mass sits at 0, while raw coverage P(lo ≤ k ≤ hi) can be far above it.
 */
export function randomizedCoverage(pmf: ArrayLike<number>, level: number, interval: [number, number], k: number): number {
  const m = Math.max(1, pmf.length - 1);
  const a = Math.max(0, Math.ceil((interval[0] - SHARE_TOLERANCE) * m));
  const b = Math.min(m, Math.floor((interval[1] + SHARE_TOLERANCE) * m));
  if (k < a || k > b || a > b) return 0;
  const cdf = (j: number) => {
    let s = 0;
    for (let i = 0; i <= j && i <= m; i++) s += pmf[i]!;
    return Math.min(1, s);
  };
  const alpha = (1 - level) / 2;
  const qLo = quantileOf(pmf, alpha);
  const qHi = quantileOf(pmf, 1 - alpha);
  // PIT range of the interval: the nominal tails where an end is the nominal quantile, else the end's whole mass.
  const pitLo = a === qLo ? alpha : cdf(a - 1);
  const pitHi = b === qHi ? 1 - alpha : cdf(b);
  const below = cdf(k - 1);
  const mass = pmf[k] ?? 0;
  if (mass <= 0) return 1;
  return Math.max(0, Math.min(below + mass, pitHi) - Math.max(below, pitLo)) / mass;
}

/** Smallest count whose cumulative probability reaches q (the same rule as the recommender's interval). */
function quantileOf(pmf: ArrayLike<number>, q: number): number {
  let acc = 0;
  for (let k = 0; k < pmf.length; k++) {
    acc += pmf[k]!;
    if (acc >= q - 1e-9) return k;
  }
  return pmf.length - 1;
}

/** Wilson score interval for k of n at the given two-sided level. */
export function wilson(k: number, n: number, level: number): [number, number] {
  if (n <= 0) return [0, 1];
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = k / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lowP = 0.02425;
  if (p < lowP) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lowP) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** Share of windows whose SLI fell below the target at a threshold (null = availability). */
function breachShare(windows: WindowCounts[], target: number, threshold: number | null): { k: number; n: number } {
  let k = 0;
  let n = 0;
  for (const w of windows) {
    const sli = threshold === null ? availabilitySli(w) : latencySli(w, threshold);
    if (sli === null) continue;
    n++;
    if (sli < target / 100 - 1e-12) k++;
  }
  return { k, n };
}

/** The fit windows' budget burns (bad share / (1 − target)) at a proposal, largest first (the first 5), for deriving priors offline. */
function topBurns(windows: WindowCounts[], target: number, threshold: number | null): number[] {
  const budget = 1 - target / 100;
  const burns: number[] = [];
  for (const w of windows) {
    const sli = threshold === null ? availabilitySli(w) : latencySli(w, threshold);
    if (sli !== null && budget > 0) burns.push((1 - sli) / budget);
  }
  return burns.sort((a, b) => b - a).slice(0, 5);
}

/**
 * Report intervals are rounded to 5 significant digits, so 3/28 = 0.1071428… reads 0.10714: a realized share at
 * an end must match within that rounding (far below 1/windows), or it would count as out.
 */
const SHARE_TOLERANCE = 1e-5;
const inside = (x: number, [lo, hi]: [number, number]) => x >= lo - SHARE_TOLERANCE && x <= hi + SHARE_TOLERANCE;

function realize(p: Proposal, type: VariantType, fit: WindowCounts[], check: WindowCounts[], level: number, predictive: BreachPredictive | undefined): BacktestCase {
  const v = p.variants.find((x) => x.type === type)!;
  const r = breachShare(check, v.target, v.thresholdSeconds);
  const realized = r.n ? r.k / r.n : 0;
  const [lo, hi] = v.breachRateInterval;
  // Naive: for the same target, the lowest bucket bound breached on at most 10 % of fit days; rate k/n.
  let naiveThreshold: number | null = null;
  if (p.sli === 'latency') {
    const bounds = fit.find((w) => w.latency)?.latency?.thresholds ?? [v.thresholdSeconds!];
    naiveThreshold = bounds.find((b) => {
      const s = breachShare(fit, v.target, b);
      return s.n > 0 && s.k / s.n <= 0.1;
    }) ?? bounds[bounds.length - 1]!;
  }
  const f = breachShare(fit, v.target, naiveThreshold);
  const nr = breachShare(check, v.target, naiveThreshold);
  const naiveInterval = wilson(f.k, f.n, level);
  const naiveRealized = nr.n ? nr.k / nr.n : 0;
  return {
    sloId: p.sloId,
    variant: type,
    expected: v.expectedBreachRate,
    interval: [lo, hi],
    realized,
    windows: r.n,
    inside: inside(realized, [lo, hi]),
    // The pmf lives on the period's windows; a check period with missing windows maps its share onto them.
    randomized: predictive && r.n ? randomizedCoverage(predictive.pmf, predictive.level, [lo, hi], Math.round(realized * (predictive.pmf.length - 1))) : null,
    ...(predictive ? { fit: { share: predictive.share, nEff: predictive.nEff, worst: predictive.worst, burns: topBurns(fit, v.target, v.thresholdSeconds) } } : {}),
    naive: { expected: f.n ? f.k / f.n : 0, interval: naiveInterval, realized: naiveRealized, inside: inside(naiveRealized, naiveInterval) },
  };
}
