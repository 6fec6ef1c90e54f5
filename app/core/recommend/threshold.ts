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
 * Conventional availability objectives. An availability SLO has no threshold to pick, so its
 * target is what history decides: the configured percentile when it is met often enough,
 * otherwise the highest conventional objective below it that is.
 */
export const AVAILABILITY_LADDER = [99.99, 99.95, 99.9, 99.5, 99, 98, 97, 95, 90, 80, 50];

export function availabilityCandidates(pValue: number): number[] {
  return [pValue, ...AVAILABILITY_LADDER.filter((t) => t < pValue)];
}
