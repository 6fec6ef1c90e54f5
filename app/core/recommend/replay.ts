/**
 * Rolling-origin replay and split-conformal calibration of the intervals (issue 11 §4).
 *
 * The method is replayed on the analysed history itself: fit on the windows before an origin,
 * predict the next week (one bootstrap block), and score the week that really followed by the
 * smallest central level whose interval would have contained it. Pooling the scores of every SLO
 * and variant of the analysis, the calibrated level is their ⌈(n + 1)·level⌉-th smallest score
 * (split conformal): an interval at that level held in the wanted share of replays. Intervals that
 * held 98 % of the time at a nominal 90 % get narrower, ones that held less get wider.
 * The burn is continuous, so its score is the distance outside the nominal interval in log units,
 * and calibration stretches (or shrinks) both ends by the conformal quantile of those distances;
 * a level alone could not widen past the bootstrap's few distinct weeks.
 */
import { fastRng, hashSeed } from '../sli/stats.js';
import type { WindowCounts } from '../types.js';
import { estimateBreachRate, pmfScore } from './bootstrap.js';
import { burnScore, estimateBurn, sampleInterval } from './burn.js';
import type { ResolvedOptions } from './options.js';
import { projectedBad, type Projection } from './trend.js';
import { blockLength, sliFunctions } from './variants.js';

/** Replays need fewer bootstrap draws: their scores are pooled over the fleet. */
const REPLAY_DRAWS = 400;
/** At most this many origins (weeks) per SLO, newest first. */
const MAX_ORIGINS = 8;
/** Fewer pooled replays than this cannot calibrate a 90 % level; the nominal level is kept. */
export const MIN_REPLAYS = 30;

export interface ReplayScores {
  breach: number[];
  burn: number[];
  /** Earliest origin and latest checked moment (unix seconds), for "over the last N weeks". */
  from: number;
  to: number;
}

export interface ReplayVariant { type: string; target: number; threshold: number | null }

/**
 * Scores of one variant's replays. `windows` are the windows the proposal was fitted on (time
 * order); `equalWeights` when the fit uses equal weights (after a regime change).
 */
export function replayScores(o: ResolvedOptions, sloId: string, windows: WindowCounts[], equalWeights: boolean, v: ReplayVariant, project: (fit: WindowCounts[], weights: number[], originEnd: number) => Projection): ReplayScores {
  const check = blockLength(o.breachWindowSeconds);
  const { sliOf, badOf } = sliFunctions(v.threshold);
  const tf = v.target / 100 - 1e-12;
  const rows = windows.flatMap((w) => {
    const sli = sliOf(w);
    const bad = badOf(w);
    return sli === null || bad === null ? [] : [{ w, sli, bad }];
  });
  const out: ReplayScores = { breach: [], burn: [], from: Infinity, to: -Infinity };
  let origins = 0;
  for (let at = rows.length - check; at >= 2 * check && origins < MAX_ORIGINS; at -= check, origins++) {
    const fit = rows.slice(0, at);
    const next = rows.slice(at, at + check);
    const originEnd = fit[fit.length - 1]!.w.end;
    const weights = fit.map((r) => (equalWeights ? 1 : 0.5 ** (Math.max(0, originEnd - r.w.end) / o.halfLife)));
    // The same method as the final fit, trend projection included: the replay checks what is reported.
    const proj = project(fit.map((r) => r.w), weights, originEnd);
    const projBad = fit.map((r) => projectedBad(r.w, v.threshold, r.bad, proj));
    const projected = (_r: unknown, i: number) => 1 - projBad[i]! / fit[i]!.w.total;
    const common = { periodWindows: check, draws: REPLAY_DRAWS, level: o.intervalLevel, blockLength: check };
    const est = estimateBreachRate({ ...common, breached: fit.map((r, i) => projected(r, i) < tf), weights, rng: fastRng(hashSeed(o.seed, sloId, v.type, 'replay', at)) });
    const k = next.filter((r) => r.sli < tf).length;
    out.breach.push(pmfScore(est.predictive, k));
    const burn = estimateBurn({
      ...common,
      bad: projBad,
      total: fit.map((r) => r.w.total),
      weights,
      budgetFraction: 1 - v.target / 100,
      rng: fastRng(hashSeed(o.seed, sloId, v.type, 'replay-burn', at)),
    });
    const nb = next.reduce((s, r) => s + r.bad, 0);
    const nt = next.reduce((s, r) => s + r.w.total, 0);
    out.burn.push(burnScore(sampleInterval(burn.samples, o.intervalLevel, burn.expected), nt > 0 ? nb / nt / (1 - v.target / 100) : 0));
    out.from = Math.min(out.from, originEnd);
    out.to = Math.max(out.to, next[next.length - 1]!.w.end);
  }
  return out;
}

export interface CalibratedLevel {
  /** Level the final intervals are computed at. */
  level: number;
  replays: number;
  /** Share of replays whose week fell inside the interval at the nominal level. */
  heldAtNominal: number;
  /** Share of replays inside the interval at the calibrated level. */
  held: number;
}

export interface CalibratedScale {
  /** Log units both ends of the nominal burn interval move out (negative: in). */
  shift: number;
  replays: number;
  heldAtNominal: number;
  held: number;
}

/** Split-conformal stretch of the burn interval from pooled distance scores; none with too few replays. */
export function calibrateScale(scores: number[], nominal: number): CalibratedScale {
  const n = scores.length;
  const heldAt = (q: number) => (n ? scores.filter((s) => s <= q + 1e-12).length / n : 0);
  if (n < MIN_REPLAYS) return { shift: 0, replays: n, heldAtNominal: heldAt(0), held: heldAt(0) };
  const sorted = [...scores].sort((a, b) => a - b);
  const shift = sorted[Math.min(n, Math.ceil((n + 1) * nominal)) - 1]!;
  return { shift, replays: n, heldAtNominal: heldAt(0), held: heldAt(shift) };
}

/** Split-conformal level from pooled scores; the nominal level when there are too few replays. */
export function calibrateLevel(scores: number[], nominal: number): CalibratedLevel {
  const n = scores.length;
  const heldAt = (level: number) => (n ? scores.filter((s) => s <= level + 1e-12).length / n : 0);
  if (n < MIN_REPLAYS) return { level: nominal, replays: n, heldAtNominal: heldAt(nominal), held: heldAt(nominal) };
  const sorted = [...scores].sort((a, b) => a - b);
  const rank = Math.min(n, Math.ceil((n + 1) * nominal));
  // Never below 50 % (an interval that narrow says little) nor at 100 % (the whole support).
  const level = Math.min(0.999, Math.max(0.5, sorted[rank - 1]!));
  return { level, replays: n, heldAtNominal: heldAt(nominal), held: heldAt(level) };
}
