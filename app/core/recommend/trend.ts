/**
 * Trends beyond the daily and weekly cycles (issue 11 §3): sustained growth or decline of traffic,
 * and drift of latency (p90) or of the error ratio. Per UTC day, y = weekday effect + β·max(0, day − k)
 * (a flat start, then a slope from day k; weekday effects remove the weekly cycle, daily sums remove
 * the daily one). The break k is the one with the smallest residual sum of squares; a trend counts
 * when it has run ≥ 14 days, |t| ≥ 6 and it changes y by at least 3 % a week. Projections assume it goes on.
 */
import { normalCdf } from '../sli/stats.js';
import { goodAtThreshold as goodAt, histogramQuantile } from '../sli/window.js';
import type { WindowCounts } from '../types.js';

const DAY = 86_400;
const MIN_DAYS = 14;
/** The break is searched for, so the slope must clear a higher bar than a single test's. */
const MIN_T = 6;
/** A trend must have run this many days to count as sustained. */
const MIN_TREND_DAYS = 14;
const MIN_WEEKLY = 0.03;
/** A projection never scales latency or errors by more than this (a trend is not a forecast of collapse). */
const MAX_FACTOR = 4;

export interface TrendFit {
  /** Relative change per week, e.g. 0.06 = +6 %/week. */
  perWeek: number;
  /** unix seconds: start of the trend (the break day). */
  since: number;
  t: number;
  /** Slope per day in log units. */
  beta: number;
}

export interface Trends {
  traffic: TrendFit | null;
  latency: TrendFit | null;
  errors: TrendFit | null;
  /** Latency follows traffic: d log p90 / d log traffic within days, when significant (a power law in load). */
  elasticity: number | null;
  /** Latency (mean log latency per hour) rises convexly with per-replica load, as a queue nearing its capacity does. */
  queue: QueueFit | null;
}

/**
 * Queue-shaped latency: within each day, latency ∝ (1 − x / capacity)^−exponent, x = requests/s per
 * replica (fitted on each hour's mean log latency). An M/M/1 sojourn time has exponent 1; service time that does not queue lowers it.
 */
export interface QueueFit {
  /** Fitted requests/s one replica sustains. */
  capacityPerReplica: number;
  exponent: number;
  t: number;
  /** Highest hourly per-replica load seen / capacity. */
  peakUtilisation: number;
  /** Replicas the projection assumes (the last observed count; 1 when none was observed). */
  replicas: number;
  /** Hourly windows with their per-replica load, by hour start, to project each window hour by hour. */
  hours: Map<number, { x: number; w: WindowCounts }>;
  /** Residual sum of squares against the better of the power law and a straight line in load (< 1: the queue explains the hours better). */
  sseRatio: number;
}

/** Candidate peak utilisations of the queue fit: capacity = peak per-replica load / ρ. */
const RHO_GRID = [0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97];
/** The queue must leave at most this share of the power law's residual sum of squares to be believed. */
const QUEUE_SSE_RATIO = 0.9;
/** A projected utilisation at or past this is treated as saturated (the factor is capped). */
const SATURATED = 0.99;

interface Day { day: number; total: number; errors: number; p90: number | null }

function daily(windows: WindowCounts[]): Day[] {
  const byDay = new Map<number, { total: number; errors: number; thresholds?: number[]; good?: number[] }>();
  for (const w of windows) {
    if (w.total <= 0) continue;
    const d = Math.floor(w.start / DAY);
    const acc = byDay.get(d) ?? { total: 0, errors: 0 };
    acc.total += w.total;
    acc.errors += w.errors;
    if (w.latency && w.latency.thresholds.length) {
      if (!acc.good) {
        acc.thresholds = w.latency.thresholds;
        acc.good = w.latency.goodCounts.slice();
      } else if (acc.thresholds!.length === w.latency.thresholds.length) {
        for (let i = 0; i < acc.good.length; i++) acc.good[i]! += w.latency.goodCounts[i]!;
      }
    }
    byDay.set(d, acc);
  }
  return [...byDay].sort((a, b) => a[0] - b[0]).map(([day, a]) => ({
    day,
    total: a.total,
    errors: a.errors,
    p90: a.good && a.total >= 50 ? histogramQuantile({ start: 0, end: 1, total: a.total, errors: 0, latency: { thresholds: a.thresholds!, goodCounts: a.good } }, 0.9) : null,
  }));
}

