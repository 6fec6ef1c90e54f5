import type { VariantType } from '../report.js';
import { median } from '../sli/stats.js';
import type { WindowCounts } from '../types.js';
import { formatDuration } from '../time.js';
import type { RegimeChange } from './regime.js';
import { count, day, pct, seconds } from './text.js';

/** An endpoint younger than this has too few weeks to show its weekly cycle. */
export const NEW_ENDPOINT_SECONDS = 7 * 86_400;

/**
 * A target T% is only meaningful when one bad request is less than the whole budget of a window:
 * requests per window ≥ 1 / (1 − T/100), e.g. ~1,000 for 99.9%.
 */
export function lowTrafficWarning(medianTotal: number, targets: Array<{ type: VariantType; target: number }>, bw: number): string | null {
  const weak = targets.filter((t) => medianTotal < 1 / (1 - t.target / 100));
  if (weak.length === 0) return null;
  const strictest = weak.reduce((a, b) => (b.target > a.target ? b : a));
  const need = Math.round(1 / (1 - strictest.target / 100));
  return `Low traffic: a ${strictest.target}% target needs at least ~${count(need)} requests per ${formatDuration(bw)} window to be meaningful ` +
    `(below that a single bad request breaches it); this endpoint has a median of ${count(medianTotal)}. ` +
    `Treat the ${weak.map((w) => w.type).join(' and ')} variant${weak.length > 1 ? 's' : ''} as indicative, or use a longer breach window.`;
}

/** Missing windows after the endpoint first appeared (before that it did not exist: see newEndpointWarning). */
export function gapWarning(all: WindowCounts[], analysisStart: number, end: number, bw: number): string | null {
  const present = all.filter((w) => w.total > 0);
  if (present.length === 0) return null;
  const firstStart = present[0]!.start;
  // A window reported with zero requests is a quiet window, not a gap: only absent windows are gaps.
  const have = new Set(all.map((w) => Math.round((w.start - analysisStart) / bw)));
  const missing: number[] = [];
  for (let k = Math.round((firstStart - analysisStart) / bw); analysisStart + (k + 1) * bw <= end; k++) if (!have.has(k)) missing.push(k);
  if (missing.length === 0) return null;
  const expected = Math.round((end - firstStart) / bw);
  const ranges: string[] = [];
  for (let i = 0; i < missing.length; i++) {
    let j = i;
    while (j + 1 < missing.length && missing[j + 1] === missing[j]! + 1) j++;
    ranges.push(`${day(analysisStart + missing[i]! * bw)} to ${day(analysisStart + (missing[j]! + 1) * bw)}`);
    i = j;
  }
  return `Gaps: ${missing.length} of ${expected} ${formatDuration(bw)} windows have no data (${ranges.slice(0, 3).join('; ')}${ranges.length > 3 ? '; …' : ''}); ` +
    `breach rates use the ${expected - missing.length} windows with data, and data coverage lowers the confidence.`;
}

export function newEndpointWarning(present: WindowCounts[], analysisStart: number, end: number): string | null {
  const first = present[0]?.start;
  if (first === undefined || first <= analysisStart || end - first >= NEW_ENDPOINT_SECONDS) return null;
  const days = (end - first) / 86_400;
  return `New endpoint: only ${days.toFixed(days < 2 ? 1 : 0)} days of data (first seen ${day(first)}); ` +
    'thresholds and breach rates are provisional and no weekly cycle is visible yet; re-run after at least 7 days.';
}

export function regimeWarning(r: RegimeChange, fitWindows: number, bw: number): string {
  const dir = r.ratio > 1 ? `${r.ratio.toFixed(2)}x slower` : `${(1 / r.ratio).toFixed(2)}x faster`;
  return `Regime change: typical p90 latency became ${dir} (${seconds(r.before)} -> ${seconds(r.after)}) at ${day(r.at)}` +
    `${r.version ? `, when ${r.version} was deployed` : ''}; latency proposals are fitted on the ${fitWindows} ${formatDuration(bw)} windows since, ` +
    'not on the older behaviour.';
}

