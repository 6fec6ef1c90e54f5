import type { WindowCounts } from '../types.js';

/** Bounds closer than this are the same bucket (float formatting of `le` differs between exporters). */
const EPS = 1e-9;

/**
 * Requests at or under `threshold` in a window. A classic histogram can only count under an
 * existing bound, so an unknown threshold falls back to the largest bound below it (never over-counts).
 * null when the window has no latency data.
 */
export function goodAtThreshold(w: WindowCounts, threshold: number): number | null {
  const lat = w.latency;
  if (!lat) return null;
  let good = 0;
  for (let i = 0; i < lat.thresholds.length; i++) {
    if (lat.thresholds[i]! <= threshold + EPS) good = lat.goodCounts[i]!;
    else break;
  }
  return good;
}

/** Latency SLI (good / valid, 0..1) of a window at a threshold; null when there is nothing to measure. */
export function latencySli(w: WindowCounts, threshold: number): number | null {
  if (w.total <= 0) return null;
  const good = goodAtThreshold(w, threshold);
  return good === null ? null : Math.min(1, good / w.total);
}

/** Availability SLI: share of requests that were not errors (5xx by default). */
export function availabilitySli(w: WindowCounts): number | null {
  if (w.total <= 0) return null;
  return Math.max(0, 1 - w.errors / w.total);
}

/**
 * The q-quantile of a window's latency, interpolated linearly inside the bucket as Prometheus'
 * `histogram_quantile` does (lower bound of the first bucket is 0). Above the top finite bound the
 * top bound is returned, as Prometheus does. null without latency data or traffic.
 */
export function histogramQuantile(w: WindowCounts, q: number): number | null {
  const lat = w.latency;
  if (!lat || w.total <= 0 || lat.thresholds.length === 0) return null;
  const rank = q * w.total;
  let prevBound = 0;
  let prevCount = 0;
  for (let i = 0; i < lat.thresholds.length; i++) {
    const count = lat.goodCounts[i]!;
    if (count >= rank) {
      const inBucket = count - prevCount;
      const frac = inBucket > 0 ? (rank - prevCount) / inBucket : 1;
      return prevBound + (lat.thresholds[i]! - prevBound) * frac;
    }
    prevBound = lat.thresholds[i]!;
    prevCount = count;
  }
  return lat.thresholds[lat.thresholds.length - 1]!;
}