/** Weekday-demeaned copies of values (Frisch–Waugh: slope with weekday fixed effects). */
function demean(days: number[], values: number[]): number[] {
  const sum = new Array<number>(7).fill(0);
  const n = new Array<number>(7).fill(0);
  days.forEach((d, i) => {
    const wd = (d + 4) % 7;
    sum[wd]! += values[i]!;
    n[wd]!++;
  });
  return values.map((v, i) => v - sum[(days[i]! + 4) % 7]! / n[(days[i]! + 4) % 7]!);
}

/** Values minus the mean of their group (e.g. each hour minus its day's mean). Exported for the fast-path tests. */
export function demeanBy(groups: number[], values: number[]): number[] {
  const sum = new Map<number, { s: number; n: number }>();
  groups.forEach((g, i) => {
    const a = sum.get(g) ?? { s: 0, n: 0 };
    a.s += values[i]!;
    a.n++;
    sum.set(g, a);
  });
  return values.map((v, i) => v - sum.get(groups[i]!)!.s / sum.get(groups[i]!)!.n);
}

/** Each value's group as a dense index (in order of first appearance) and each group's size, for demeanGroups. */
export function groupsOf(keys: number[]): { of: Int32Array; size: Float64Array } {
  const index = new Map<number, number>();
  const of = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    let g = index.get(keys[i]!);
    if (g === undefined) index.set(keys[i]!, (g = index.size));
    of[i] = g;
  }
  const size = new Float64Array(index.size);
  for (let i = 0; i < keys.length; i++) size[of[i]!]!++;
  return { of, size };
}

/** demeanBy(keys, values) for the groups of groupsOf(keys): the same sums in the same order, the same numbers. */
export function demeanGroups(groups: { of: Int32Array; size: Float64Array }, values: number[]): Float64Array {
  const sum = new Float64Array(groups.size.length);
  const { of } = groups;
  for (let i = 0; i < values.length; i++) sum[of[i]!]! += values[i]!;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! - sum[of[i]!]! / groups.size[of[i]!]!;
  return out;
}

export function fitTrend(days: number[], y: number[]): TrendFit | null {
  const n = days.length;
  if (n < MIN_DAYS) return null;
  const yt = demean(days, y);
  // demean(days, max(0, day − day k)) for each break k, into one reused array: the same sums in the
  // same order, without two fresh arrays per break (this runs for every trend of every fit).
  const wd = new Int32Array(n);
  const count = new Float64Array(7);
  for (let i = 0; i < n; i++) {
    wd[i] = (days[i]! + 4) % 7;
    count[wd[i]!]!++;
  }
  const x = new Float64Array(n);
  const sum = new Float64Array(7);
  let best: { sse: number; beta: number; se: number; k: number } | null = null;
  for (let k = 0; k < n && days[n - 1]! - days[k]! >= MIN_TREND_DAYS - 1; k++) {
    sum.fill(0);
    for (let i = 0; i < n; i++) {
      x[i] = Math.max(0, days[i]! - days[k]!);
      sum[wd[i]!]! += x[i]!;
    }
    for (let i = 0; i < n; i++) x[i] = x[i]! - sum[wd[i]!]! / count[wd[i]!]!;
    let sxx = 0;
    let sxy = 0;
    for (let i = 0; i < n; i++) {
      sxx += x[i]! * x[i]!;
      sxy += x[i]! * yt[i]!;
    }
    if (sxx <= 0) continue;
    const beta = sxy / sxx;
    let sse = 0;
    for (let i = 0; i < n; i++) sse += (yt[i]! - beta * x[i]!) ** 2;
    const dof = Math.max(1, n - Math.min(7, n) - 1);
    const se = Math.sqrt(sse / dof / sxx);
    if (!best || sse < best.sse) best = { sse, beta, se, k };
  }
  if (!best || best.se <= 0) return null;
  const t = best.beta / best.se;
  const perWeek = Math.exp(7 * best.beta) - 1;
  if (Math.abs(t) < MIN_T || Math.abs(perWeek) < MIN_WEEKLY) return null;
  return { perWeek, since: days[best.k]! * DAY, t, beta: best.beta };
}

