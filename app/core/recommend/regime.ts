import { histogramQuantile } from '../sli/window.js';
import { median } from '../sli/stats.js';
import type { VersionSpan, WindowCounts } from '../types.js';

export interface RegimeChange {
  /** Index (into the windows given) of the first window fitted as the new regime. */
  fitFrom: number;
  /** When the shift happened (unix s): the version's start when known, else the first new window's start. */
  at: number;
  /** Ratio of the typical p90 latency after vs before (1.8 = 80% slower). */
  ratio: number;
  /** Robust z-score of the shift. */
  score: number;
  /** Version that started at the change, when known. */
  version?: string;
  before: number;
  after: number;
}

/** Fewer requests than this make a window's p90 too noisy to vote on a change point. */
const MIN_REQUESTS = 50;
const MIN_SEGMENT = 3;
const MEDIAN_EFFICIENCY = Math.sqrt(Math.PI / 2);
/** A shift must be both clearly outside day-to-day noise and large enough to matter. */
export const MIN_SCORE = 6;
export const MIN_RATIO = 1.3;
/** A split at a deploy wins over the statistically best split when it scores at least this share of it. */
const DEPLOY_PREFERENCE = 0.7;

/**
 * A single change point in the log of each window's p90 latency (a deploy that shifted latency).
 *
 * For every split with at least 3 windows on each side, score = |median(after) − median(before)| /
 * (√(π/2) · σ · √(1/k + 1/(n−k))), a two-sample z statistic with medians (so a one-day incident cannot pose
 * as a regime) and σ estimated once from successive differences (1.4826 · MAD(Δx) / √2), which a
 * single level shift barely moves. The best split counts when score ≥ 6 and the shift is ≥ 1.3×
 * either way. When version spans are known, a split at a deploy is preferred if it scores at least
 * 70% of the best: the deploy is the likelier cause and gives a precise time. A window that mixes
 * both versions is left out of the new regime (when at least 3 windows remain).
 */
export function detectRegimeChange(windows: WindowCounts[], versions: VersionSpan[] = []): RegimeChange | null {
  if (windows.every((w) => w.end - w.start >= DAY)) return detectOn(windows, versions);
  // Sub-day windows: decide on daily aggregates (hourly p90 is noisy, and the search is quadratic),
  // then start the new regime at the first window of the first new day.
  const days = dailyAggregates(windows);
  const r = detectOn(days, versions);
  if (!r) return null;
  // With a known deploy time the new regime starts at the first whole window after it.
  const from = r.version !== undefined ? r.at : days[r.fitFrom]!.start;
  const fitFrom = windows.findIndex((w) => w.start >= from);
  return fitFrom < 0 ? null : { ...r, fitFrom };
}

const DAY = 86_400;

function dailyAggregates(windows: WindowCounts[]): WindowCounts[] {
  const out: WindowCounts[] = [];
  for (const w of windows) {
    const start = Math.floor(w.start / DAY) * DAY;
    let d = out[out.length - 1];
    if (!d || d.start !== start) {
      d = { start, end: start + DAY, total: 0, errors: 0, ...(w.latency ? { latency: { thresholds: w.latency.thresholds, goodCounts: w.latency.goodCounts.map(() => 0) } } : {}) };
      out.push(d);
    }
    d.total += w.total;
    d.errors += w.errors;
    const lat = d.latency;
    // Only windows on the same bucket layout add up; others still count towards traffic.
    if (lat && w.latency && w.latency.thresholds.length === lat.thresholds.length) {
      for (let i = 0; i < lat.goodCounts.length; i++) lat.goodCounts[i] += w.latency.goodCounts[i]!;
    }
  }
  return out;
}

function detectOn(windows: WindowCounts[], versions: VersionSpan[]): RegimeChange | null {
  const idx: number[] = [];
  const xs: number[] = [];
  windows.forEach((w, i) => {
    if (w.total < MIN_REQUESTS) return;
    const q = histogramQuantile(w, 0.9);
    if (q !== null && q > 0) {
      idx.push(i);
      xs.push(Math.log(q));
    }
  });
  const n = xs.length;
  if (n < 2 * MIN_SEGMENT + 1) return null;
  const diffs: number[] = [];
  for (let i = 1; i < n; i++) diffs.push(Math.abs(xs[i]! - xs[i - 1]!));
  // Floor the noise at 2% so perfectly flat synthetic series do not produce infinite scores.
  const sigma = Math.max(0.02, (1.4826 * median(diffs)) / Math.SQRT2);
  const scoreAt = (k: number) => {
    const d = median(xs.slice(k)) - median(xs.slice(0, k));
    // √(π/2): a median of k normal values varies that much more than their mean.
    return { k, d, score: Math.abs(d) / (MEDIAN_EFFICIENCY * sigma * Math.sqrt(1 / k + 1 / (n - k))) };
  };
  let best: { k: number; d: number; score: number } | null = null;
  for (let k = MIN_SEGMENT; k <= n - MIN_SEGMENT; k++) {
    const s = scoreAt(k);
    if (!best || s.score > best.score) best = s;
  }
  if (!best) return null;
  // Deploys: a version whose start falls inside (or at the start of) a window in the candidate range.
  let deploy: VersionSpan | undefined;
  for (const v of versions.slice(1)) {
    const k = idx.findIndex((i) => windows[i]!.end > v.start);
    if (k < MIN_SEGMENT || k > n - MIN_SEGMENT) continue;
    // The first window fully after the deploy starts the new regime.
    const kk = windows[idx[k]!]!.start < v.start && k + 1 <= n - MIN_SEGMENT ? k + 1 : k;
    const s = scoreAt(kk);
    if (s.score >= DEPLOY_PREFERENCE * best.score && s.score >= MIN_SCORE && (!deploy || s.score > best.score)) {
      best = s;
      deploy = v;
    }
  }
  if (best.score < MIN_SCORE || Math.abs(best.d) < Math.log(MIN_RATIO)) return null;
  const fitFrom = idx[best.k]!;
  return {
    fitFrom,
    at: deploy?.start ?? windows[fitFrom]!.start,
    ratio: Math.exp(best.d),
    score: best.score,
    ...(deploy ? { version: deploy.version } : {}),
    before: Math.exp(median(xs.slice(0, best.k))),
    after: Math.exp(median(xs.slice(best.k))),
  };
}
