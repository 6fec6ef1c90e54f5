import type { WindowCounts } from '../types.js';

export interface FitWindow { w: WindowCounts; weight: number }

export interface Compliance {
  /** Recency-weighted share of windows whose SLI met the target. */
  share: number;
  /** Windows with a measurable SLI. */
  windows: number;
}

export function weightedCompliance(fit: FitWindow[], sliOf: (w: WindowCounts) => number | null, targetFraction: number): Compliance {
  let sw = 0;
  let met = 0;
  let windows = 0;
  for (const f of fit) {
    const sli = sliOf(f.w);
    if (sli === null) continue;
    windows++;
    sw += f.weight;
    // A tiny tolerance: 999/1000 must count as meeting 99.9 despite float rounding.
    if (sli >= targetFraction - 1e-12) met += f.weight;
  }
  return { share: sw > 0 ? met / sw : 0, windows };
}

export interface ThresholdChoice<T> {
  value: T;
  compliance: Compliance;
  /** False when no candidate reached the goal and the loosest one was used. */
  metGoal: boolean;
  /** The next tighter candidate and how often it would have met the target (for the rationale). */
  tighter?: { value: T; compliance: Compliance };
}

/**
 * The tightest candidate whose recency-weighted compliance reaches the goal. Candidates must be
 * ordered from tightest to loosest (latency: ascending bounds; availability: descending targets),
 * so compliance is non-decreasing along the list and the first hit is the answer.
 */
export function chooseTightest<T>(candidates: T[], compliance: (c: T) => Compliance, goal: number): ThresholdChoice<T> {
  let tighter: { value: T; compliance: Compliance } | undefined;
  for (const value of candidates) {
    const c = compliance(value);
    if (c.share >= goal - 1e-12) return { value, compliance: c, metGoal: true, ...(tighter ? { tighter } : {}) };
    tighter = { value, compliance: c };
  }
  const last = candidates[candidates.length - 1]!;
  return { value: last, compliance: compliance(last), metGoal: false };
}

/**
 * Candidate availability objectives, strictest first: 1 to 9 units of each decade of error ratio
 * (99.999, 99.998, …, 99.991, 99.99, 99.98, …, 99.9, 99.8, …, 99, 98, …, 90, 80, …, 10). An availability
 * SLO has no threshold to pick, so its target is read off the observed per-window availability: the
 * strictest of these that the history met in the variant's share of windows. The grid is fine enough
 * that the three variants land on different objectives, and every value is one a person would write.
 */
export const AVAILABILITY_LADDER: number[] = (() => {
  const out: number[] = [];
  for (let e = -5; e <= -1; e++) for (const m of [1, 2, 3, 4, 5, 6, 7, 8, 9]) out.push(Number((100 - m * 10 ** (e + 2)).toFixed(6)));
  return out;
})();