/**
 * Trends of one endpoint's fitted windows. `hourly` (optional) lets latency's dependence on load be
 * measured within each day: the daily cycle moves load by tens of percent while a day's own noise
 * (a slow dependency, a GC setting) is shared by all its hours and cancels out.
 */
export function detectTrends(windows: WindowCounts[], hourly?: WindowCounts[], replicas?: Array<{ start: number; end: number; count: number }>): Trends {
  const d = daily(windows);
  const traffic = fitTrend(d.map((x) => x.day), d.map((x) => Math.log(x.total)));
  const lat = d.filter((x) => x.p90 !== null && x.p90 > 0);
  const latency = fitTrend(lat.map((x) => x.day), lat.map((x) => Math.log(x.p90!)));
  const errors = fitTrend(d.map((x) => x.day), d.map((x) => Math.log((x.errors + 0.5) / x.total)));
  let elasticity: number | null = null;
  let queue: QueueFit | null = null;
  const hours = (hourly ?? []).flatMap((w) => {
    const p90 = w.total >= 50 ? histogramQuantile(w, 0.9) : null;
    return p90 !== null && p90 > 0 ? [{ day: Math.floor(w.start / DAY), x: Math.log(w.total), y: Math.log(p90), w }] : [];
  });
  // Within-day regression when hourly data exist, else across days with weekday effects removed.
  const byDay = hours.length >= 48;
  if (traffic && (byDay || lat.length >= MIN_DAYS)) {
    const lx = byDay ? demeanBy(hours.map((h) => h.day), hours.map((h) => h.x)) : demean(lat.map((x) => x.day), lat.map((x) => Math.log(x.total)));
    const ly = byDay ? demeanBy(hours.map((h) => h.day), hours.map((h) => h.y)) : demean(lat.map((x) => x.day), lat.map((x) => Math.log(x.p90!)));
    let sxx = 0;
    let sxy = 0;
    for (let i = 0; i < lx.length; i++) {
      sxx += lx[i]! ** 2;
      sxy += lx[i]! * ly[i]!;
    }
    if (sxx > 0) {
      const e = sxy / sxx;
      let sse = 0;
      for (let i = 0; i < lx.length; i++) sse += (ly[i]! - e * lx[i]!) ** 2;
      const se = Math.sqrt(sse / Math.max(1, lx.length - (byDay ? new Set(hours.map((h) => h.day)).size : 7) - 1) / sxx);
      if (e > 0 && e / se >= MIN_T) elasticity = e;
      // Convex in load? Fit the queue curve on the same hours and keep it if it explains them better.
      if (byDay && elasticity !== null) queue = fitQueue(hourly ?? [], replicas);
    }
  }
  return { traffic, latency, errors, elasticity, queue };
}

/**
 * Mean log latency of a window's histogram: each bucket at its geometric midpoint (the first at half
 * its bound, the one above the last bound at twice it). null under 50 requests.
 */
function meanLogLatency(w: WindowCounts): number | null {
  const lat = w.latency;
  if (!lat || w.total < 50 || lat.thresholds.length === 0) return null;
  const b = lat.thresholds;
  let prev = 0;
  let sum = 0;
  for (let i = 0; i <= b.length; i++) {
    const count = (i < b.length ? lat.goodCounts[i]! : w.total) - prev;
    const mid = i === 0 ? b[0]! / 2 : i === b.length ? b[b.length - 1]! * 2 : Math.sqrt(b[i - 1]! * b[i]!);
    sum += count * Math.log(mid);
    prev = i < b.length ? lat.goodCounts[i]! : w.total;
  }
  return sum / w.total;
}

function replicasAt(spans: Array<{ start: number; end: number; count: number }> | undefined, t: number): number {
  const s = spans?.find((r) => t >= r.start && t < r.end) ?? spans?.[spans.length - 1];
  return s && s.count > 0 ? s.count : 1;
}

/**
 * Within-day least squares of log p90 on −log(1 − x / C) for each candidate capacity C (a grid of
 * peak utilisations), day means removed as for the elasticity. Kept when the slope is significant
 * and the residuals are at most 90 % of the better of the power law's (`powerSse`) and a straight
 * line's in load: latency then bends upwards with load, as a queue nearing capacity does.
 */
