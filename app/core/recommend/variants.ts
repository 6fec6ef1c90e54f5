import { VARIANT_TYPES, type SliKind, type VariantType } from '../report.js';
import { fastRng, hashSeed } from '../sli/stats.js';
import { availabilitySli, goodAtThreshold, latencySli } from '../sli/window.js';
import type { WindowCounts } from '../types.js';
import { estimateBreachRate, type BreachEstimate } from './bootstrap.js';
import { estimateBurn, pastPeriodBurns, type BurnEstimate, type PastPeriod } from './burn.js';
import type { EndpointContext } from './context.js';
import { worstBurn } from './headroom.js';
import { projectedBad, type Projection } from './trend.js';
import { AVAILABILITY_LADDER, chooseTightest, weightedCompliance, type Compliance, type FitWindow, type ThresholdChoice } from './threshold.js';

export interface Built {
  type: VariantType;
  pValue: number;
  target: number;
  threshold: number | null;
  choice: ThresholdChoice<number>;
  /** Set when the variant was loosened so it stays less risky than this riskier neighbour. */
  loosenedFor?: { type: VariantType; from: number };
  sliOf: (w: WindowCounts) => number | null;
  badOf: (w: WindowCounts) => number | null;
  estimate: BreachEstimate;
  burn: BurnEstimate;
  pastPeriods: PastPeriod[];
  compliance: number;
  /** The breach rate uses a prior borrowed from similar endpoints (kept as is by the calibration). */
  borrowedPrior: boolean;
  /** Largest budget burn of one fitted window (bad / (total × (1 − target))): how close the variant came to a breach. */
  worstBurn: number;
}


/**
 * Availability: the most budget a variant's target may expect to burn per period (the rest is headroom
 * for incidents). Conservative leaves half the budget, aggressive a tenth.
 */
export const AVAILABILITY_BURN_CAP: Record<VariantType, number> = { conservative: 0.5, balanced: 0.7, aggressive: 0.9 };

interface Candidate { target: number; threshold: number | null; choice: ThresholdChoice<number>; index: number }

/**
 * The three variants of one SLI, ordered by risk: conservative has the lowest expected breach rate
 * and the lowest expected budget burn, aggressive the highest (ties allowed).
 * - latency: each variant promises its percentile (99.9 / 99 / 95 by default) under the smallest bucket
 *   bound met in its goal share of windows;
 * - availability: each variant's target is the strictest objective of a fine ladder that the observed
 *   per-window availability met in its goal share of windows, so a higher goal gives a lower target.
 * If a less risky variant still comes out riskier than its neighbour (a 99.9 % latency promise has a
 * tenth of the budget of a 99 % one), its threshold or target is loosened one candidate at a time.
 */
export function buildVariants(ctx: EndpointContext, kind: SliKind, sloId: string, fit: FitWindow[], bounds: number[], proj: Projection): Built[] {
  return selectVariants(ctx, kind, fit, bounds, proj).map((c) => finish(ctx, sloId, fit, c, proj, ctx.o.bootstrapDraws));
}

/**
 * Only the point estimates of the variants `buildVariants` would build (expected breach rate and
 * burn, the same numbers to the bit): the bootstraps, which only set intervals, are skipped. For
 * the "without the trend" comparison of a trend note, which reads nothing else.
 */
export function variantPoints(ctx: EndpointContext, kind: SliKind, sloId: string, fit: FitWindow[], bounds: number[], proj: Projection): Array<{ type: VariantType; rate: number; burn: number }> {
  return selectVariants(ctx, kind, fit, bounds, proj).map((c) => {
    const b = finish(ctx, sloId, fit, c, proj, 0);
    return { type: b.type, rate: b.estimate.rate, burn: b.burn.expected };
  });
}

export type Chosen = Candidate & { type: VariantType; pValue: number; loosenedFor?: Built['loosenedFor'] };

/**
 * The targets and thresholds of the three variants (the selection half of `buildVariants`). The
 * rolling-origin replays call it on the windows before each origin, so they measure the selection's
 * own optimism: a bound picked because history barely met it breaches more often afterwards.
 */