function weekend(w: WindowCounts): boolean {
  const wd = (Math.floor((w.start + w.end) / 2 / 86_400) + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  return wd === 0 || wd === 6;
}

/**
 * Weekday vs weekend (UTC): traffic differing by more than 30%, or a bad fraction that differs
 * (see `differs`), is worth a sentence: breaches then cluster on one kind of day. With sub-day
 * windows the daily cycle is checked too.
 */
export function seasonalityWarning(present: WindowCounts[], bw: number, badOf: (w: WindowCounts) => number | null, targetPct: number): string | null {
  if (bw > 86_400) return null;
  const parts: string[] = [];
  const daily = bw <= 6 * 3600 ? dailyCycle(present, badOf, targetPct) : null;
  if (daily) parts.push(daily);
  const we = present.filter(weekend);
  const wd = present.filter((w) => !weekend(w));
  if (we.length < 2 || wd.length < 4) return parts.length ? `Seasonality: ${parts.join('; ')}.` : null;
  const tWe = median(we.map((w) => w.total));
  const tWd = median(wd.map((w) => w.total));
  if (tWd > 0 && Math.abs(tWe / tWd - 1) > 0.3) {
    parts.push(`weekend traffic is ${pct(Math.abs(tWe / tWd - 1))} ${tWe > tWd ? 'higher' : 'lower'} than on weekdays (median ${count(tWe)} vs ${count(tWd)} per window)`);
  }
  const bWe = pooled(we, badOf);
  const bWd = pooled(wd, badOf);
  if (differs(bWe, bWd, targetPct)) {
    parts.push(`the bad fraction at the selected target is ${pct(bWe.frac)} on weekends vs ${pct(bWd.frac)} on weekdays, so breaches cluster on ${bWe.frac > bWd.frac ? 'weekends' : 'weekdays'}`);
  }
  if (parts.length === 0) return null;
  return `Seasonality: ${parts.join('; ')}. The breach rate averages both kinds of day; the week-long bootstrap blocks keep them in proportion.`;
}

interface Pooled { frac: number; total: number }

function pooled(ws: WindowCounts[], badOf: (w: WindowCounts) => number | null): Pooled {
  let bad = 0;
  let tot = 0;
  for (const w of ws) {
    const b = badOf(w);
    if (b === null) continue;
    bad += b;
    tot += w.total;
  }
  return { frac: tot > 0 ? bad / tot : 0, total: tot };
}

/**
 * More than 1.5x apart, by more than a quarter of the error budget, and not counting noise
 * (two-proportion z ≥ 3): a few bad requests among a few hundred are not a pattern.
 */
function differs(a: Pooled, b: Pooled, targetPct: number): boolean {
  const ratio = Math.max(a.frac, b.frac) / Math.max(1e-12, Math.min(a.frac, b.frac));
  const p = (a.frac * a.total + b.frac * b.total) / Math.max(1, a.total + b.total);
  const se = Math.sqrt(p * (1 - p) * (1 / Math.max(1, a.total) + 1 / Math.max(1, b.total)));
  return ratio > 1.5 && Math.abs(a.frac - b.frac) > (1 - targetPct / 100) / 4 && se > 0 && Math.abs(a.frac - b.frac) / se >= 3;
}

/**
 * The daily cycle, for sub-day windows: the busiest quarter of windows against the quietest
 * quarter (by traffic, so no time zone has to be assumed). Load-dependent latency shows up here.
 */
function dailyCycle(present: WindowCounts[], badOf: (w: WindowCounts) => number | null, targetPct: number): string | null {
  if (present.length < 16) return null;
  const sorted = [...present].sort((a, b) => a.total - b.total);
  const q = Math.floor(sorted.length / 4);
  const quiet = sorted.slice(0, q);
  const busy = sorted.slice(-q);
  const bBusy = pooled(busy, badOf);
  const bQuiet = pooled(quiet, badOf);
  if (!differs(bBusy, bQuiet, targetPct)) return null;
  return `the busiest quarter of windows (median ${count(median(busy.map((w) => w.total)))} requests) has a bad fraction of ${pct(bBusy.frac)} ` +
    `vs ${pct(bQuiet.frac)} in the quietest quarter (median ${count(median(quiet.map((w) => w.total)))}), so breaches cluster at ${bBusy.frac > bQuiet.frac ? 'peak' : 'quiet'} hours`;
}