function fitQueue(hourly: WindowCounts[], replicas: Array<{ start: number; end: number; count: number }> | undefined): QueueFit | null {
  const perReplica = (w: WindowCounts) => w.total / Math.max(1, w.end - w.start) / replicasAt(replicas, (w.start + w.end) / 2);
  const all = hourly.filter((w) => w.total > 0).map((w) => ({ day: Math.floor(w.start / DAY), w }));
  // The mean log latency over all buckets, not an interpolated p90: a quantile crossing a wide
  // bucket (100 → 250 ms) bends by itself and would pass for (or hide) a queue. A scale change
  // of latency moves the mean log latency by its log, smoothly.
  const hours = all.flatMap((h) => {
    const m = meanLogLatency(h.w);
    return m !== null ? [{ ...h, y: m }] : [];
  });
  if (hours.length < 48) return null;
  const load = hours.map((h) => perReplica(h.w));
  const peak = Math.max(...load);
  if (!(peak > 0)) return null;
  const days = hours.map((h) => h.day);
  const y = demeanBy(days, hours.map((h) => h.y));
  const nDays = new Set(days).size;
  // The day groups once for the 15 regressions below (demeanBy's sums, in its order, without its map).
  const groups = groupsOf(days);
  // Convex means bending up beyond a straight line in load too: near-linear queue fits (low ρ) must not pass.
  const regress = (xs: number[]) => {
    const z = demeanGroups(groups, xs);
    let szz = 0;
    let szy = 0;
    for (let i = 0; i < z.length; i++) {
      szz += z[i]! ** 2;
      szy += z[i]! * y[i]!;
    }
    if (szz <= 0) return null;
    const b = szy / szz;
    let sse = 0;
    for (let i = 0; i < z.length; i++) sse += (y[i]! - b * z[i]!) ** 2;
    return { b, sse, se: Math.sqrt(sse / Math.max(1, z.length - nDays - 1) / szz) };
  };
  const linear = regress(load);
  const power = regress(load.map(Math.log));
  const reference = Math.min(power?.sse ?? Infinity, linear?.sse ?? Infinity);
  let best: { sse: number; b: number; se: number; rho: number } | null = null;
  for (const rho of RHO_GRID) {
    const cap = peak / rho;
    const r = regress(load.map((x) => -Math.log(1 - x / cap)));
    if (r && r.b > 0 && (!best || r.sse < best.sse)) best = { ...r, rho };
  }
  if (!best || best.b / best.se < MIN_T || best.sse > QUEUE_SSE_RATIO * reference) return null;
  const last = hours[hours.length - 1]!.w;
  return {
    capacityPerReplica: peak / best.rho,
    exponent: best.b,
    t: best.b / best.se,
    peakUtilisation: best.rho,
    replicas: replicasAt(replicas, last.end - 1),
    hours: new Map(all.map((h) => [h.w.start, { x: perReplica(h.w), w: h.w }])),
    sseRatio: reference > 0 ? best.sse / reference : 1,
  };
}

/**
 * Multipliers of latency and of the error ratio at a moment, relative to the fitted windows' average.
 * `latencyFactorOf`, when set, gives each window its own latency multiplier (queue-shaped latency:
 * a busy day's hours slow down more than a quiet day's); `latencyFactor` is then their weighted mean.
 */
export interface Projection {
  latencyFactor: number;
  errorFactor: number;
  /** How latency was projected: through the fitted queue, the latency drift itself, or the load elasticity. */
  latencyModel?: 'queue' | 'drift' | 'load-elasticity';
  latencyFactorOf?: (w: WindowCounts) => number;
  /** Queue model: a window's bad events at a threshold, each of its hours scaled by its own factor (null: no hourly data). */
  badAt?: (w: WindowCounts, threshold: number) => number | null;
  /** Queue model: per-replica utilisation at the busiest hour, now and at the projected load. */
  utilisation?: { now: number; projected: number };
  /** Where projectedBad keeps the probits it interpolates between (computed once per window and bucket). */
  probits?: ProbitCache;
}

export const NO_PROJECTION: Projection = { latencyFactor: 1, errorFactor: 1 };

/**
 * The factor a trend implies at time `at`, relative to the recency-weighted average of the fitted
 * windows (their level is what the breach counts describe).
 */
function factorAt(fit: TrendFit, windows: Array<{ mid: number; weight: number }>, at: number): number {
  const x = (t: number) => Math.max(0, t - fit.since) / DAY;
  let sw = 0;
  let sx = 0;
  for (const w of windows) {
    sw += w.weight;
    sx += w.weight * x(w.mid);
  }
  const f = Math.exp(fit.beta * (x(at) - (sw > 0 ? sx / sw : 0)));
  return Math.min(MAX_FACTOR, Math.max(1 / MAX_FACTOR, f));
}

