import type { ConfidenceComponents } from '../report.js';
import { mean, stdev } from '../sli/stats.js';
import type { WindowCounts } from '../types.js';

/** Weights of the weighted geometric mean (sum 1): one weak component drags the score down. */
export const CONFIDENCE_WEIGHTS: ConfidenceComponents = { trafficVolume: 0.3, dataCoverage: 0.2, stability: 0.25, intervalWidth: 0.25 };

/** An interval as wide as this (30 points of breach rate) says nothing: intervalWidth = 0. */
const USELESS_WIDTH = 0.3;

export interface ConfidenceInput {
  medianTotal: number;
  /** Target (percent) of the selected variant. */
  target: number;
  presentWindows: number;
  expectedWindows: number;
  /** Pooled bad fraction and request count per week (counted back from the end), weeks with ≥ 3 windows. */
  weeks: WeekStat[];
  interval: [number, number];
}

/**
 * Confidence 0..1 = Π component^weight, each component in 0..1:
 * - trafficVolume = log10(1 + median requests per window) / log10(1 + 10 / (1 − target)):
 *   full marks at ten times the volume where one bad request is the whole budget;
 * - dataCoverage = windows with data / windows in the analysed range;
 * - stability = 1 / (1 + CV) of the weekly bad fraction, where only the variance beyond binomial
 *   counting noise counts (a week with 1 bad request and one with 3 are not "unstable" at 10k
 *   requests); 0.5 with fewer than two weeks: unknown;
 * - intervalWidth = 1 − (interval width / 0.3), floored at 0.
 * Components are floored at 0.01 inside the product so one zero does not hide the others.
 */
export function confidence(input: ConfidenceInput): { value: number; components: ConfidenceComponents } {
  const need = 10 / (1 - input.target / 100);
  const trafficVolume = clamp(Math.log10(1 + input.medianTotal) / Math.log10(1 + need));
  const dataCoverage = clamp(input.expectedWindows > 0 ? input.presentWindows / input.expectedWindows : 0);
  let stability = 0.5;
  if (input.weeks.length >= 2) {
    const fractions = input.weeks.map((w) => w.fraction);
    const m = mean(fractions);
    const noise = mean(input.weeks.map((w) => (w.fraction * (1 - w.fraction)) / w.total));
    const excess = Math.max(0, stdev(fractions) ** 2 - noise);
    stability = m <= 0 ? 1 : clamp(1 / (1 + Math.sqrt(excess) / m));
  }
  const intervalWidth = clamp(1 - (input.interval[1] - input.interval[0]) / USELESS_WIDTH);
  const components: ConfidenceComponents = { trafficVolume, dataCoverage, stability, intervalWidth };
  let log = 0;
  for (const key of Object.keys(CONFIDENCE_WEIGHTS) as Array<keyof ConfidenceComponents>) {
    log += CONFIDENCE_WEIGHTS[key] * Math.log(Math.max(0.01, components[key]));
  }
  return { value: round3(Math.exp(log)), components: { trafficVolume: round3(trafficVolume), dataCoverage: round3(dataCoverage), stability: round3(stability), intervalWidth: round3(intervalWidth) } };
}

/** Pooled bad fraction per week counted back from `end`; weeks with fewer than 3 windows are dropped. */
export interface WeekStat { fraction: number; total: number }

export function weeklyBadFractions(windows: WindowCounts[], end: number, badOf: (w: WindowCounts) => number | null): WeekStat[] {
  const weeks = new Map<number, { bad: number; total: number; n: number }>();
  for (const w of windows) {
    const bad = badOf(w);
    if (bad === null || w.total <= 0) continue;
    const k = Math.floor((end - w.end) / (7 * 86_400));
    const acc = weeks.get(k) ?? { bad: 0, total: 0, n: 0 };
    acc.bad += bad;
    acc.total += w.total;
    acc.n++;
    weeks.set(k, acc);
  }
  return [...weeks.values()].filter((x) => x.n >= 3).map((x) => ({ fraction: x.bad / x.total, total: x.total }));
}

function clamp(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
