/**
 * How a breach rate and its interval read, the same wherever a reviewer sees them: the PR body, the
 * CLI summary and `explain`, and the details pages (web/ imports this file, so it imports nothing
 * but time.ts, which imports nothing).
 *
 * - The rate (a long-run probability per evaluation window) gets two significant digits, not fixed
 *   decimals: with the headroom prior never-breached variants read 0.0041 % and 0.0037 %, which
 *   fixed decimals both printed as 0.004 % (5 tied rows in the demo). Below 0.001 % (one window in
 *   100,000: once in ~270 years of days) it reads "< 0.001%"; the model cannot tell such rates apart
 *   in any way that matters to a reviewer.
 * - The interval is a predictive interval for the share of breached windows over the next SLO
 *   period, which lives on multiples of 1/(windows per period). It is written as that count:
 *   "0–2 of 28 days". As shares it read "[0.00%, 0.13%]" with the point at the upper end, because the
 *   interval is widened to contain the point: what it meant is "no breached day in the next 28",
 *   which is what it now says ("0 of 28 days").
 */

import { parseDuration } from './time.js';

/** A share (0..1) as a percentage with two significant digits. */
export function formatRate(share: number): string {
  if (!Number.isFinite(share)) return '—';
  const v = share * 100;
  if (v <= 0) return '0%';
  if (v >= 100) return '100%';
  if (v < 0.001) return '< 0.001%';
  if (v >= 10) return v > 99 ? '> 99%' : `${Math.round(v)}%`;
  return `${Number(v.toPrecision(2))}%`;
}

/**
 * Evaluation windows per SLO period, as the recommender counts them (round(period / window), at least
 * 1): the breach-rate interval lives on multiples of its inverse. null when a duration does not parse.
 */
export function windowsPerPeriod(breachWindow: string, period: string): number | null {
  try {
    const n = Math.max(1, Math.round(parseDuration(period) / parseDuration(breachWindow)));
    return n <= 1_000_000 ? n : null;
  } catch {
    return null;
  }
}

/** "days" for daily windows, "hours" for hourly ones, else "<window> windows". */
export function windowUnit(breachWindow: string): string {
  const w = breachWindow.trim();
  if (w === '1d' || w === '24h') return 'days';
  if (w === '1h' || w === '60m') return 'hours';
  if (w === '1w' || w === '7d') return 'weeks';
  return `${w} windows`;
}

/**
 * The count range of an interval on multiples of 1/n. An end that is not on a multiple was widened to
 * the point estimate (report intervals contain their point), so the count range is the multiples inside.
 */
export function breachCounts(interval: readonly [number, number], n: number): [number, number] {
  const count = (x: number, dir: 'up' | 'down') => {
    const c = x * n;
    const near = Math.round(c);
    // Report shares are rounded (3/28 reads 0.10714, or 0.107 in an older or hand-written report): an
    // end within 2 % of a window of a whole count is that count.
    if (Math.abs(c - near) <= 0.02) return near;
    return dir === 'up' ? Math.ceil(c) : Math.floor(c);
  };
  const lo = Math.max(0, count(interval[0], 'up'));
  const hi = Math.min(n, Math.max(lo, count(interval[1], 'down')));
  return [lo, hi];
}

/** The interval as breached windows of the next period ("0–2 of 28 days"), or as shares when the period is not a whole number of windows. */
export function formatBreachInterval(interval: readonly [number, number], n: number | null, unit: string): string {
  if (n === null) return `${formatRate(interval[0])} to ${formatRate(interval[1])}`;
  const [lo, hi] = breachCounts(interval, n);
  return `${lo === hi ? lo : `${lo}–${hi}`} of ${n} ${unit}`;
}

/** "0.0041% [0 of 28 days]": the expected rate per window, then the interval of breached windows next period. */
export function formatBreach(rate: number, interval: readonly [number, number], n: number | null, unit: string): string {
  return `${formatRate(rate)} [${formatBreachInterval(interval, n, unit)}]`;
}