/**
 * The projection at `at`. Latency: where it is queue-shaped and traffic trends, through the fitted
 * capacity (each window's hours at their load grown to `at`); otherwise the latency drift itself;
 * otherwise, when traffic trends and latency follows load as a power law, through that elasticity.
 */
export function projectionAt(trends: Trends, windows: Array<{ mid: number; weight: number; w?: WindowCounts }>, at: number, probits: ProbitCache = new Map()): Projection {
  const errorFactor = trends.errors ? factorAt(trends.errors, windows, at) : 1;
  if (trends.traffic && trends.queue) return { ...queueProjection(trends.traffic, trends.queue, windows, at, probits), errorFactor, probits };
  let latencyFactor = 1;
  let latencyModel: Projection['latencyModel'];
  if (trends.latency) {
    latencyFactor = factorAt(trends.latency, windows, at);
    latencyModel = 'drift';
  } else if (trends.traffic && trends.elasticity !== null) {
    latencyFactor = factorAt(trends.traffic, windows, at) ** trends.elasticity;
    latencyModel = 'load-elasticity';
  }
  return { latencyFactor: Math.min(MAX_FACTOR, latencyFactor), errorFactor, ...(latencyModel ? { latencyModel } : {}), probits };
}

/** Latency multiplier at per-replica load x grown by g: ((1 − x/C) / (1 − g·x/C))^b, capped. */
function queueFactor(q: QueueFit, x: number, g: number): number {
  const now = Math.min(x / q.capacityPerReplica, SATURATED);
  const then = g * x / q.capacityPerReplica;
  if (then >= SATURATED) return MAX_FACTOR;
  return Math.min(MAX_FACTOR, Math.max(1 / MAX_FACTOR, ((1 - now) / (1 - then)) ** q.exponent));
}

function queueProjection(traffic: TrendFit, q: QueueFit, windows: Array<{ mid: number; weight: number; w?: WindowCounts }>, at: number, probits: ProbitCache): Omit<Projection, 'errorFactor'> {
  const growth = (mid: number) => Math.exp(traffic.beta * (Math.max(0, at - traffic.since) - Math.max(0, mid - traffic.since)) / DAY);
  const hoursOf = (w: WindowCounts) => {
    const out: Array<{ x: number; w: WindowCounts }> = [];
    for (let h = w.start; h < w.end; h += 3600) {
      const hour = q.hours.get(h);
      if (hour) out.push(hour);
    }
    return out;
  };
  // A busy afternoon slows down more than a quiet night: each hour's histogram is scaled by its own
  // factor, then the window's bad events are summed (when its hours add up to the window).
  // The ladder and the replays ask for the same window at the same threshold many times; the answer
  // is a pure function of both, so it is kept for this projection's life (the same number each time).
  const badCache = new Map<WindowCounts, Map<number, number | null>>();
  const badAt = (w: WindowCounts, threshold: number): number | null => {
    let byThreshold = badCache.get(w);
    if (!byThreshold) badCache.set(w, (byThreshold = new Map()));
    const hit = byThreshold.get(threshold);
    if (hit !== undefined) return hit;
    const bad = hourlyBad(w, threshold);
    byThreshold.set(threshold, bad);
    return bad;
  };
  const hourlyBad = (w: WindowCounts, threshold: number): number | null => {
    const hours = hoursOf(w);
    if (hours.reduce((s, h) => s + h.w.total, 0) !== w.total) return null;
    const g = growth((w.start + w.end) / 2);
    let bad = 0;
    for (const h of hours) {
      const f = queueFactor(q, h.x, g);
      const measured = h.w.latency ? h.w.total - (goodAt(h.w, threshold) ?? h.w.total) : 0;
      bad += projectedBad(h.w, threshold, measured, { latencyFactor: f, errorFactor: 1, probits });
    }
    return bad;
  };
  const cache = new Map<number, number>();
  const factorOf = (w: WindowCounts): number => {
    const hit = cache.get(w.start);
    if (hit !== undefined) return hit;
    const g = growth((w.start + w.end) / 2);
    let sn = 0;
    let sf = 0;
    for (const hour of hoursOf(w)) {
      sn += hour.w.total;
      sf += hour.w.total * queueFactor(q, hour.x, g);
    }
    // Without hourly data inside the window: its mean per-replica load.
    const f = sn > 0 ? sf / sn : queueFactor(q, w.total / Math.max(1, w.end - w.start) / q.replicas, g);
    cache.set(w.start, f);
    return f;
  };
  let sw = 0;
  let sf = 0;
  for (const x of windows) {
    if (!x.w) continue;
    sw += x.weight;
    sf += x.weight * factorOf(x.w);
  }
  // The busiest hour's utilisation grown from the end of the fit to `at`.
  const lastMid = Math.max(...windows.map((x) => x.mid));
  return {
    latencyFactor: sw > 0 ? sf / sw : 1,
    latencyModel: 'queue',
    latencyFactorOf: factorOf,
    badAt,
    utilisation: { now: q.peakUtilisation, projected: Math.min(q.peakUtilisation * growth(lastMid), 9.99) },
  };
}