export function selectVariants(ctx: EndpointContext, kind: SliKind, fit: FitWindow[], bounds: number[], proj: Projection): Chosen[] {
  const o = ctx.o;
  // A window of N requests cannot tell targets stricter than 1 − 1/N apart (one error is the whole budget).
  const resolvable = AVAILABILITY_LADDER.filter((t) => (1 - t / 100) * ctx.medianTotal >= 1 - 1e-9);
  const ladder = resolvable.length > 0 ? resolvable : AVAILABILITY_LADDER.slice(-1);
  const candidates = kind === 'latency' ? bounds : ladder;
  // Availability: the windows' SLIs and projected bad counts do not depend on the target, so they are
  // read once for the whole ladder (the ladder search tries dozens of targets per variant).
  const avail = kind === 'availability' ? availabilityRows(fit, proj) : null;
  const compliance = (t: number): Compliance => (avail ? availabilityCompliance(avail, t / 100) : weightedCompliance(fit, availabilitySli, t / 100));
  const chosen: Chosen[] = [];
  for (const type of VARIANT_TYPES) {
    const goal = o.complianceGoals[type];
    if (kind === 'latency') {
      const pValue = o.percentiles[type];
      const choice = chooseTightest(bounds, (b) => weightedCompliance(fit, (w) => latencySli(w, b), pValue / 100), goal);
      chosen.push({ type, pValue, target: pValue, threshold: choice.value, choice, index: bounds.indexOf(choice.value) });
    } else {
      const cap = AVAILABILITY_BURN_CAP[type];
      // Met often enough AND leaving budget headroom: without the cap, a steady 0.05 % error rate
      // gives the same target at every goal, since nearly every window sits at the same availability.
      const ok = ladder.findIndex((t) => compliance(t).share >= goal - 1e-12 && rowsRisk(avail!, t).burn <= cap + 1e-12);
      const at = ok >= 0 ? ok : ladder.length - 1;
      const tighter = at > 0 ? { value: ladder[at - 1]!, compliance: compliance(ladder[at - 1]!) } : undefined;
      const choice: ThresholdChoice<number> = { value: ladder[at]!, compliance: compliance(ladder[at]!), metGoal: ok >= 0, ...(tighter ? { tighter } : {}) };
      chosen.push({ type, pValue: choice.value, target: choice.value, threshold: null, choice, index: ladder.indexOf(choice.value) });
    }
  }
  const riskOf = (c: { target: number; threshold: number | null }) => (avail && c.threshold === null ? rowsRisk(avail, c.target) : pointRisk(fit, c.target, c.threshold, proj));
  // Walk from the riskiest variant down: each one must be no riskier than the next.
  for (let i = chosen.length - 2; i >= 0; i--) {
    const riskier = chosen[i + 1]!;
    const limit = riskOf(riskier);
    const cur = chosen[i]!;
    const from = kind === 'latency' ? cur.threshold! : cur.target;
    let risk = riskOf(cur);
    const tooRisky = (r: Risk) => r.rate > limit.rate + 1e-12 || r.burn > limit.burn + 1e-12;
    if (!tooRisky(risk)) continue;
    while (tooRisky(risk) && cur.index < candidates.length - 1) {
      cur.index++;
      if (kind === 'latency') cur.threshold = candidates[cur.index]!;
      else cur.target = cur.pValue = candidates[cur.index]!;
      risk = riskOf(cur);
    }
    if (tooRisky(risk)) {
      // Even the loosest candidate at this percentile is riskier: promise what the riskier one does.
      cur.target = riskier.target;
      cur.threshold = riskier.threshold;
      cur.index = riskier.index;
    }
    const value = kind === 'latency' ? cur.threshold! : cur.target;
    cur.choice = { value, compliance: kind === 'latency' ? weightedCompliance(fit, (w) => latencySli(w, value), cur.target / 100) : compliance(cur.target), metGoal: true };
    cur.loosenedFor = { type: riskier.type, from };
  }
  return chosen;
}

export function sliFunctions(threshold: number | null): Pick<Built, 'sliOf' | 'badOf'> {
  const thr = threshold;
  if (thr === null) return { sliOf: availabilitySli, badOf: (w) => (w.total > 0 ? w.errors : null) };
  return {
    sliOf: (w) => latencySli(w, thr),
    badOf: (w) => {
      const good = goodAtThreshold(w, thr);
      return good === null ? null : w.total - good;
    },
  };
}

interface Risk { rate: number; burn: number }

/** Per window with an SLI, in fit order: the SLI, its weight, and its bad and valid events under the projection. */
interface RiskRows { sli: Float64Array; weight: Float64Array; bad: Float64Array; total: Float64Array; windows: number }

/** The rows pointRisk sums, read once so a ladder search can try many targets on them (threshold null: availability). */
export function riskRows(fit: FitWindow[], threshold: number | null, proj: Projection, into?: RiskRows): RiskRows {
  const { sliOf, badOf } = sliFunctions(threshold);
  const rows: RiskRows = into && into.sli.length >= fit.length
    ? { sli: into.sli, weight: into.weight, bad: into.bad, total: into.total, windows: 0 }
    : { sli: new Float64Array(fit.length), weight: new Float64Array(fit.length), bad: new Float64Array(fit.length), total: new Float64Array(fit.length), windows: 0 };
  for (const f of fit) {
    const sli = sliOf(f.w);
    const measured = badOf(f.w);
    if (sli === null || measured === null) continue;
    const i = rows.windows++;
    rows.sli[i] = sli;
    rows.weight[i] = f.weight;
    // A trend projects the window's bad events: it breaches if its projected SLI falls below the target.
    rows.bad[i] = projectedBad(f.w, threshold, measured, proj);
    rows.total[i] = f.w.total;
  }
  return rows;
}

/** The availability rows of the ladder search. */
export const availabilityRows = (fit: FitWindow[], proj: Projection): RiskRows => riskRows(fit, null, proj);

/** The point estimates the ordering compares: Jeffreys breach rate on the weighted sample, and weighted burn. */
export function pointRisk(fit: FitWindow[], target: number, threshold: number | null, proj: Projection): Risk {
  const rows = riskRows(fit, threshold, proj, pointScratch);
  // Rows read once and dropped: their arrays are kept for the next call (the latency ladder calls this per candidate).
  if (rows.sli !== pointScratch.sli) pointScratch = rows;
  return rowsRisk(rows, target);
}

/** pointRisk's row buffers, grown to the longest fit seen (contents are garbage between calls). */
let pointScratch: RiskRows = { sli: new Float64Array(64), weight: new Float64Array(64), bad: new Float64Array(64), total: new Float64Array(64), windows: 0 };

/** weightedCompliance(fit, availabilitySli, targetFraction) from the rows: the same sums in the same order. */
export function availabilityCompliance(r: RiskRows, targetFraction: number): Compliance {
  let sw = 0;
  let met = 0;
  for (let i = 0; i < r.windows; i++) {
    sw += r.weight[i]!;
    if (r.sli[i]! >= targetFraction - 1e-12) met += r.weight[i]!;
  }
  return { share: sw > 0 ? met / sw : 0, windows: r.windows };
}

/** pointRisk's sums over rows (any kind): a ladder search reads the rows once and tries each target on them. */
export function rowsRisk(r: RiskRows, target: number): Risk {
  const tf = target / 100 - 1e-12;
  let sw = 0;
  let sw2 = 0;
  let swb = 0;
  let wBad = 0;
  let wTotal = 0;
  for (let i = 0; i < r.windows; i++) {
    const weight = r.weight[i]!;
    const bad = r.bad[i]!;
    sw += weight;
    sw2 += weight ** 2;
    if (1 - bad / r.total[i]! < tf) swb += weight;
    wBad += weight * bad;
    wTotal += weight * r.total[i]!;
  }
  if (sw <= 0) return { rate: 0.5, burn: 0 };
  const nEff = (sw * sw) / sw2;
  return { rate: ((swb / sw) * nEff + 0.5) / (nEff + 1), burn: wTotal > 0 ? wBad / wTotal / (1 - target / 100) : 0 };
}

/** One variant's estimates; `draws` bootstrap draws (0: point estimates only, the intervals are meaningless). */
function finish(ctx: EndpointContext, sloId: string, fit: FitWindow[], c: Chosen, proj: Projection, draws: number): Built {
  const { sliOf, badOf } = sliFunctions(c.threshold);
  const tf = c.target / 100 - 1e-12;
  const breached: boolean[] = [];
  const weights: number[] = [];
  const bad: number[] = [];
  const total: number[] = [];
  for (const f of fit) {
    const sli = sliOf(f.w);
    const measured = badOf(f.w);
    if (sli === null || measured === null) continue;
    const b = projectedBad(f.w, c.threshold, measured, proj);
    breached.push(1 - b / f.w.total < tf);
    weights.push(f.weight);
    bad.push(b);
    total.push(f.w.total);
  }
  const common = {
    periodWindows: ctx.periodWindows,
    draws,
    level: ctx.o.intervalLevel,
    blockLength: blockLength(ctx.o.breachWindowSeconds),
  };
  // Seeded per SLO and variant: the result does not depend on which other endpoints were analysed.
  // A borrowed Beta prior (app/core/similar) for thin histories; Jeffreys' when there is none.
  const prior = ctx.o.breachPriorFor?.(ctx.h.service, ctx.h.endpoint, c.threshold === null ? 'availability' : 'latency', c.type);
  const estimate = estimateBreachRate({ ...common, breached, weights, rng: fastRng(hashSeed(ctx.o.seed, sloId, c.type)), ...(prior ? { prior } : {}) });
  const burn = estimateBurn({ ...common, bad, total, weights, budgetFraction: 1 - c.target / 100, rng: fastRng(hashSeed(ctx.o.seed, sloId, c.type, 'burn')) });
  let met = 0;
  let measured = 0;
  for (const w of ctx.present) {
    const sli = sliOf(w);
    if (sli === null) continue;
    measured++;
    if (sli >= tf) met++;
  }
  const pastPeriods = pastPeriodBurns(
    ctx.present.map((w) => ({ start: w.start, end: w.end, bad: badOf(w), total: w.total })),
    1 - c.target / 100,
    ctx.o.end,
    ctx.analysisStart,
    ctx.o.periodSeconds,
  );
  return {
    type: c.type,
    pValue: c.pValue,
    target: c.target,
    threshold: c.threshold,
    choice: c.choice,
    ...(c.loosenedFor ? { loosenedFor: c.loosenedFor } : {}),
    sliOf,
    badOf,
    estimate,
    burn,
    pastPeriods,
    compliance: measured > 0 ? met / measured : 0,
    borrowedPrior: prior !== undefined,
    worstBurn: worstBurn(bad, total, 1 - c.target / 100),
  };
}

/** A week of windows per block keeps the weekly cycle inside each resampled block. */
export function blockLength(bw: number): number {
  return Math.max(1, Math.round((7 * 86_400) / bw));
}