/**
 * Bad events of a window if latency were scaled by `latencyFactor` (between bucket bounds, the
 * probit of the cumulative share is interpolated linearly in log latency) or errors by `errorFactor`.
 */
export function projectedBad(w: WindowCounts, threshold: number | null, bad: number, p: Projection): number {
  if (threshold === null) return p.errorFactor === 1 ? bad : Math.min(w.total, bad * p.errorFactor);
  const hourly = p.badAt?.(w, threshold);
  if (hourly !== undefined && hourly !== null) return hourly;
  const factor = p.latencyFactorOf ? p.latencyFactorOf(w) : p.latencyFactor;
  if (factor === 1 || !w.latency) return bad;
  const x = threshold / factor;
  const { thresholds, goodCounts } = w.latency;
  let good: number;
  if (x <= thresholds[0]!) good = goodCounts[0]! * Math.max(0, x / thresholds[0]!);
  else if (x >= thresholds[thresholds.length - 1]!) good = goodCounts[goodCounts.length - 1]!;
  else {
    let i = 0;
    while (thresholds[i + 1]! < x) i++;
    const f = Math.log(x / thresholds[i]!) / Math.log(thresholds[i + 1]! / thresholds[i]!);
    // Probit of the cumulative share, linear in log latency: exact for a log-normal, where a straight
    // line in the count would put a wide bucket's (100 → 250 ms) mass evenly and overstate the slow share.
    if (goodCounts[i + 1]! <= goodCounts[i]!) good = goodCounts[i]!;
    else {
      const lo = bucketProbit(w, i, p.probits);
      const hi = bucketProbit(w, i + 1, p.probits);
      good = Math.min(goodCounts[i + 1]!, Math.max(goodCounts[i]!, w.total * normalCdf(lo + f * (hi - lo))));
    }
  }
  return Math.max(0, Math.min(w.total, w.total - good));
}

/**
 * Probits of windows' clamped cumulative shares, per window and bucket: probit(clamp(goodCounts[i] /
 * total)), the ends projectedBad interpolates between (NaN: not computed yet). A probit is 50
 * bisection steps of normalCdf and depends only on the window, not on the factor or the threshold,
 * while the queue model's ladder search asks for every hour of every window at dozens of thresholds:
 * with a cache each is computed once. A cache lives as long as the analysis of one SLO (prepareProposal).
 */
export type ProbitCache = Map<WindowCounts, Float64Array>;

/** probit(clamp(goodCounts[i] / total)) of window w, through the cache when there is one (the same number either way). */
function bucketProbit(w: WindowCounts, i: number, cache: ProbitCache | undefined): number {
  const share = () => probit(Math.min(1 - 0.5 / w.total, Math.max(0.5 / w.total, w.latency!.goodCounts[i]! / w.total)));
  if (!cache) return share();
  let values = cache.get(w);
  if (!values) cache.set(w, (values = new Float64Array(w.latency!.goodCounts.length).fill(Number.NaN)));
  const hit = values[i]!;
  if (!Number.isNaN(hit)) return hit;
  return (values[i] = share());
}

/** Inverse standard normal CDF by bisection on normalCdf (enough for interpolation; p in (0, 1)). */
function probit(p: number): number {
  let lo = -9;
  let hi = 9;
  for (let k = 0; k < 50; k++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
